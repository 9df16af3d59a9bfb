"""`today` and `week`: the person's own tracked time per project, from one Reports v3 request each.

The day and the week are the person's in Toggl: their profile's time zone and `beginning_of_week`
(0 = Sunday … 6 = Saturday), from the copy of `/me` (up to a day old, so this spends nothing of the
`/me` quota most times). The workspace is their current one. Project names come from the copy of the
projects; only a project missing from it makes a refresh.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import toggl, tracking
from bot.browse import workspace_label
from bot.commands import MyTime
from bot.identity import Account
from bot.service import Service
from bot.toggl.models import Me, Project
from bot.views.common import Message, stale_note
from bot.views.mytime import REPORTS_NOTE, ProjectTime, period_title, running_note, time_report

MONDAY = 1
"""Toggl's default `beginning_of_week`."""


def week_of(day: dt.date, beginning_of_week: int | None) -> tuple[dt.date, dt.date]:
    """The first and last day of the week holding `day`, weeks starting on Toggl's `beginning_of_week`.

    >>> week_of(dt.date(2026, 11, 25), 1)  # a Wednesday; weeks from Monday
    (datetime.date(2026, 11, 23), datetime.date(2026, 11, 29))
    >>> week_of(dt.date(2026, 11, 25), 0)  # weeks from Sunday
    (datetime.date(2026, 11, 22), datetime.date(2026, 11, 28))
    """
    first = beginning_of_week if beginning_of_week is not None and 0 <= beginning_of_week <= 6 else MONDAY
    toggl_weekday = (day.weekday() + 1) % 7  # Toggl counts from Sunday = 0
    start = day - dt.timedelta(days=(toggl_weekday - first) % 7)
    return start, start + dt.timedelta(days=6)


def zone_named(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def profile_zone(profile: Me, account: Account) -> ZoneInfo:
    """The profile's time zone, else the one stored when the person connected, else UTC."""
    stored = account.person.timezone if account.person is not None else None
    return zone_named(profile.timezone or stored)


def rows_for(
    service: Service, account: Account, workspace_id: int, per_project: dict[int | None, tuple[int, int | None]]
) -> list[ProjectTime]:
    """Each project's figures with the project, named from the copy (refreshed once if one is missing)."""
    known: dict[int, Project] = {}
    if account.person is not None:
        person = account.person
        known = {p.id: p for p in service.reader.cached_projects(person.team_id, person.user_id, workspace_id)}
    if any(pid is not None and pid not in known for pid in per_project):
        try:
            known = {p.id: p for p in service.reader.projects(account, workspace_id).items}
        except toggl.TokenRejected:
            raise
        except toggl.TogglError:  # the figures stand without the names
            pass
    return [
        ProjectTime(known.get(pid) if pid is not None else None, pid, seconds, billable)
        for pid, (seconds, billable) in per_project.items()
    ]


def my_time_answer(command: MyTime, account: Account, service: Service) -> Message:
    profile = service.reader.profile(account)
    zone = profile_zone(profile, account)
    now = service.clock.now()
    today = now.astimezone(zone).date()
    start, end = (today, today) if command.period == "today" else week_of(today, profile.beginning_of_week)
    workspace_id = service.reader.workspace_id(account)
    name = f"mytime:{command.period}"
    per_project, kept = tracking.tracked_with_age(service.reader, account, workspace_id, start, end, name)
    rows = rows_for(service, account, workspace_id, per_project)
    notes = [REPORTS_NOTE]
    if kept is not None:  # the app's copy: say why, and from when
        notes.append(stale_note(dt.datetime.fromtimestamp(kept.as_of, zone), kept.why, kept.retry_in))
    memory = tracking.remembered(service.reader, account)
    if (
        memory is not None
        and memory.running is not None
        and service.clock.time() - memory.as_of < service.policy.home_seconds
    ):
        entry = memory.running
        since = entry.start.astimezone(zone)
        if since.date() >= start:
            notes.append(running_note(entry.description, f"{since:%H:%M}", entry.seconds_at(now)))
    nothing = "You tracked nothing today." if command.period == "today" else "You tracked nothing this week."
    return time_report(
        period_title(command.period, start, end),
        rows,
        workspace_id=workspace_id,
        workspace_name=workspace_label(account, service, workspace_id),
        nothing=nothing,
        notes=notes,
    )
