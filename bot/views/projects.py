"""The project list and the lines that describe one project, shared by the task view."""

from __future__ import annotations

import math
from collections.abc import Mapping

from bot.commands import ListProjects, encode, with_page
from bot.toggl.models import Project
from bot.views.common import Message, actions, against_estimate, button, context, duration, escape, header, message, section

PAGE_SIZE = 40
"""Projects on one page: 40 sections plus header, context and buttons stay under the 50-block limit."""


def sort_projects(projects: list[Project]) -> list[Project]:
    """Pinned first, then by name regardless of case, as people scan a list."""
    return sorted(projects, key=lambda p: (not p.pinned, p.name.casefold(), p.id))


def status_of(project: Project) -> str:
    if project.server_deleted_at is not None or project.status == "deleted":
        return "deleted"
    if project.is_archived:
        return "archived"
    if project.status == "ended" and project.end_date:
        return f"ended {project.end_date:%-d %b %Y}"
    return project.status or "active"


def title(project: Project) -> str:
    """`*Name* · Client`, escaped, with a pin for pinned projects."""
    pin = ":pushpin: " if project.pinned else ""
    client = f" · _{escape(project.client_name)}_" if project.client_name else ""
    return f"{pin}*{escape(project.name) or '(no name)'}*{client}"


def progress(project: Project, period_tracked: int | None = None, period_note: str = "") -> str:
    """Tracked against estimate; a recurring project is judged on its current period only."""
    if not project.recurring:
        return against_estimate(project.actual_seconds, project.estimated_seconds)
    estimate = project.period_estimate_seconds
    period = project.current_period
    span = ""
    if period and period.start_date and period.end_date:
        span = f" ({period.start_date:%-d %b}–{period.end_date:%-d %b})"
    if period_tracked is not None:
        return f"this period{span}: {against_estimate(period_tracked, estimate)}"
    reason = period_note or "see `tasks` for this period's time"
    per = f"estimate {duration(estimate)} a period" if estimate else "no period estimate"
    return f"recurring{span} · {per} · {reason}"


def project_block(project: Project, period_tracked: int | None = None, period_note: str = "") -> dict:
    return section(f"{title(project)}\n{status_of(project)} · {progress(project, period_tracked, period_note)}")


def page_bounds(total: int, page: int, size: int) -> tuple[int, int, int]:
    """(page, first index, last index) with the page clamped to those that exist."""
    pages = max(1, math.ceil(total / size))
    page = min(max(1, page), pages)
    start = (page - 1) * size
    return page, start, min(total, start + size)


def paging_buttons(command: ListProjects, page: int, start: int, end: int, total: int, noun: str) -> list[dict]:
    """Previous and next buttons whose values carry exactly the query of the page they open."""
    elements = []
    if start > 0:
        elements.append(button("◀ Previous", "page_previous", encode(with_page(command, page - 1))))
    if end < total:
        nxt = f"Next {noun} ({end + 1}–{min(total, end + (end - start))}) ▶"
        elements.append(button(nxt, "page_next", encode(with_page(command, page + 1))))
    return [actions(*elements, block_id="paging")] if elements else []


def describe_filter(command: ListProjects) -> str:
    parts = [command.status if command.status != "all" else "active and archived"]
    if command.client:
        parts.append(f"client “{escape(command.client)}”")
    if command.text:
        parts.append(f"matching “{escape(command.text)}”")
    return ", ".join(parts)


def projects_page(
    projects: list[Project],
    command: ListProjects,
    *,
    workspace_name: str = "",
    period_tracked: Mapping[int, int] | None = None,
) -> Message:
    """One page of the (already filtered) project list, saying how many there are in all."""
    where = f" in {escape(workspace_name)}" if workspace_name else ""
    total = len(projects)
    if not total:
        text = f"No {describe_filter(command)} projects{where}."
        hint = "Try `projects all` to include archived ones, or a shorter name."
        return message(text, [section(f"{text}\n{hint}")])
    page, start, end = page_bounds(total, command.page, PAGE_SIZE)
    shown = sort_projects(projects)[start:end]
    count = f"{start + 1}–{end} of {total:,}"
    blocks = [
        header("Projects"),
        context(f"{count} {describe_filter(command)} projects{where}"),
        *(project_block(p, (period_tracked or {}).get(p.id)) for p in shown),
        *paging_buttons(command, page, start, end, total, "projects"),
    ]
    return message(f"Projects {count}{where}", blocks)
