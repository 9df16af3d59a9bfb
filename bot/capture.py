"""Capturing time where the work happens (issue 20): `log` and the Log time form (a stopped entry after the fact),
its Undo, the Edit form of the running entry, and what the forms start with.

Every write here is one request on the workspace quota, never retried (the Toggl client retries only reads): a
resent create would make two entries. Finding the project by name reads the app's copy first, so at the quota's
reserve a known project still works, and an unknown one is refused with `write_refused` rather than guessed.

Days are the person's Toggl time zone's: `log 1h yesterday` is yesterday there. Without a start time, today's entry
ends now and another day's starts at 09:00; a day after today, or an entry that would end after now, is refused and
nothing is made.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot import toggl, tracking
from bot.buttons import EntryFormMeta
from bot.commands import DeleteEntry, EditEntry, LogTime, StartTimer, clean_description, clean_slack_text
from bot.identity import Account
from bot.matching import find_project
from bot.service import Service
from bot.timers import resolve_task
from bot.toggl.models import Project, TimeEntry
from bot.views import capture as views
from bot.views.common import Message, name, notice
from bot.views.tasks import no_project

log = logging.getLogger(__name__)

PAST_DAY_START = dt.time(9, 0)
"""When an entry logged for another day starts, unless a start time is given."""


def day_of(word: str, today: dt.date) -> dt.date:
    """`today`, `yesterday` or a `YYYY-MM-DD` (the parser checked it), as a date."""
    if word == "today":
        return today
    if word == "yesterday":
        return today - dt.timedelta(days=1)
    return dt.date.fromisoformat(word)


def log_answer(command: LogTime, account: Account, service: Service) -> Message:
    """Make the stopped entry `command` asks for, or say plainly why nothing was made."""
    zone = service.reader.zone(account)
    now = service.clock.now()
    today = now.astimezone(zone).date()
    day = day_of(command.day, today)
    if day > today:
        return views.in_the_future(day)
    if command.start_at is not None:
        hours, minutes = (int(part) for part in command.start_at.split(":"))
        start = dt.datetime.combine(day, dt.time(hours, minutes), zone)
    elif day == today:
        start = max(now - dt.timedelta(seconds=command.seconds), dt.datetime.combine(day, dt.time(), zone))
    else:
        start = dt.datetime.combine(day, PAST_DAY_START, zone)
    end = start + dt.timedelta(seconds=command.seconds)
    if end > now + dt.timedelta(seconds=59):  # a minute's grace: "ends now" rounds to the minute
        return views.ends_in_the_future(end, zone)
    workspace_id = command.workspace_id or service.reader.workspace_id(account)
    project = None
    if command.project is not None:
        found = project_for_write(command.project, account, service, workspace_id)
        if not isinstance(found, Project):
            return found
        project, workspace_id = found, found.workspace_id or workspace_id
    chosen = _task_and_billable(command, project, account, service, workspace_id, command.task_id)
    if not isinstance(chosen, tuple):
        return chosen
    task_id, billable = chosen
    try:
        entry = tracking.log_entry(
            service.reader,
            account,
            workspace_id,
            start=start,
            seconds=command.seconds,
            description=command.description,
            project_id=project.id if project else None,
            task_id=task_id,
            billable=billable,
            tags=command.tags,
        )
    except toggl.TogglUnavailable:  # sent, but no answer: it may well exist
        return notice(
            "Toggl did not answer in time, so I cannot tell whether the entry was made.",
            "Look in Toggl before logging it again: a second `log` might make two entries.",
        )
    notes = [] if command.description else ["It has no description, so Toggl shows it as “(no description)”."]
    return views.logged(entry, project, zone, now, notes=notes)


def project_for_write(typed: str, account: Account, service: Service, workspace_id: int) -> Project | Message:
    """The project `typed` names outright (id, exact name or a unique part), from the app's copy first: a write is
    never made on a guess, so a close spelling or several fitting projects are named back instead."""
    kept = service.reader.kept_projects(account, workspace_id)
    projects = [p for p in (kept or service.reader.projects(account, workspace_id)).items if p.server_deleted_at is None]
    match = find_project(typed, [p for p in projects if not p.is_archived])
    if kept is not None and match.project is None and not match.choices:  # made since the copy?
        projects = [p for p in service.reader.projects(account, workspace_id).items if p.server_deleted_at is None]
        match = find_project(typed, [p for p in projects if not p.is_archived])
    wanted = typed.strip().casefold()
    if match.project is not None and (wanted == str(match.project.id) or wanted in match.project.name.casefold()):
        return match.project
    choices = match.choices or ([match.project] if match.project is not None else [])
    if choices:
        names = ", ".join(f"*{name(p.name)}* ({p.id})" for p in choices[:10])
        return notice(f"Which project? “{typed}” fits {names}.", "Nothing was logged: name one exactly, or by its id.")
    missing = no_project(typed, match.closest)
    return {**missing, "text": missing["text"] + " Nothing was logged."}


def _task_and_billable(
    command: LogTime | EditEntry,
    project: Project | None,
    account: Account,
    service: Service,
    workspace_id: int,
    task_id: int | None = None,
) -> tuple[int | None, bool | None] | Message:
    """The entry's task (typed, found in its project) and billable flag (as said, else the project's default); or
    the message saying why the task could not be found."""
    if project is not None and command.task and task_id is None:
        task = resolve_task(command.task, project, account, service, workspace_id)
        if not isinstance(task, int):
            return task
        task_id = task
    billable = command.billable if command.billable is not None else (project.billable if project else None)
    return task_id, billable


def delete_answer(command: DeleteEntry, account: Account, service: Service) -> Message:
    """Undo: delete exactly the entry the button names."""
    if tracking.delete_entry(service.reader, account, command.workspace_id, command.entry_id):
        return views.undone()
    return views.already_gone()


def edit_answer(command: EditEntry, account: Account, service: Service) -> Message:
    """Save the Edit form: the entry's description, project, task, billable flag and tags."""
    workspace_id = command.workspace_id
    project = None
    if command.project is not None:
        found = project_for_write(command.project, account, service, workspace_id)
        if not isinstance(found, Project):
            return found
        project = found
    chosen = _task_and_billable(command, project, account, service, workspace_id)
    if not isinstance(chosen, tuple):
        return chosen
    task_id, billable = chosen
    try:
        entry = tracking.edit_entry(
            service.reader,
            account,
            workspace_id,
            command.entry_id,
            description=command.description,
            project_id=project.id if project else None,
            task_id=task_id,
            billable=billable,
            tags=command.tags,
        )
    except toggl.NotFound:
        return notice("That entry is not in Toggl any more, so there was nothing to edit.")
    return views.edited(entry, project, service.reader.zone(account), service.clock.now())


