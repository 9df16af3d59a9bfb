"""`summary weekly on|off` and `remind at 17:30|off`: opting in and out of one's own messages by DM.

The words work wherever the others do (`/toggl`, a DM, a mention, the Home tab); the messages always come
in the person's DM with the app. Both run in the person's Toggl time zone, as their profile had it when
they opted in (saying the words again picks up a change).

"First workday morning", for the weekly summary, is 09:00 on the first Monday-to-Friday day of the
person's Toggl week (`beginning_of_week`): Monday for weeks from Sunday, Monday or Saturday. It covers
the seven days of the week before.
"""

from __future__ import annotations

from bot.commands import Reminder, WeeklySummary
from bot.figures import weekday_name
from bot.identity import Account, Asker, NotConnected
from bot.service import Service
from bot.slots import ScheduleError, known_zone, next_slot
from bot.views.common import Message, notice
from bot.views.mytime import remind_off, remind_on, summary_off, summary_on

SUMMARY_AT = "09:00"
"""The morning of the weekly summary, in the person's Toggl time zone."""


def first_workday(beginning_of_week: int | None) -> int:
    """The first Monday-to-Friday day of a Toggl week (0 = Sunday … 6 = Saturday), as Python counts days (0 = Monday).

    >>> first_workday(1), first_workday(0), first_workday(6), first_workday(3)
    (0, 0, 0, 2)
    """
    start = beginning_of_week if beginning_of_week is not None and 0 <= beginning_of_week <= 6 else 1
    python_day = (start - 1) % 7
    return python_day if python_day <= 4 else 0


def settings_answer(command: WeeklySummary | Reminder, asker: Asker, account: Account | None, service: Service) -> Message:
    """Turn a message on (this needs the person's Toggl profile: their zone and week) or off (this does not)."""
    if not asker.team_id or not asker.user_id:
        return notice("Personal messages come in Slack: use these words there, after `/toggl` or in a DM.")
    store = service.personal
    match command:
        case WeeklySummary(on=False):
            return summary_off(store.delete(asker.team_id, asker.user_id, "summary"))
        case Reminder(at=None):
            return remind_off(store.delete(asker.team_id, asker.user_id, "reminder"))
    if account is None:
        raise NotConnected("personal messages need the person's Toggl time zone")
    profile = service.reader.profile(account)
    stored = account.person.timezone if account.person is not None else None
    zone = known_zone(profile.timezone) or known_zone(stored) or "UTC"
    now = service.clock.now()
    try:
        match command:
            case WeeklySummary():
                weekday = first_workday(profile.beginning_of_week)
                sched = store.set(
                    asker.team_id,
                    asker.user_id,
                    "summary",
                    cadence="weekly",
                    weekday=weekday,
                    at_time=SUMMARY_AT,
                    timezone=zone,
                )
                return summary_on(weekday_name(weekday), SUMMARY_AT, zone, next_slot(sched, now))
            case Reminder(at=at) if at is not None:
                sched = store.set(
                    asker.team_id, asker.user_id, "reminder", cadence="weekdays", weekday=None, at_time=at, timezone=zone
                )
                return remind_on(at, zone, next_slot(sched, now))
    except ScheduleError as err:
        return notice(f"I cannot schedule that: {err}.")
    return notice("Sorry, I did not understand that.")
