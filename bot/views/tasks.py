"""A project's tasks, and the menus that ask which project: a few buttons, a menu, or a type-ahead menu.

A long list of choices is never a paragraph: up to five projects are buttons, up to a hundred a
select menu, and more a menu that searches as the person types (`handlers/options.py` answers it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import buttons
from bot.figures import duration, plural, span_of
from bot.toggl.models import Project, Task, Workspace
from bot.views.common import (
    MAX_OPTIONS,
    Block,
    Message,
    actions,
    against_estimate,
    button,
    clip,
    context,
    escape,
    external_select,
    header,
    message,
    name,
    option,
    pack,
    section,
    static_select,
)
from bot.views.projects import PAGE_SIZE, Figures, page_bounds, paging, project_line

BUTTONS_AT_MOST = 5
"""Up to this many choices are buttons; more become a menu."""
PICK_ACTION = "pick_project"
RECURRING_NOTE = (
    "Toggl reports 0 for the tasks of a recurring project, so their time is left out; "
    "the project's figure above is this period's, from Toggl's reports."
)


def task_line(task: Task, *, recurring: bool) -> str:
    """`• *Design* — 5 h 30 min of 10 h · 55% ▓▓▓▓▓░░░░░`; done tasks are struck through."""
    label = f"~{name(task.name)}~ :white_check_mark:" if not task.active else f"*{name(task.name)}*"
    if recurring:
        figure = f"estimate {duration(task.estimated_seconds)}" if task.estimated_seconds else "no estimate"
    else:
        figure = against_estimate(task.tracked_seconds, task.estimated_seconds)
    return f"• {label} — {figure}"


def tasks_page(
    project: Project,
    tasks: list[Task],
    *,
    workspace_id: int,
    include_done: bool = False,
    page: int = 1,
    workspace_name: str = "",
    figures: Figures | None = None,
) -> Message:
    """The project's line, then one page of its tasks, active first, then by name."""
    ordered = sorted(tasks, key=lambda t: (not t.active, t.name.casefold(), t.id))
    total = len(ordered)
    where = f" in *{escape(workspace_name)}*" if workspace_name else ""
    scope = "tasks" if include_done else "active tasks"
    blocks: list[Block] = [header("Tasks"), section(project_line(project, figures, workspace_id))]
    if not total:
        more = "" if include_done else " (add `all` for done ones)"
        blocks.append(context(f"No {scope} in this project{where}{more}."))
        return message(f"No {scope} in {name(project.name)}", blocks)
    page, start, end = page_bounds(total, page, PAGE_SIZE)
    count = span_of(start, end, total) if total > 1 else "1"  # "1 of 1 active tasks" read oddly
    more = "" if include_done else " · add `all` for done ones"
    blocks.append(context(f"{count} {scope if total > 1 else scope[:-1]}{where}{more}"))
    blocks += pack("", [task_line(t, recurring=project.recurring) for t in ordered[start:end]])
    if project.recurring:
        blocks.append(context(RECURRING_NOTE))

    def value(at: int) -> str:
        return buttons.encode(buttons.TasksPage(ws=workspace_id, pid=project.id, all=include_done, page=at))

    elements = paging(
        value(page - 1) if start > 0 else None, value(page + 1) if end < total else None, start, end, total, "tasks"
    )
    if elements:
        blocks.append(actions(*elements, block_id="paging"))
    return message(f"Tasks of {name(project.name)}: {count}" + ("" if total > 1 else f" {scope[:-1]}"), blocks)


def choice_label(project: Project) -> str:
    """A project as a button or menu shows it (plain text): `Name · Client`."""
    label = project.name or "(no name)"
    if project.client_name:
        label = f"{clip(label, 50)} · {project.client_name}"
    return label


def chooser(
    question: str,
    matches: list[Project],
    value_for: Callable[[Project], buttons.ButtonValue],
    menu: buttons.ProjectMenu,
    *,
    placeholder: str = "Choose a project",
) -> list[Block]:
    """Blocks asking which project: buttons for a few, a menu for up to a hundred, type-ahead beyond."""
    if len(matches) <= BUTTONS_AT_MOST:
        choices = [
            button(choice_label(p), f"choose_project_{i}", buttons.encode(value_for(p))) for i, p in enumerate(matches)
        ]
        return [section(question), actions(*choices, block_id="project_chooser")]
    if len(matches) <= MAX_OPTIONS:
        options = [option(choice_label(p), buttons.encode(value_for(p))) for p in matches]
        return [section(question, accessory=static_select(PICK_ACTION, placeholder, options))]
    return [
        section(question, accessory=external_select(PICK_ACTION, "Type part of the name"), block_id=buttons.encode(menu)),
        context(f"{len(matches):,} projects fit: type part of a name to find one."),
    ]


