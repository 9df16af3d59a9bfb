"""Answers that read a person's Toggl projects and tasks: the project list, a project's tasks, and "which project?".

Each names the workspace when the person has more than one, and a button on it carries that
workspace, so an old button never shows another workspace's list. Recurring projects are shown
with this period's figure from the Reports API, at most `PERIOD_FIGURES_AT_ONCE` new requests a
page (a figure is kept ten minutes), so a free plan's 30 requests an hour are not spent on one list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import toggl
from bot.budget import DEFAULT_THRESHOLD, forecasts_for, is_ended, is_gone
from bot.commands import ListProjects, ListTasks, PickProject, is_number
from bot.figures import used_percent
from bot.identity import Account, Asker
from bot.matching import find_project
from bot.service import Service
from bot.toggl.models import Project, Workspace
from bot.toggl_reader import Snapshot
from bot.views.common import Message, stale_note, with_note
from bot.views.projects import PAGE_SIZE, effective_sort, page_bounds, projects_page, sort_projects
from bot.views.tasks import no_project, pick_project, project_chooser, tasks_page

log = logging.getLogger(__name__)

PERIOD_FIGURES_AT_ONCE = 5
"""New Reports requests one list may make for recurring projects; beyond it a line says the figure was not fetched."""
OTHER_WORKSPACES_SEARCHED = 3
"""When no project in the current workspace fits a name, this many of the person's other workspaces are looked in."""


def workspace_label(account: Account, service: Service, workspace_id: int) -> str:
    """The workspace's name when the person has more than one (a list must say which), else "".

    Not for a bare token (`toggl-bot ask`): with nothing cached, naming it would cost a `/me` request.
    """
    if account.person is None:
        return ""
    try:
        workspaces = service.reader.known_workspaces(account)
        if all(w.id != workspace_id for w in workspaces):  # one joined since the list was kept
            workspaces = service.reader.workspaces(account)
    except toggl.TokenRejected:
        raise
    except toggl.TogglError as err:
        log.info("Could not name the workspace: %s", err)
        return ""
    if len(workspaces) <= 1 and all(w.id == workspace_id for w in workspaces):
        return ""
    return next((w.name for w in workspaces if w.id == workspace_id), f"workspace {workspace_id}")


def _risk_threshold(service: Service, asker: Asker) -> int:
    """From which percent a project is at risk for this person: their digest's threshold here, else their lowest."""
    if not (asker.team_id and asker.user_id):
        return DEFAULT_THRESHOLD
    return service.subscriptions.threshold_of(asker.team_id, asker.user_id, asker.channel_id, DEFAULT_THRESHOLD)


def projects_answer(command: ListProjects, asker: Asker, account: Account, service: Service) -> Message:
    workspace_id = command.workspace_id or service.reader.workspace_id(account)
    snapshot = service.reader.projects(account, workspace_id)
    threshold = _risk_threshold(service, asker)
    command = client_words(command, snapshot.items)
    shown = filter_projects(snapshot.items, command)
    recurring = sorted((p for p in shown if p.recurring and _judged(p, service)), key=lambda p: (p.name.casefold(), p.id))
    figures: dict[int, int | str] = {}
    unchecked = 0
    if command.over or command.sort == "risk":
        figures = service.reports.period_figures(account, recurring, limit=PERIOD_FIGURES_AT_ONCE)
        unchecked = sum(1 for p in recurring if not isinstance(figures.get(p.id), int))
    if command.over:
        shown = [p for p in shown if (used_percent(p, figures) or 0) >= threshold]
    _, start, end = page_bounds(len(shown), command.page, PAGE_SIZE)
    visible = sort_projects(shown, effective_sort(command), figures)[start:end]
    # The page's recurring projects first, then those the "At or over" button counts, which `projects over` lists:
    # left out, a recurring project over its period's estimate on another page was missing from the count.
    missing = list({p.id: p for p in [*visible, *recurring] if p.recurring and p.id not in figures}.values())
    figures |= service.reports.period_figures(account, missing, limit=PERIOD_FIGURES_AT_ONCE)
    at_risk = 0 if command.over else sum(1 for p in shown if (used_percent(p, figures) or 0) >= threshold)
    today = local_today(account, service)
    forecastable = any(_forecastable(p, figures, today) for p in visible)
    pace = service.reports.pace(account, workspace_id, today) if forecastable else {}
    page = projects_page(
        shown,
        command,
        workspace_id=workspace_id,
        workspace_name=workspace_label(account, service, workspace_id),
        threshold=threshold,
        figures=figures,
        at_risk=at_risk,
        unchecked=unchecked,
        forecasts=forecasts_for(visible, figures, pace, today),
    )
    return with_staleness(page, snapshot, account)


def local_today(account: Account, service: Service) -> dt.date:
    """Today in the person's time zone (`Service.zone`), for forecasts."""
    return service.clock.now().astimezone(service.reader.zone(account)).date()


def _forecastable(project: Project, figures: dict[int, int | str], today: dt.date) -> bool:
    """Worth the pace request: running, with an estimate, not yet over it (a pace could give it a crossing)."""
    if is_gone(project) or is_ended(project, today):
        return False
    used = used_percent(project, figures)
    return used is not None and used < 100


