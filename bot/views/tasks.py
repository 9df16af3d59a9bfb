"""A project's tasks, and what to say when the project name matched several projects or none."""

from __future__ import annotations

from bot.commands import ListTasks, encode
from bot.toggl.models import Project, Task
from bot.views.common import Message, actions, against_estimate, button, context, escape, header, message, section
from bot.views.projects import PAGE_SIZE, page_bounds, paging_buttons, project_block

CHOOSER_SIZE = 10


def task_line(task: Task, *, recurring: bool) -> str:
    state = "active" if task.active else ":white_check_mark: done"
    tracked = None if recurring else task.tracked_seconds
    progress = against_estimate(tracked, task.estimated_seconds)
    if recurring:
        progress = "tracked time not available for tasks of recurring projects (Toggl reports 0)"
    return f"*{escape(task.name) or '(no name)'}* · {state}\n{progress}"


def tasks_page(
    project: Project,
    tasks: list[Task],
    command: ListTasks,
    *,
    period_tracked: int | None = None,
    period_note: str = "",
) -> Message:
    """The project's summary line, then one page of its tasks, active first, then by name."""
    ordered = sorted(tasks, key=lambda t: (not t.active, t.name.casefold(), t.id))
    total = len(ordered)
    name = escape(project.name)
    scope = "tasks" if command.include_done else "active tasks (add `all` for done ones)"
    blocks = [header("Tasks"), project_block(project, period_tracked, period_note)]
    if not total:
        blocks.append(context(f"No {scope} in this project."))
        return message(f"No {scope} in {name}", blocks)
    page, start, end = page_bounds(total, command.page, PAGE_SIZE)
    count = f"{start + 1}–{end} of {total:,}"
    blocks.append(context(f"{count} {scope}"))
    blocks += [section(task_line(t, recurring=project.recurring)) for t in ordered[start:end]]
    blocks += paging_buttons(command, page, start, end, total, "tasks")  # type: ignore[arg-type]
    return message(f"Tasks of {name}: {count}", blocks)


def project_chooser(query: str, matches: list[Project], command: ListTasks) -> Message:
    """Several projects fit the name: a button for each of the first ten, and how many more there are."""
    text = f"{len(matches)} projects match “{escape(query)}”. Which one?"
    shown = matches[:CHOOSER_SIZE]
    buttons = [
        button(
            f"{p.name} ({p.client_name})" if p.client_name else p.name,
            f"choose_project_{index}",
            encode(ListTasks(project=str(p.id), include_done=command.include_done)),
        )
        for index, p in enumerate(shown)
    ]
    blocks = [section(text), actions(*buttons, block_id="project_chooser")]
    if len(matches) > len(shown):
        blocks.append(context(f"and {len(matches) - len(shown)} more: type more of the name to narrow it down."))
    return message(text, blocks)


def no_project(query: str, closest: list[str]) -> Message:
    """No project fits: say so, and offer the nearest names."""
    text = f"No project matches “{escape(query)}”."
    hint = "Closest: " + ", ".join(f"*{escape(n)}*" for n in closest) if closest else "Try `projects` to see them all."
    return message(text, [section(f"{text}\n{hint}")])
