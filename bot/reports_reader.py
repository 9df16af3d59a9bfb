"""Figures from Toggl's Reports API, through the app's copy: each project's recent pace (for forecasts) and a
recurring project's time in its current period (Toggl reports 0 for its tasks, so lists and the digest ask here).

Reports draw on the workspace's hourly quota: every figure is kept (`CachePolicy.period_seconds`,
`pace_seconds`), none is fetched at the quota reserve, and a missing one says why rather than showing 0.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from bot import toggl
from bot.forecast import PACE_DAYS, pace
from bot.identity import Account
from bot.toggl.models import Project
from bot.toggl_reader import TogglReader

log = logging.getLogger(__name__)

QUOTA_RESERVED = "this period's time is unavailable: Toggl's hourly limit is nearly used up"
NOT_FETCHED = "not fetched, to spare your Toggl quota: `tasks <name>` shows it"


class ReportsReader:
    """Pace and period figures for one person, over the Toggl reader's documents and quota."""

    def __init__(self, reader: TogglReader) -> None:
        self.reader = reader

    def pace(self, account: Account, workspace_id: int, today: dt.date, *, fetch: bool = True) -> dict[int, float]:
        """Seconds a day tracked on each project over the last four weeks, by anyone, for forecasts: one Reports
        request per workspace, kept `pace_seconds`. Empty (no forecasts) when it cannot be had: `fetch` off and
        nothing kept, the quota at its reserve, or Toggl refusing (a plan without reports, say)."""
        name = f"pace:{workspace_id}"
        cached = _text(self.reader.doc(account, name, self.reader.policy.pace_seconds))
        if cached is not None:
            return {int(pid): per_day for pid, per_day in json.loads(cached).items()}
        if not fetch or self.reader.quota_wait(account) is not None:
            return {}
        start = today - dt.timedelta(days=PACE_DAYS - 1)
        try:
            report = self.reader.client(account).summary(workspace_id, start, today)
        except toggl.TokenRejected:
            raise
        except toggl.TogglError as err:
            log.info("No pace for the forecasts of workspace %s: %s", workspace_id, err)
            return {}
        per_day = {pid: pace(seconds) for pid, (seconds, _) in report.per_project().items() if pid is not None}
        self.reader.put_doc(account, name, json.dumps({str(pid): value for pid, value in per_day.items()}))
        return per_day

    def period_figures(self, account: Account, projects: list[Project], *, limit: int | None = None) -> dict[int, int | str]:
        """This period's seconds of each recurring project given, or the reason there is none.

        One Reports request per project not already known (a figure is kept `period_seconds`), and at most
        `limit` of them: the rest say they were not fetched. No request is made at the quota reserve.
        """
        figures: dict[int, int | str] = {}
        spent = 0
        for project in projects:
            if not project.recurring:
                continue
            key = _period_key(project)
            cached = _text(self.reader.doc(account, key, self.reader.policy.period_seconds)) if key else None
            if cached is not None:
                figures[project.id] = int(cached)
                continue
            if limit is not None and spent >= limit:
                figures[project.id] = NOT_FETCHED
                continue
            if self.reader.quota_wait(account) is not None:
                figures[project.id] = QUOTA_RESERVED
                continue
            spent += 1
            seconds, note = self.period_tracked(account, project)
            if seconds is None:
                figures[project.id] = note
            else:
                figures[project.id] = seconds
                if key:
                    self.reader.put_doc(account, key, str(seconds))
        return figures

    def cached_period_figures(self, account: Account, projects: list[Project]) -> dict[int, int | str]:
        """The figures already known, asking nothing (for the Home tab)."""
        figures: dict[int, int | str] = {}
        for project in projects:
            key = _period_key(project) if project.recurring else None
            cached = _text(self.reader.doc(account, key, self.reader.policy.period_seconds)) if key else None
            if cached is not None:
                figures[project.id] = int(cached)
        return figures

    def period_tracked(self, account: Account, project: Project) -> tuple[int | None, str]:
        """Seconds tracked on a recurring project in its current period, or None and the reason why not."""
        period = project.current_period
        if not project.recurring:
            return None, ""
        if period is None or period.start_date is None or period.end_date is None:
            return None, "Toggl gave no current period"
        workspace_id = project.workspace_id or self.reader.workspace_id(account)
        client = self.reader.client(account)
        try:
            seconds = client.project_tracked_seconds(workspace_id, project.id, period.start_date, period.end_date)
        except toggl.TokenRejected:
            raise
        except toggl.TogglError as err:
            log.info("No period figure for project %s: %s", project.id, err)
            return None, "this period's time is unavailable: " + _reason(err)
        return seconds, ""


def _period_key(project: Project) -> str | None:
    """The cache document holding a recurring project's figure for its current period."""
    period = project.current_period
    if period is None or period.start_date is None or period.end_date is None:
        return None
    return f"period:{project.id}:{period.start_date.isoformat()}:{period.end_date.isoformat()}"


def _reason(error: toggl.TogglError) -> str:
    match error:
        case toggl.QuotaExceeded():
            return "Toggl's hourly limit is used up"
        case toggl.FeatureUnavailable():
            return "reports need a paid Toggl plan"
        case toggl.NoWorkspaceAccess():
            return "no access to reports"
        case toggl.NotAsked():  # the copy's answer, sent first while Toggl is slow
            return "Toggl is slow to answer"
        case _:
            return "Toggl's reports did not answer"


def _text(found: tuple[str, float] | None) -> str | None:
    return found[0] if found is not None else None
