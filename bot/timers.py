"""Answers to the timer words: `start`, `stop`, `now` (and the Stop and Restart buttons).

A project named after `project:` is found in the person's current workspace the way `tasks` finds one:
by id, exact name, a unique part, a close spelling; several fitting get the usual chooser, whose
buttons carry the description, and an archived project is refused (Toggl would refuse it too).
See `bot.tracking` for what each costs of the `/me` quota.

What a `start` says beside "Started": the timer it stopped (Toggl stops the running entry when a new one starts),
named from what the app remembers, with no request: with its length when the app saw it run within the freshness
window, else as "when I last looked"; that a bare `start` shows as "(no description)" in Toggl (the timer starts
all the same: a moment spent asking for a description is time not tracked); and that the project has ended.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot import buttons, toggl, tracking
from bot.budget import is_ended
from bot.commands import ShowTimer, StartTimer, StopTimer
from bot.identity import Account, Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.matching import find_project
from bot.service import Service
from bot.timer import TimerState
from bot.toggl.models import Project, TimeEntry
from bot.views import timers as views
from bot.views.common import MAX_OPTION_VALUE, Message, context, escape, message, name, notice
from bot.views.tasks import BUTTONS_AT_MOST, chooser, no_project

log = logging.getLogger(__name__)

MAX_BLOCK_ID = 255
"""Slack's limit on a block id, where a type-ahead menu carries what choosing does (and here, the description)."""


def start_answer(command: StartTimer, account: Account, service: Service, *, channel_id: str | None = None) -> Message:
    """Start the timer `command` asks for. A project's billable setting is the entry's unless `billable` says
    otherwise (Toggl itself stores an entry without the flag as not billable); `channel_id`, where it was asked,
    remembers the project for the next timer started from a message there."""
    workspace_id = command.workspace_id or service.reader.workspace_id(account)
    project = None
    if command.project is not None:
        found = _project(command, account, service, workspace_id)
        if not isinstance(found, tuple):
            return found
        project, workspace_id = found
    task_id = command.task_id if project else None
    if project is not None and command.task and task_id is None:
        task = resolve_task(command.task, project, account, service, workspace_id)
        if not isinstance(task, int):
            return task
        task_id = task
    billable = command.billable if command.billable is not None else (project.billable if project else None)
    before = tracking.remembered(service.reader, account)
    try:
        entry = tracking.start_timer(
            service.reader,
            account,
            workspace_id,
            description=command.description,
            project_id=project.id if project else None,
            task_id=task_id,
            billable=billable,
            tags=command.tags,
        )
    except toggl.TogglUnavailable:  # sent, but no answer: Toggl may well have started it
        tracking.forget_timer(service.reader, account)  # so that `now` asks Toggl instead of trusting memory
        return notice(
            "Toggl did not answer in time, so I cannot tell whether the timer started.",
            "`now` shows what runs; starting it again might make two entries.",
        )
    if project is not None and channel_id and channel_id[:1] in ("C", "G"):
        tracking.remember_channel_project(service.reader, account, channel_id, workspace_id, project.id)
    zone = service.reader.zone(account)
    now = service.clock.now()
    notes = [_replaced(before, entry, account, service)]
    if not command.description:
        notes.append(views.NO_DESCRIPTION)
    if project is not None and is_ended(project, now.astimezone(zone).date()):
        notes.append(views.ended_project(project))
    return views.started(entry, project, zone, now, notes=[n for n in notes if n])


def resolve_task(typed: str, project: Project, account: Account, service: Service, workspace_id: int) -> int | Message:
    """The id of the project's task that `typed` names (id, exact name, or a unique part), or why none: a timer is a
    write, so a task is never guessed. One tasks request at most, from the app's copy when it is fresh."""
    tasks = [
        t
        for t in service.reader.tasks(account, workspace_id, project.id).items
        if t.project_id == project.id and t.server_deleted_at is None and t.active
    ]
    wanted = typed.strip().casefold()
    by_id = [t for t in tasks if str(t.id) == wanted]
    exact = [t for t in tasks if t.name.casefold() == wanted]
    part = [t for t in tasks if wanted in t.name.casefold()]
    for found in (by_id, exact, part):
        if len(found) == 1:
            return found[0].id
        if len(found) > 1:
            names = ", ".join(f"*{name(t.name)}* ({t.id})" for t in found[:10])
            return notice(
                f"{len(found):,} tasks of *{name(project.name)}* match “{escape(typed)}”: {names}.", views.NOT_STARTED_TASK
            )
    known = ", ".join(f"*{name(t.name)}*" for t in tasks[:10]) or "none that are open"
    return notice(
        f"*{name(project.name)}* has no open task matching “{escape(typed)}”; its tasks: {known}.", views.NOT_STARTED_TASK
    )


def _replaced(before: TimerState | None, entry: TimeEntry, account: Account, service: Service) -> str:
    """What the new entry stopped, as far as the app knew before starting it ("" when nothing ran)."""
    previous = before.running if before is not None else None
    if before is None or previous is None or previous.id == entry.id:
        return ""
    project = tracking.project_of(service.reader, account, previous.workspace_id, previous.project_id)
    zone = service.reader.zone(account)
    seen = dt.datetime.fromtimestamp(before.as_of, zone)
    fresh = service.clock.time() - before.as_of < service.reader.policy.fresh_seconds
    return views.replaced(previous, project, zone, entry.start, seen=None if fresh else seen)


