"""The project list: one line per project, linked to Toggl, and the line the task view shows on top.

A line says only what differs from the usual: no "active" on every line, a status only for
archived, ended or upcoming projects, a recurring project's figure for its current period, and when a
project crosses its estimate at the pace of the last four weeks ("at this pace, over on Mon 14 Dec").
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from bot import buttons
from bot.commands import ListProjects
from bot.figures import day, day_span, duration, plural, span_of, usage, used_percent
from bot.forecast import Forecast, in_words
from bot.toggl.models import Project
from bot.views.common import (
    Block,
    Message,
    actions,
    against_estimate,
    button,
    context,
    escape,
    header,
    message,
    name,
    pack,
    project_link,
    section,
)

PAGE_SIZE = 40
"""Projects on one page: forty lines pack into a few sections, well inside the 50-block limit."""

Figures = Mapping[int, int | str]
"""A recurring project's seconds this period, or the reason there is no figure, by project id."""
Forecasts = Mapping[int, Forecast]
"""When a project crosses its estimate at its recent pace, by project id (only those that will)."""


def sort_projects(projects: list[Project], sort: str = "name", figures: Figures | None = None) -> list[Project]:
    """By name, pinned first, as people scan a list; or by risk: most of the estimate used first,
    then recurring projects without a figure, then those without an estimate."""
    if sort == "risk":

        def risk(p: Project) -> tuple[int, int, str, int]:
            used = used_percent(p, figures)
            _, estimate, _ = usage(p, figures)
            rank = 0 if used is not None else (1 if estimate else 2)
            return (rank, -(used or 0), p.name.casefold(), p.id)

        return sorted(projects, key=risk)
    return sorted(projects, key=lambda p: (not p.pinned, p.name.casefold(), p.id))


def status_of(project: Project) -> str:
    """What is unusual about the project's state, or "" for an active one."""
    if project.server_deleted_at is not None or project.status == "deleted":
        return "deleted"
    if project.is_archived:
        return "archived"
    if project.status == "ended":
        return f"ended {day(project.end_date)}" if project.end_date else "ended"
    if project.status == "upcoming":
        return f"starts {day(project.start_date)}" if project.start_date else "upcoming"
    return ""


def title(project: Project, workspace_id: int | None = None) -> str:
    """`:pushpin: *<link|Name>* · _Client_`: escaped, linked to Toggl, with a pin for pinned projects."""
    pin = ":pushpin: " if project.pinned else ""
    client = f" · _{name(project.client_name)}_" if project.client_name else ""
    return f"{pin}{project_link(project, workspace_id)}{client}"


def progress(project: Project, figures: Figures | None = None) -> str:
    """Tracked against estimate; a recurring project is judged on its current period only."""
    if not project.recurring:
        return against_estimate(project.actual_seconds, project.estimated_seconds)
    tracked, estimate, reason = usage(project, figures)
    period = project.current_period
    span = f" ({day_span(period.start_date, period.end_date)})" if period and period.start_date and period.end_date else ""
    if tracked is not None:
        return f"this period{span}: {against_estimate(tracked, estimate)}"
    per = f"estimate {duration(estimate)} a period" if estimate else "no period estimate"
    return f"this period{span}: {reason or 'figure unavailable'} · {per}"


def project_line(
    project: Project, figures: Figures | None = None, workspace_id: int | None = None, forecast: Forecast | None = None
) -> str:
    """One line: title, figures, the status only when it is not the usual "active", and the forecast if any."""
    state = status_of(project)
    ahead = f" · _{in_words(forecast)}_" if forecast else ""
    return f"{title(project, workspace_id)} — {progress(project, figures)}" + (f" · {state}" if state else "") + ahead


def project_block(project: Project, figures: Figures | None = None, workspace_id: int | None = None) -> Block:
    return section(project_line(project, figures, workspace_id))


def page_bounds(total: int, page: int, size: int) -> tuple[int, int, int]:
    """(page, first index, last index) with the page clamped to those that exist."""
    pages = max(1, math.ceil(total / size))
    page = min(max(1, page), pages)
    start = (page - 1) * size
    return page, start, min(total, start + size)


