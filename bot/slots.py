"""When scheduled messages are due: a channel's digest, a person's weekly summary or reminder, and whatever is
scheduled next. A slot is a wall-clock time on a day, in the schedule's `zoneinfo` zone, as an aware datetime.

Pure, and below the store (which checks a schedule before writing it) and every feature that schedules:
the claim loop is `bot.scheduled`, the once-a-minute tick `bot.ticker`.

Slots are found day by day with `zoneinfo` rather than by iterating APScheduler's `CronTrigger`: in the
hour the clocks go back, the trigger can give the same instant again, and a loop over it never ended.
A time that happens twice that night is taken at its first occurrence (`fold=0`), so it is posted
once; a time that does not exist the night the clocks go forward is taken as the same wall-clock
offset before the change (02:30 becomes 03:30 summer time).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Scheduled(Protocol):
    """Anything with a schedule: a channel's digest (`Subscription`) or a person's own message (`PersonalSchedule`)."""

    @property
    def cadence(self) -> str: ...
    @property
    def weekday(self) -> int | None: ...
    @property
    def at_time(self) -> str: ...
    @property
    def timezone(self) -> str: ...


DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class ScheduleError(ValueError):
    """A schedule cannot be computed: a time zone this server does not know, or a bad time.

    Its message is a sentence for the subscriber.
    """


_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def zone(name: str) -> ZoneInfo:
    """The time zone called `name`; raises `ScheduleError` when this server's tz database lacks it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"the time zone “{name[:60]}” is not known to this server") from None


def known_zone(name: str | None) -> str | None:
    """`name` when it is a time zone this server knows, else None (a Slack profile may name a newer one)."""
    if not name:
        return None
    try:
        zone(name)
    except ScheduleError:
        return None
    return name


def check_schedule(cadence: str, weekday: int | None, at_time: str, timezone: str) -> None:
    """Raises `ScheduleError` unless the schedule can be computed; every write path calls this first."""
    if cadence not in ("daily", "weekdays", "weekly"):
        raise ScheduleError(f"“{cadence[:20]}” is not a cadence: use daily, weekdays or weekly")
    if cadence == "weekly" and (weekday is None or not 0 <= weekday <= 6):
        raise ScheduleError("a weekly digest needs a day of the week")
    if not _TIME.match(at_time):
        raise ScheduleError(f"“{at_time[:20]}” is not a time of day (HH:MM)")
    zone(timezone)


def _days(cadence: str, weekday: int | None) -> set[int]:
    if cadence == "daily":
        return set(range(7))
    if cadence == "weekly":
        return {weekday or 0}
    return set(range(5))


def _slot_on(day: dt.date, at_time: str, zone_info: ZoneInfo) -> dt.datetime:
    hour, minute = (int(part) for part in at_time.split(":"))
    local = dt.datetime.combine(day, dt.time(hour, minute), zone_info)  # fold=0: the first of a repeated time
    return local.astimezone(dt.UTC).astimezone(zone_info)  # normalised: a time skipped by the clocks moves on


def _slots_around(subscription: Scheduled, moment: dt.datetime, days: range) -> list[dt.datetime]:
    check_schedule(subscription.cadence, subscription.weekday, subscription.at_time, subscription.timezone)
    zone_info = zone(subscription.timezone)
    today = moment.astimezone(zone_info).date()
    wanted = _days(subscription.cadence, subscription.weekday)
    found = []
    for offset in days:
        day = today + dt.timedelta(days=offset)
        if day.weekday() in wanted:
            found.append(_slot_on(day, subscription.at_time, zone_info))
    return sorted(found)


def next_slot(subscription: Scheduled, after: dt.datetime) -> dt.datetime:
    """The first slot strictly after `after`."""
    return next(slot for slot in _slots_around(subscription, after, range(-1, 9)) if slot > after)


def latest_slot(subscription: Scheduled, now: dt.datetime) -> dt.datetime | None:
    """The last slot at or before `now` (looking back at most eight days)."""
    earlier = [slot for slot in _slots_around(subscription, now, range(-8, 2)) if slot <= now]
    return earlier[-1] if earlier else None


def slot_key(slot: dt.datetime) -> str:
    """The slot as the database keys it: UTC, to the minute."""
    return slot.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def describe(subscription: Scheduled) -> str:
    """`weekdays at 09:00 (Europe/Berlin)`."""
    when = {"daily": "every day", "weekdays": "weekdays"}.get(subscription.cadence)
    if when is None:
        when = f"every {DAY_NAMES[subscription.weekday or 0]}"
    return f"{when} at {subscription.at_time} ({subscription.timezone})"