def _judged(project: Project, service: Service) -> bool:
    """A recurring project worth a Reports request: running, with an estimate for the period."""
    return (
        not is_gone(project) and not is_ended(project, service.clock.now().date()) and bool(project.period_estimate_seconds)
    )


def filter_projects(projects: list[Project], command: ListProjects) -> list[Project]:
    """The projects the filters ask for; names and clients match in any case, by part (a client's
    whole name wins: `client:Acme` is Acme's projects, not also those of "Acme & Sons"). A client's
    name may run on unquoted: `client:Acme & Sons` is that client when it exists, not "Acme" and text."""
    shown = [p for p in projects if p.server_deleted_at is None and p.status != "deleted"]
    if command.status == "active":
        shown = [p for p in shown if not p.is_archived]
    elif command.status == "archived":
        shown = [p for p in shown if p.is_archived]
    command = client_words(command, shown)
    client, text = command.client, command.text
    if client:
        wanted = client.casefold()
        exact = [p for p in shown if (p.client_name or "").casefold() == wanted]
        shown = exact or [p for p in shown if wanted in (p.client_name or "").casefold()]
    if text:
        wanted = text.casefold()
        shown = [p for p in shown if wanted in p.name.casefold()]
    return shown


def client_words(command: ListProjects, projects: list[Project]) -> ListProjects:
    """`client:Acme & Sons` unquoted: when "Acme & Sons" is a client's whole name, the words after
    `client:` are its name, not search text."""
    if not (command.client and command.text):
        return command
    joined = f"{command.client} {command.text}"
    if any((p.client_name or "").casefold() == joined.casefold() for p in projects):
        return dataclasses.replace(command, client=joined, text=None)
    return command


def tasks_answer(command: ListTasks, account: Account, service: Service) -> Message:
    workspace_id = command.workspace_id or service.reader.workspace_id(account)
    kept = service.reader.kept_projects(account, workspace_id)  # names change seldom: the copy finds most
    projects = kept or service.reader.projects(account, workspace_id)
    live = [p for p in projects.items if p.server_deleted_at is None and p.status != "deleted"]
    match = find_project(command.project, live)
    if kept is not None and match.project is None and not match.choices:  # made since the copy, perhaps
        projects = service.reader.projects(account, workspace_id)
        live = [p for p in projects.items if p.server_deleted_at is None and p.status != "deleted"]
        match = find_project(command.project, live)
    label = workspace_label(account, service, workspace_id)
    if match.choices:
        return project_chooser(command.project, match.choices, workspace_id=workspace_id, include_done=command.include_done)
    if match.project is None:
        by_id = is_number(command.project)
        elsewhere = [] if by_id else others_matching(command.project, account, service, workspace_id)
        return no_project(
            command.project, match.closest, workspace_name=label, elsewhere=elsewhere, include_done=command.include_done
        )
    project = match.project
    snapshot = service.reader.tasks(account, project.workspace_id or workspace_id, project.id)
    tasks = [t for t in snapshot.items if t.active or command.include_done]
    figures = service.reports.period_figures(account, [project], limit=1) if project.recurring else {}
    page = tasks_page(
        project,
        tasks,
        workspace_id=workspace_id,
        include_done=command.include_done,
        page=command.page,
        workspace_name=label,
        figures=figures,
    )
    return with_staleness(page, snapshot if snapshot.stale else projects, account)


def pick_project_answer(command: PickProject, account: Account, service: Service) -> Message:
    workspace_id = service.reader.workspace_id(account)
    snapshot = service.reader.projects(account, workspace_id)
    live = [p for p in snapshot.items if p.server_deleted_at is None and p.status != "deleted"]
    return with_staleness(
        pick_project(live, workspace_id=workspace_id, include_done=command.include_done), snapshot, account
    )


def others_matching(query: str, account: Account, service: Service, current: int) -> list[tuple[Workspace, Project]]:
    """Projects that fit `query` by name in the person's other workspaces (a few of them), for "it is in Side"."""
    found: list[tuple[Workspace, Project]] = []
    wanted = query.strip().casefold()
    try:
        others = [w for w in service.reader.known_workspaces(account) if w.id != current][:OTHER_WORKSPACES_SEARCHED]
    except toggl.TokenRejected:
        raise
    except toggl.TogglError:
        return []
    for workspace in others:
        try:
            projects = service.reader.projects(account, workspace.id).items
        except toggl.TokenRejected:
            raise
        except toggl.TogglError as err:
            log.info("Could not look in another workspace: %s", err)
            continue
        live = [p for p in projects if not is_gone(p)]
        exact = [p for p in live if p.name.casefold() == wanted]
        partial = exact or [p for p in live if wanted and wanted in p.name.casefold()]
        found += [(workspace, p) for p in partial[:3]]
    return found


def with_staleness(message: Message, snapshot: Snapshot[Any], account: Account) -> Message:
    """The message, with a note of the data's age when it could not be refreshed."""
    if snapshot.stale is None:
        return message
    zone = account.person.timezone if account.person and account.person.timezone else "UTC"
    try:
        as_of = dt.datetime.fromtimestamp(snapshot.as_of, ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        as_of = dt.datetime.fromtimestamp(snapshot.as_of, dt.UTC)
    return with_note(message, stale_note(as_of, snapshot.stale, snapshot.retry_in))
