"""Capturing time where the work happens: the entry forms (a timer from a message, time logged after the fact, the
running entry edited), the `log` reply with Undo, and what Undo and Edit answer.

One form serves the three, so a person learns one: description, project (a type-ahead over the app's copy of
their projects), task, billable ("as the project says" unless told), tags; the Log time form adds the day, a start
time and the duration. `read_entry_form` turns a submission into `EntryInput`, or into errors Slack shows beside
the fields; what it means is the feature's (`bot.capture`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot import buttons
from bot.commands import MAX_TEXT
from bot.figures import duration
from bot.timewords import MAX_LOG_SECONDS, parse_duration
from bot.toggl.models import Project, TimeEntry
from bot.views.common import (
    MAX_OPTION_TEXT,
    MAX_OPTIONS,
    Message,
    actions,
    button,
    clip,
    context,
    message,
    notice,
    option,
    plain_text,
    section,
)
from bot.views.timers import at, edit_button, stop_button, what

DESCRIPTION_LIMIT = 3000
"""Longest description a form takes: Slack's limit on a text input, and the length Toggl's own apps accept."""
START_CALLBACK, LOG_CALLBACK, EDIT_CALLBACK = "entry_start_form", "entry_log_form", "entry_edit_form"
CALLBACKS = {"start": START_CALLBACK, "log": LOG_CALLBACK, "edit": EDIT_CALLBACK}
PROJECT_ACTION = "entry_project_pick"
UNDO_ACTION = "entry_undo"
DESCRIPTION, PROJECT, TASK, BILLABLE, TAGS = (
    "entry_description",
    "entry_project",
    "entry_task",
    "entry_billable",
    "entry_tags",
)
DAY, START, DURATION = "entry_day", "entry_start", "entry_duration"
BILLABLE_CHOICES = [("project", "As the project says"), ("yes", "Billable"), ("no", "Not billable")]
TITLES = {"start": "Start a Toggl timer", "log": "Log time", "edit": "Edit the timer"}
SUBMITS = {"start": "Start", "log": "Log it", "edit": "Save"}


@dataclass(frozen=True)
class EntryDefaults:
    """What a form starts with."""

    description: str = ""
    project: Project | None = None
    task: str = ""
    billable: bool | None = None
    """None: as the project says."""
    tags: tuple[str, ...] = ()
    day: dt.date | None = None
    note: str = ""
    """A sentence under the fields (why this project was suggested, say)."""


@dataclass(frozen=True)
class EntryInput:
    """A valid submission."""

    description: str
    project_id: int | None
    task: str | None
    billable: bool | None
    tags: tuple[str, ...]
    day: dt.date | None = None
    start_at: str | None = None
    seconds: int | None = None


def entry_form(meta: buttons.EntryFormMeta, defaults: EntryDefaults) -> dict[str, Any]:
    """The modal; `meta` rides in its `private_metadata` (checked again on submission, like a button's value)."""
    blocks: list[dict[str, Any]] = []
    if meta.form == "log":
        blocks += [
            _input(DAY, "Day", {"type": "datepicker", "action_id": DAY, **_initial_date(defaults.day)}),
            _input(
                START,
                "Start time",
                {"type": "timepicker", "action_id": START},
                optional=True,
                hint="Empty: today's entry ends now; another day's starts at 09:00.",
            ),
            _input(DURATION, "Duration", _text(DURATION, "1h30, 90m, 1.5h or 1:30", max_length=12)),
        ]
    description = _text(DESCRIPTION, "What are you working on?", max_length=DESCRIPTION_LIMIT, multiline=False)
    if defaults.description:
        description["initial_value"] = defaults.description[:DESCRIPTION_LIMIT]
    blocks.append(_input(DESCRIPTION, "Description", description, optional=True))
    project: dict[str, Any] = {
        "type": "external_select",
        "action_id": PROJECT_ACTION,
        "placeholder": plain_text("Type to find a project"),
        "min_query_length": 0,
    }
    if defaults.project is not None:
        project["initial_option"] = project_option(defaults.project)
    blocks.append(_input(PROJECT, "Project", project, optional=True))
    task = _text(TASK, "A task of the project, by name or id", max_length=MAX_TEXT)
    if defaults.task:
        task["initial_value"] = defaults.task
    blocks.append(_input(TASK, "Task", task, optional=True))
    choice = "project" if defaults.billable is None else ("yes" if defaults.billable else "no")
    billable = {
        "type": "radio_buttons",
        "action_id": BILLABLE,
        "options": [option(label, value) for value, label in BILLABLE_CHOICES],
        "initial_option": option(dict(BILLABLE_CHOICES)[choice], choice),
    }
    blocks.append(_input(BILLABLE, "Billable", billable))
    tags = _text(TAGS, "qa, client-a", max_length=1000)
    if defaults.tags:
        tags["initial_value"] = ", ".join(defaults.tags)
    blocks.append(_input(TAGS, "Tags", tags, optional=True, hint="Separated by commas; Toggl makes new ones."))
    if defaults.note:
        blocks.append(context(defaults.note))
    return {
        "type": "modal",
        "callback_id": CALLBACKS[meta.form],
        "private_metadata": buttons.encode(meta),
        "title": plain_text(TITLES[meta.form], 24),
        "submit": plain_text(SUBMITS[meta.form], 24),
        "close": plain_text("Cancel", 24),
        "blocks": blocks,
    }


def project_option(project: Project) -> dict[str, Any]:
    label = project.name + (f" · {project.client_name}" if project.client_name else "")
    return option(clip(label, MAX_OPTION_TEXT), str(project.id))


def project_options(projects: list[Project], query: str) -> list[dict[str, Any]]:
    """The form's type-ahead: active projects whose name (or client) holds what was typed, by name, at most 100."""
    wanted = query.strip().casefold()
    fitting = [
        p
        for p in projects
        if p.server_deleted_at is None
        and not p.is_archived
        and p.status != "deleted"
        and (wanted in p.name.casefold() or wanted in (p.client_name or "").casefold())
    ]
    fitting.sort(key=lambda p: (not p.name.casefold().startswith(wanted), p.name.casefold()))
    return [project_option(p) for p in fitting[:MAX_OPTIONS]]


def suggest_project(text: str, projects: list[Project]) -> Project | None:
    """The project whose name the text mentions (the longest such name; names under 3 letters never match)."""
    lowered = text.casefold()
    named = [
        p
        for p in projects
        if len(p.name) >= 3 and not p.is_archived and p.server_deleted_at is None and p.name.casefold() in lowered
    ]
    return max(named, key=lambda p: len(p.name), default=None)


def read_entry_form(view: dict[str, Any]) -> EntryInput | dict[str, str]:
    """The submission as values, or errors by block id (Slack shows them beside the fields)."""
    state = (view.get("state") or {}).get("values") or {}

    def field(block: str, key: str = "value") -> Any:
        found = (state.get(block) or {}).get(block if block != PROJECT else PROJECT_ACTION) or {}
        return found.get(key)

    errors: dict[str, str] = {}
    seconds = None
    day = None
    start_at = None
    if view.get("callback_id") == LOG_CALLBACK:
        typed = str(field(DURATION) or "").strip()
        seconds = parse_duration(typed)
        if seconds is None:
            errors[DURATION] = "Write a duration like 1h30, 90m, 1.5h or 1:30."
        elif seconds <= 0:
            errors[DURATION] = "A time entry needs a duration above zero."
        elif seconds > MAX_LOG_SECONDS:
            errors[DURATION] = "At most 24 h at a time."
        try:
            day = dt.date.fromisoformat(str(field(DAY, "selected_date") or ""))
        except ValueError:
            errors[DAY] = "Pick a day."
        picked = field(START, "selected_time")
        start_at = picked if isinstance(picked, str) and picked else None
    if errors:
        return errors
    chosen = field(PROJECT, "selected_option") or {}
    value = chosen.get("value") if isinstance(chosen, dict) else None
    project_id = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None
    choice = (field(BILLABLE, "selected_option") or {}).get("value")
    billable = None if choice not in ("yes", "no") else choice == "yes"
    tags = tuple(
        dict.fromkeys(t.strip().lstrip("#")[:128] for t in str(field(TAGS) or "").split(",") if t.strip().lstrip("#"))
    )
    if len(tags) > 10:
        return {TAGS: "At most 10 tags, please."}
    description = " ".join(str(field(DESCRIPTION) or "").split())[:DESCRIPTION_LIMIT]  # as typed: options have fields
    task = str(field(TASK) or "").strip()[:MAX_TEXT] or None
    if task and project_id is None:
        return {TASK: "A task belongs to a project: pick the project too."}
    return EntryInput(description, project_id, task, billable, tags, day, start_at, seconds)


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = "") -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": plain_text(label, 2000), "element": element}
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = plain_text(hint, 2000)
    return block