def project_chooser(query: str, matches: list[Project], *, workspace_id: int, include_done: bool = False) -> Message:
    """Several projects fit the name: which one's tasks?"""
    text = f"{len(matches):,} projects match “{escape(query)}”. Which one's tasks?"

    def value_for(p: Project) -> buttons.ButtonValue:
        return buttons.TasksPage(ws=p.workspace_id or workspace_id, pid=p.id, all=include_done)

    menu = buttons.ProjectMenu(ws=workspace_id, all=include_done)
    return message(text, chooser(text, matches, value_for, menu))


def pick_project(projects: list[Project], *, workspace_id: int, include_done: bool = False) -> Message:
    """`tasks` alone: a menu of the active projects (type-ahead when there are many)."""
    live = sorted((p for p in projects if not p.is_archived), key=lambda p: (not p.pinned, p.name.casefold(), p.id))
    if not live:
        return message(
            "You have no active projects.", [section("You have no active projects, so there are no tasks to show.")]
        )
    text = "Which project's tasks?"

    def value_for(p: Project) -> buttons.ButtonValue:
        return buttons.TasksPage(ws=p.workspace_id or workspace_id, pid=p.id, all=include_done)

    menu = buttons.ProjectMenu(ws=workspace_id, all=include_done)
    blocks = chooser(text, live, value_for, menu)
    blocks.append(context("Or type `tasks <project name>`."))
    return message(text, blocks)


def no_project(
    query: str,
    closest: list[str],
    *,
    workspace_name: str = "",
    elsewhere: list[tuple[Workspace, Project]] | None = None,
    include_done: bool = False,
) -> Message:
    """No project fits: say so, offer names only when they are really close, and any match in another workspace."""
    where = f" in *{escape(workspace_name)}*" if workspace_name else ""
    text = f"No project{where} matches “{escape(query)}”."
    if closest:
        hint = "Did you mean " + " or ".join(f"*{escape(n)}*" for n in closest) + "?"
    else:
        hint = "Try `projects` to see them all."
    blocks = [section(f"{text}\n{hint}")]
    found = (elsewhere or [])[:BUTTONS_AT_MOST]
    if found:
        lines = [f"*{name(p.name)}* is in your workspace *{name(w.name)}*." for w, p in found]
        blocks.append(section("\n".join(lines)))
        blocks.append(
            actions(
                *(
                    button(
                        f"Tasks of {clip(p.name, 40)} ({clip(w.name, 20)})",
                        f"choose_project_{i}",
                        buttons.encode(buttons.TasksPage(ws=w.id, pid=p.id, all=include_done)),
                    )
                    for i, (w, p) in enumerate(found)
                ),
                block_id="elsewhere",
            )
        )
        text += f" {plural(len(found), 'match')} in another workspace."
    return message(text, blocks)


def menu_options(projects: list[Project], menu: buttons.ProjectMenu, query: str) -> list[dict[str, Any]]:
    """The type-ahead menu's options for what the person typed: names that start with it first, at most 100."""
    wanted = query.strip().casefold()
    live = [p for p in projects if p.server_deleted_at is None and p.status != "deleted"]
    fits = [p for p in live if wanted in p.name.casefold() or (wanted and wanted in (p.client_name or "").casefold())]
    fits.sort(key=lambda p: (not p.name.casefold().startswith(wanted), p.is_archived, p.name.casefold(), p.id))

    def value_for(p: Project) -> buttons.ButtonValue:
        if menu.then == "mute":
            return buttons.MuteProject(ws=menu.ws, pid=p.id, sub=menu.sub)
        if menu.then == "start":
            return buttons.StartOn(ws=menu.ws, pid=p.id, d=menu.d)
        return buttons.TasksPage(ws=menu.ws, pid=p.id, all=menu.all)

    return [option(choice_label(p), buttons.encode(value_for(p))) for p in fits[:MAX_OPTIONS]]
