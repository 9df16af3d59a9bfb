"""Timer replies: started (with Stop), stopped (with Restart), what runs now, nothing running.

Times are shown in the person's Toggl time zone: `09:30` for today, the full moment otherwise. A
Stop button names its entry, so an old one never stops a newer timer; a Restart button carries what
the new entry needs (description, project, task, billable), so it asks `/me` nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from bot import buttons
from bot.commands import MAX_DESCRIPTION
from bot.figures import day, elapsed, moment
from bot.toggl.models import Project, TimeEntry
from bot.views.common import (
    Message,
    actions,
    button,
    context,
    message,
    name,
    notice,
    project_link,
    section,
    stale_note,
)

STOP_ACTION = "timer_stop"
RESTART_ACTION = "timer_restart"
START_HINT = "`start <description> [project:<name or id>]` starts a timer."


def what(entry: TimeEntry, project: Project | None) -> str:
    """`*Writing* on *<link|Website>* · _Acme_`, or `*Writing* (no project)`."""
    described = f"*{name(entry.description, '(no description)')}*"
    if project is not None:
        client = f" · _{name(project.client_name)}_" if project.client_name else ""
        return f"{described} on {project_link(project, entry.workspace_id)}{client}"
    if entry.project_id is not None:
        return f"{described} on project {entry.project_id}"
    return f"{described} (no project)"


def at(value: dt.datetime, zone: ZoneInfo, today: dt.date) -> str:
    """`09:30` on the person's today, `Fri 20 Nov 2026, 09:30` on another day."""
    local = value.astimezone(zone)
    return f"{local:%H:%M}" if local.date() == today else moment(local)


EDIT_ACTION = "timer_edit"


def edit_button(entry: TimeEntry) -> dict[str, Any]:
    """Opens the Edit form of this entry (description, project, task, billable, tags): issue 20."""
    value = buttons.EditRunning(ws=entry.workspace_id or 1, id=entry.id)
    return button("Edit", EDIT_ACTION, buttons.encode(value))


def stop_button(entry: TimeEntry) -> dict[str, Any]:
    value = buttons.StopEntry(ws=entry.workspace_id or 1, id=entry.id)
    return button("Stop", STOP_ACTION, buttons.encode(value), style="danger")


def restart_button(entry: TimeEntry) -> dict[str, Any]:
    value = buttons.Restart(
        ws=entry.workspace_id or 1,
        pid=entry.project_id,
        tid=entry.task_id,
        d=(entry.description or "")[:MAX_DESCRIPTION] or None,  # Toggl allows longer ones than a button holds
        b=entry.billable,
    )
    return button("Restart", RESTART_ACTION, buttons.encode(value), style="primary")


def started(
    entry: TimeEntry, project: Project | None, zone: ZoneInfo, now: dt.datetime, *, notes: list[str] | None = None
) -> Message:
    """Started, with Stop; `notes` (each a sentence) say what else happened: the timer it stopped, a missing
    description, an ended project."""
    text = f":arrow_forward: Started {what(entry, project)} at {at(entry.start, zone, now.astimezone(zone).date())}."
    blocks = [section(text), actions(stop_button(entry), edit_button(entry), block_id="timer")]
    if notes:
        blocks.append(context(" ".join(notes)))
    return message(text, blocks)


NO_DESCRIPTION = "It has no description, so Toggl shows it as “(no description)”: next time `start <description>`."


def replaced(
    previous: TimeEntry, project: Project | None, zone: ZoneInfo, started_at: dt.datetime, *, seen: dt.datetime | None
) -> str:
    """The timer a start stopped, and after how long. `seen`: when the app last saw it run, if that is past the
    freshness window (it may have been stopped in Toggl since, so the sentence says "if it still ran")."""
    today = started_at.astimezone(zone).date()
    ran = elapsed((started_at - previous.start).total_seconds())
    span = f"{at(previous.start, zone, today)}–{at(started_at, zone, today)}"
    doubt = f", if it still ran: I last saw it at {at(seen, zone, today)}" if seen is not None else ""
    return f":stop_button: Toggl stopped {what(previous, project)} after {ran} ({span}){doubt}."


def ended_project(project: Project) -> str:
    """A timer on an ended project: Toggl takes it, but its time lands after the project's end."""
    when = f" on {project.end_date:%a} {day(project.end_date)}" if project.end_date is not None else ""
    if project.status == "ended" and not when:
        return f":checkered_flag: *{name(project.name)}* has ended in Toggl; the time counts on it all the same."
    return f":checkered_flag: *{name(project.name)}* ended{when}; the time counts on it all the same."


def keeps_running(entry: TimeEntry, project: Project | None, *, stale: bool = False) -> str:
    """Said at a disconnect: the app cannot stop this timer any more."""
    known = "When I last looked, " if stale else ""
    return (
        f":stopwatch: {known}{what(entry, project)} {'was' if stale else 'is'} running: it keeps running in Toggl. "
        "Stop it there, or `connect` again and `stop`."
    )


def stopped(entry: TimeEntry, project: Project | None, zone: ZoneInfo, now: dt.datetime) -> Message:
    today = now.astimezone(zone).date()
    ran = elapsed(entry.seconds_at(now))
    span = f"{at(entry.start, zone, today)}–{at(entry.stop or now, zone, today)}"
    text = f":stop_button: Stopped {what(entry, project)} after {ran} ({span})."
    return message(text, [section(text), actions(restart_button(entry), block_id="timer")])


def running(entry: TimeEntry, project: Project | None, zone: ZoneInfo, now: dt.datetime, note: str = "") -> Message:
    """What runs: since when, and for how long by `now` (from its start, so a remembered entry is exact)."""
    today = now.astimezone(zone).date()
    text = f":stopwatch: {what(entry, project)} · since {at(entry.start, zone, today)} ({elapsed(entry.seconds_at(now))})"
    blocks = [section(text), actions(stop_button(entry), edit_button(entry), block_id="timer")]
    if note:
        blocks.append(context(note))
    return message(text, blocks)


def nothing_running(
    last: TimeEntry | None, project: Project | None, zone: ZoneInfo, now: dt.datetime, *, note: str = "", asked: str = ""
) -> Message:
    """Nothing runs: the last entry with a Restart button, or how to start one. `asked` leads (a `stop` with
    nothing to stop says so)."""
    lead = asked or "Nothing is running."
    if last is None:
        blocks = [section(f"{lead}\n{START_HINT}")]
        if note:
            blocks.append(context(note))
        return message(lead, blocks)
    today = now.astimezone(zone).date()
    span = f"{at(last.start, zone, today)}–{at(last.stop or now, zone, today)}"
    text = f"{lead} Your last entry: {what(last, project)}, {span} ({elapsed(last.seconds_at(now))})."
    blocks = [section(text), actions(restart_button(last), block_id="timer")]
    if note:
        blocks.append(context(note))
    return message(text, blocks)


def already_stopped() -> Message:
    return notice("That timer had already stopped.", "`now` shows what runs.")


def archived_project(project: Project) -> Message:
    return notice(
        f"*{name(project.name)}* is archived in Toggl, so I did not start the timer.",
        "Unarchive it in Toggl, or name another project.",
    )


NOT_STARTED = "Nothing was started: name a project as `projects` lists it, or by its id."
NOT_STARTED_TASK = "Nothing was changed: name the task exactly, or by its id (`tasks <project>` lists them)."


def memory_note(as_of: dt.datetime, stale: str | None, retry_in: int | None) -> str:
    """Why the timer shown is what the app remembered, not Toggl's word just now."""
    return stale_note(as_of, stale, retry_in) if stale else ""