def keeps_running(asker: Asker, service: Service) -> str:
    """Before a disconnect: the timer that will keep running in Toggl, which the app can then no longer stop
    ("" when none runs or it cannot be told). From what the app remembers while fresh, else one `/me` request."""
    try:
        account = service.accounts.account(asker)
        state = tracking.timer_state(service.reader, account, want_last=False)
    except (NotConnected, ReconnectNeeded, KeyMissing, toggl.TogglError) as err:  # the disconnect goes ahead
        log.info("Could not tell whether a timer runs before a disconnect: %s", type(err).__name__)
        return ""
    if state.running is None:
        return ""
    project = tracking.project_of(service.reader, account, state.running.workspace_id, state.running.project_id)
    return views.keeps_running(state.running, project, stale=bool(state.stale))


def _project(command: StartTimer, account: Account, service: Service, workspace_id: int) -> tuple[Project, int] | Message:
    """(the project, its workspace), or the message asking which one (or saying none fits)."""
    assert command.project is not None
    kept = service.reader.kept_projects(account, workspace_id)  # names change seldom: the copy finds most
    live = _live((kept or service.reader.projects(account, workspace_id)).items)
    match = find_project(command.project, [p for p in live if not p.is_archived])
    archived_too = find_project(command.project, [p for p in live if p.is_archived]).project
    if kept is not None and match.project is None and not match.choices and archived_too is None:  # made since?
        live = _live(service.reader.projects(account, workspace_id).items)
        match = find_project(command.project, [p for p in live if not p.is_archived])
    if match.project is not None and _named_outright(command.project, match.project):
        return match.project, match.project.workspace_id or workspace_id
    if match.project is not None:  # only a close spelling: a timer is a write, so ask rather than guess
        return _which(command, [match.project], workspace_id)
    if match.choices:
        return _which(command, match.choices, workspace_id)
    archived = find_project(command.project, [p for p in live if p.is_archived]).project
    if archived is not None:
        return views.archived_project(archived)
    missing = no_project(command.project, match.closest)
    return {**missing, "blocks": [*missing["blocks"], context(views.NOT_STARTED)]}


def _live(projects: list[Project]) -> list[Project]:
    """Projects not deleted (archived ones stay: starting on one is refused with its name)."""
    return [p for p in projects if p.server_deleted_at is None and p.status != "deleted"]


def _named_outright(typed: str, project: Project) -> bool:
    """True when the words name the project by id or by a part of its name, not by a near spelling."""
    wanted = typed.strip().casefold()
    return wanted == str(project.id) or wanted in project.name.casefold()


def _which(command: StartTimer, choices: list[Project], workspace_id: int) -> Message:
    """Several projects fit: buttons (or a menu) that start the timer on the one chosen."""
    description = command.description or None
    text = f"{len(choices):,} projects match “{escape(command.project)}”. Which one should the timer run on?"

    def value_for(p: Project) -> buttons.ButtonValue:
        return buttons.StartOn(ws=p.workspace_id or workspace_id, pid=p.id, d=description)

    menu = buttons.ProjectMenu(ws=workspace_id, then="start", d=description)
    longest = buttons.encode(buttons.StartOn(ws=buttons.MAX_ID, pid=buttons.MAX_ID, d=description))
    if len(choices) > BUTTONS_AT_MOST and (len(longest) > MAX_OPTION_VALUE or len(buttons.encode(menu)) > MAX_BLOCK_ID):
        names = ", ".join(f"*{name(p.name)}* ({p.id})" for p in choices[:10])
        return notice(
            f"{len(choices):,} projects match “{escape(command.project or '')}”: {names}.", "Name one exactly, or by its id."
        )
    return message(text, chooser(text, choices, value_for, menu))


def stop_answer(command: StopTimer, account: Account, service: Service) -> Message:
    outcome = tracking.stop_timer(service.reader, account, command.entry_id, command.workspace_id)
    now = service.clock.now()
    zone = service.reader.zone(account)
    if outcome.stopped is not None:
        entry = outcome.stopped
        project = tracking.project_of(service.reader, account, entry.workspace_id, entry.project_id)
        return views.stopped(entry, project, zone, now)
    if outcome.already:
        return views.already_stopped()
    state = outcome.state or TimerState()
    last = state.last
    project = tracking.project_of(service.reader, account, last.workspace_id, last.project_id) if last else None
    return views.nothing_running(last, project, zone, now, asked="Nothing is running, so there was nothing to stop.")


def now_answer(command: ShowTimer, account: Account, service: Service) -> Message:
    state = tracking.timer_state(service.reader, account)
    now = service.clock.now()
    zone = service.reader.zone(account)
    note = views.memory_note(dt.datetime.fromtimestamp(state.as_of, zone), state.stale, state.retry_in)
    if state.running is not None:
        entry = state.running
        project = tracking.project_of(service.reader, account, entry.workspace_id, entry.project_id)
        return views.running(entry, project, zone, now, note)
    last = state.last
    project = tracking.project_of(service.reader, account, last.workspace_id, last.project_id) if last else None
    return views.nothing_running(last, project, zone, now, note=note)
