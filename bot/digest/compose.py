"""What a digest is computed from, gathered once per person however many channels they subscribed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.budget import needs_period_figure
from bot.identity import Account
from bot.reports_reader import ReportsReader
from bot.toggl.models import Project, Task
from bot.toggl_reader import TogglReader


@dataclass(frozen=True)
class WorkspaceData:
    """One person's projects and open tasks in one workspace, with the report figures the rules need."""

    workspace_id: int
    workspace_name: str
    projects: list[Project]
    tasks: list[Task]
    period_tracked: dict[int, int | str]
    """Recurring project id -> seconds this period, or the reason the figure is missing."""
    pace: dict[int, float] = field(default_factory=dict)
    """Project id -> seconds a day over the last four weeks, for forecasts (empty: none could be had)."""


def digest_data(reader: TogglReader, reports: ReportsReader, account: Account, today: dt.date) -> WorkspaceData:
    """Projects, open tasks, this period's figures of recurring projects, and the pace, in the chosen workspace."""
    workspace_id = reader.workspace_id(account)
    projects = reader.projects(account, workspace_id).items
    tasks = [t for t in reader.tasks(account, workspace_id).items if t.active]
    period = reports.period_figures(account, [p for p in projects if needs_period_figure(p, today)])
    name = next((w.name for w in reader.known_workspaces(account) if w.id == workspace_id), f"id {workspace_id}")
    return WorkspaceData(workspace_id, name, projects, tasks, period, reports.pace(account, workspace_id, today))