def _text(action_id: str, placeholder: str, *, max_length: int, multiline: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "placeholder": plain_text(placeholder, 150),
        "max_length": max_length,
    }
    if multiline:
        element["multiline"] = True
    return element


def _initial_date(day: dt.date | None) -> dict[str, str]:
    return {"initial_date": day.isoformat()} if day is not None else {}


# -- replies ----------------------------------------------------------------------------------------------


def logged(
    entry: TimeEntry, project: Project | None, zone: ZoneInfo, now: dt.datetime, *, notes: list[str] | None = None
) -> Message:
    """The entry `log` made, on which day and when, with Undo (which deletes exactly this entry)."""
    today = now.astimezone(zone).date()
    stop = entry.stop or entry.start + dt.timedelta(seconds=max(entry.duration, 0))
    local = entry.start.astimezone(zone)
    when = "today" if local.date() == today else ("yesterday" if local.date() == today - dt.timedelta(days=1) else "")
    span = f"{at(entry.start, zone, local.date())}–{at(stop, zone, local.date())}"
    day = f"{when} " if when else f"{local:%a} {local.day} {local:%b %Y}, "
    text = f":white_check_mark: Logged {duration(entry.duration)} of {what(entry, project)}, {day}{span}."
    undo = buttons.UndoEntry(ws=entry.workspace_id or 1, id=entry.id)
    blocks = [section(text), actions(button("Undo", UNDO_ACTION, buttons.encode(undo)), block_id="logged")]
    extra = list(notes or [])
    if entry.tags:
        extra.append("Tags: " + ", ".join(f"`{t}`" for t in entry.tags[:10]) + ".")
    if extra:
        blocks.append(context(" ".join(extra)))
    return message(text, blocks)