def paging(previous: str | None, following: str | None, start: int, end: int, total: int, noun: str) -> list[Block]:
    """Previous and next buttons; their values carry the data of the page they open."""
    elements = []
    if previous is not None:
        elements.append(button("◀ Previous", "page_previous", previous))
    if following is not None:
        nxt = f"Next {noun} ({span_of(end, min(total, end + (end - start)), total).split(' of ')[0]}) ▶"
        elements.append(button(nxt, "page_next", following))
    return elements


def effective_sort(command: ListProjects) -> str:
    """`projects over` lists the riskiest first; otherwise as asked (by name unless `by risk`)."""
    return "risk" if command.over else command.sort


def describe_filter(command: ListProjects, threshold: int, *, one: bool = False) -> str:
    """`active projects of client “Acme” matching “web” at or over 80%`; `one`: for a single project."""
    status = {"active": "active", "archived": "archived", "all": "active and archived"}[command.status]
    parts = [f"{status} {'project' if one else 'projects'}"]
    if command.client:
        parts.append(f"of client “{escape(command.client)}”")
    if command.text:
        parts.append(f"matching “{escape(command.text)}”")
    if command.over:
        parts.append(f"at or over {threshold}% of {'its' if one else 'their'} estimate")
    return " ".join(parts)


def projects_page(
    projects: list[Project],
    command: ListProjects,
    *,
    workspace_id: int,
    workspace_name: str = "",
    threshold: int = 80,
    figures: Figures | None = None,
    at_risk: int = 0,
    unchecked: int = 0,
    forecasts: Forecasts | None = None,
) -> Message:
    """One page of the (already filtered) project list, saying how many there are in all.

    `workspace_name` is given when the person has more than one workspace; `at_risk` counts the
    projects at or over `threshold` (a button lists them); `unchecked` counts recurring projects left
    out of `over` because their figure was not fetched.
    """
    where = f" in *{escape(workspace_name)}*" if workspace_name else ""
    described = describe_filter(command, threshold)
    total = len(projects)
    if not total:
        text = f"No {described}{where}."
        if command.over:
            hint = ":white_check_mark: Nothing is at risk." + _unchecked_note(unchecked)
        else:
            hint = "Try `projects all` to include archived ones, or a shorter name."
        return message(text, [section(f"{text}\n{hint}")])
    page, start, end = page_bounds(total, command.page, PAGE_SIZE)
    shown = sort_projects(projects, effective_sort(command), figures)[start:end]
    count = span_of(start, end, total) if total > 1 else "1"  # "1 of 1 active projects" read oddly
    if total == 1:
        described = describe_filter(command, threshold, one=True)
    order = " · riskiest first" if effective_sort(command) == "risk" and total > 1 else ""
    blocks: list[Block] = [
        header("Projects"),
        context(f"{count} {described}{where}{order}"),
        *pack("", [project_line(p, figures, workspace_id, (forecasts or {}).get(p.id)) for p in shown]),
    ]
    notes = []
    if any(p.recurring for p in shown):
        notes.append("Recurring projects show this period, from Toggl's reports (Toggl counts their tasks as 0).")
    if command.over and unchecked:
        notes.append(_unchecked_note(unchecked).strip())
    if any(p.id in (forecasts or {}) for p in shown):
        notes.append("Forecasts assume the pace of the last four weeks.")
    if notes:
        blocks.append(context(" ".join(notes)))
    previous = buttons.encode(buttons.projects_page(command, workspace_id, page - 1)) if start > 0 else None
    following = buttons.encode(buttons.projects_page(command, workspace_id, page + 1)) if end < total else None
    elements = paging(previous, following, start, end, total, "projects")
    if at_risk and not command.over:
        # The same filters, so the list opened is the one counted (`projects client:Acme` counts Acme's projects).
        risky = ListProjects(status=command.status, client=command.client, text=command.text, over=True, sort="risk")
        value = buttons.encode(buttons.projects_page(risky, workspace_id, 1))
        elements.append(button(f"At or over {threshold}% ({at_risk:,})", "show_at_risk", value, style="danger"))
    if elements:
        blocks.append(actions(*elements, block_id="paging"))
    return message(f"Projects {count}{where}" if total > 1 else f"Projects: 1 {described}{where}", blocks)


def _unchecked_note(unchecked: int) -> str:
    if not unchecked:
        return ""
    return (
        f" {plural(unchecked, 'recurring project')} not checked for this period (its figure was not fetched "
        "or Toggl's reports did not give it); `tasks <name>` shows one."
    )