# -- what the forms start with ----------------------------------------------------------------------------


def message_text(raw: str) -> str:
    """A Slack message's text as a description: links and mentions readable, on one line, cut to the limit."""
    return clean_description(clean_slack_text(raw or ""))[: views.DESCRIPTION_LIMIT]


def start_form(
    account: Account, service: Service, text: str, channel_id: str | None
) -> tuple[EntryFormMeta, views.EntryDefaults]:
    """The Start form for a message: its text, and the project last used in that channel, else one the text names.
    From the app's copy only (it must open within Slack's 3 seconds)."""
    workspace_id = service.reader.workspace_id(account)
    projects = _kept(account, service, workspace_id)
    project = None
    note = ""
    remembered = tracking.channel_project(service.reader, account, channel_id) if channel_id else None
    if remembered is not None:
        project = next((p for p in projects if p.id == remembered[1] and not p.is_archived), None)
        note = "The project you last used in this channel." if project else ""
    if project is None:
        project = views.suggest_project(text, projects)
        note = "The message names this project." if project else ""
    meta = EntryFormMeta(
        form="start", ws=project.workspace_id or workspace_id if project else workspace_id, channel=channel_id
    )
    return meta, views.EntryDefaults(description=message_text(text), project=project, note=note)


def log_form(account: Account, service: Service) -> tuple[EntryFormMeta, views.EntryDefaults]:
    """The Log time form: today in the person's Toggl time zone."""
    workspace_id = service.reader.workspace_id(account)
    today = service.clock.now().astimezone(service.reader.zone(account)).date()
    return EntryFormMeta(form="log", ws=workspace_id), views.EntryDefaults(day=today)


def edit_form(account: Account, service: Service, entry_id: int) -> tuple[EntryFormMeta, views.EntryDefaults] | Message:
    """The Edit form of the running entry, from what the app remembers (or one `/me` request past the window)."""
    state = tracking.timer_state(service.reader, account, want_last=False)
    entry: TimeEntry | None = state.running
    if entry is None:
        return views.nothing_to_edit()
    if entry.id != entry_id:
        log.info("An Edit button of an older timer: the running one is edited")
    workspace_id = entry.workspace_id or service.reader.workspace_id(account)
    project = tracking.project_of(service.reader, account, workspace_id, entry.project_id)
    task = str(entry.task_id) if entry.task_id else ""
    defaults = views.EntryDefaults(
        description=entry.description or "",
        project=project,
        task=task,
        billable=entry.billable,
        tags=tuple(entry.tags or ()),
    )
    note = "" if entry.id == entry_id else "This is the timer running now (the button was from an earlier one)."
    return EntryFormMeta(form="edit", ws=workspace_id, id=entry.id), _with_note(defaults, note)


def submitted(meta: EntryFormMeta, form: views.EntryInput) -> StartTimer | LogTime | EditEntry:
    """The command a valid submission asks for (the service still checks the project and task)."""
    project = str(form.project_id) if form.project_id is not None else None
    if meta.form == "start":
        return StartTimer(
            description=form.description,
            project=project,
            workspace_id=meta.ws,
            task=form.task,
            billable=form.billable,
            tags=form.tags,
        )
    if meta.form == "log":
        assert form.seconds is not None and form.day is not None  # the form reader refuses a log form without them
        return LogTime(
            seconds=form.seconds,
            day=form.day.isoformat(),
            description=form.description,
            project=project,
            task=form.task,
            billable=form.billable,
            tags=form.tags,
            start_at=form.start_at,
            workspace_id=meta.ws,
        )
    assert meta.id is not None
    return EditEntry(
        entry_id=meta.id,
        workspace_id=meta.ws,
        description=form.description,
        project=project,
        task=form.task,
        billable=form.billable,
        tags=form.tags,
    )


def _kept(account: Account, service: Service, workspace_id: int) -> list[Project]:
    """The app's copy of the projects, however old (a suggestion only: the submission checks the project again)."""
    person = account.person
    if person is None:
        return []
    return [
        p
        for p in service.reader.cached_projects(person.team_id, person.user_id, workspace_id)
        if p.server_deleted_at is None
    ]


def _with_note(defaults: views.EntryDefaults, note: str) -> views.EntryDefaults:
    return views.EntryDefaults(
        description=defaults.description,
        project=defaults.project,
        task=defaults.task,
        billable=defaults.billable,
        tags=defaults.tags,
        day=defaults.day,
        note=note,
    )