def undone() -> Message:
    return notice(":leftwards_arrow_with_hook: Undone: that entry is deleted from Toggl.")


def already_gone() -> Message:
    return notice("That entry is not in Toggl any more (deleted already), so there was nothing to undo.")


def in_the_future(day: dt.date) -> Message:
    return notice(
        f"{day:%a} {day.day} {day:%b %Y} has not happened yet in your Toggl time zone, so I logged nothing.",
        "Log time for today or a day before; `start` runs a timer from now.",
    )


def ends_in_the_future(end: dt.datetime, zone: ZoneInfo) -> Message:
    return notice(
        f"That entry would end at {end.astimezone(zone):%H:%M}, later than now, so I logged nothing.",
        "Give an earlier start time or a shorter duration; `start` runs a timer from now.",
    )


def edited(entry: TimeEntry, project: Project | None, zone: ZoneInfo, now: dt.datetime) -> Message:
    today = now.astimezone(zone).date()
    running = entry.stop is None
    text = f":pencil2: Saved: {what(entry, project)} · since {at(entry.start, zone, today)}."
    if not running:
        text = f":pencil2: Saved: {what(entry, project)} (it has stopped meanwhile)."
    blocks = [section(text)]
    if running:
        blocks.append(actions(stop_button(entry), edit_button(entry), block_id="timer"))
    if entry.tags:
        blocks.append(context("Tags: " + ", ".join(f"`{t}`" for t in entry.tags[:10]) + "."))
    return message(text, blocks)


def nothing_to_edit() -> Message:
    return notice("Nothing is running, so there is no timer to edit.", "`start <description>` starts one.")
