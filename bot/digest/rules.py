"""What a digest lists, decided from Toggl data alone. Pure: no I/O, no clock (today is passed in).

- Over estimate: tracked at or above the estimate.
- Ended: status ended, or an end date in the past, and not archived; new if it ended since the last digest.
  An ended project that is also over its estimate is listed once, under over estimate, marked ended.
- Approaching: tracked at or above `threshold` percent of the estimate.
- Tasks over estimate: active tasks of projects still running (not ended, not archived).
- Unknown: recurring projects whose current-period time could not be had, with the reason.
- Never listed: archived, deleted, muted, healthy, and estimate-less projects; but the running projects
  with and without an estimate are counted (`judged`, `without_estimate`), so an empty digest can say
  "all within estimate" only when every running project could be judged.

A recurring project is judged on its current period: the Reports API's time for the period
against the period estimate in `recurring_parameters`, never the recurring `tracked_seconds` (0).

Forecasts (`bot.forecast`): with each project's pace over the last four weeks, a running project with an
estimate that is not yet over gets the day it crosses its estimate at that pace (within its current
period, for a recurring one; never after its end date; nothing beyond a year, nothing without a pace).
Approaching projects carry theirs; those below the threshold that cross within `DIGEST_HORIZON_DAYS` (four
weeks) are listed as heading over, soonest first. Later crossings are left to the project list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.budget import forecasts_for, is_ended, is_gone
from bot.figures import percent, usage
from bot.forecast import DIGEST_HORIZON_DAYS, Forecast
from bot.toggl.models import Project, Task

NEW_WHEN_NO_PREVIOUS = dt.timedelta(days=7)


@dataclass(frozen=True)
class Finding:
    """One project worth a line in the digest."""

    project: Project
    tracked_seconds: int | None
    estimate_seconds: int | None
    percent: int | None = None
    ended: bool = False
    new: bool = False
    reason: str = ""
    forecast: Forecast | None = None
    """When it crosses its estimate at its recent pace, if it will within a year (or its period)."""


@dataclass(frozen=True)
class TaskFinding:
    task: Task
    project: Project
    percent: int


@dataclass(frozen=True)
class Report:
    over: list[Finding] = field(default_factory=list)
    ended: list[Finding] = field(default_factory=list)
    approaching: list[Finding] = field(default_factory=list)
    tasks_over: list[TaskFinding] = field(default_factory=list)
    unknown: list[Finding] = field(default_factory=list)
    heading_over: list[Finding] = field(default_factory=list)
    """Below the threshold, but at the pace of the last four weeks they cross their estimate within
    `DIGEST_HORIZON_DAYS` (soonest first)."""
    judged: int = 0
    """Running projects (not ended, archived, deleted or muted) that have an estimate."""
    without_estimate: int = 0
    """Running projects that have none (a recurring one: no period estimate), so nothing can be said of them."""

    @property
    def empty(self) -> bool:
        return not (self.over or self.ended or self.approaching or self.tasks_over or self.unknown or self.heading_over)


def judge(
    projects: Iterable[Project],
    tasks: Iterable[Task],
    period_tracked: Mapping[int, int | str],
    *,
    threshold: int,
    muted_ids: Iterable[int] = (),
    today: dt.date,
    previous: dt.date | None = None,
    pace: Mapping[int, float] | None = None,
) -> Report:
    """The digest's findings. `period_tracked` maps a recurring project's id to its seconds this period,
    or to the reason the figure is missing; `previous` is the day of the last digest, for marking new endings;
    `pace` is seconds a day over the last four weeks by project id (none given: no forecasts)."""
    projects = list(projects)
    ahead = forecasts_for(projects, period_tracked, pace or {}, today)
    muted = set(muted_ids)
    live = [p for p in projects if not is_gone(p) and p.id not in muted]
    running = [p for p in live if not is_ended(p, today)]
    without = sum(1 for p in running if not _figures(p, period_tracked)[0])
    report = Report(judged=len(running) - without, without_estimate=without)
    for project in live:
        estimate, tracked, reason = _figures(project, period_tracked)
        ended = is_ended(project, today)
        used = percent(tracked, estimate) if tracked is not None and estimate else None
        if ended:
            new = _ended_recently(project, today, previous)
            finding = Finding(project, tracked, estimate, used, ended=True, new=new, reason=reason)
            (report.over if used is not None and used >= 100 else report.ended).append(finding)
        elif not estimate:
            continue
        elif tracked is None:
            report.unknown.append(Finding(project, None, estimate, reason=reason or "no time figure from Toggl"))
        elif used is not None and used >= 100:
            report.over.append(Finding(project, tracked, estimate, used))
        elif used is not None and used >= threshold:
            report.approaching.append(Finding(project, tracked, estimate, used, forecast=ahead.get(project.id)))
        elif project.id in ahead and ahead[project.id].days <= DIGEST_HORIZON_DAYS:
            report.heading_over.append(Finding(project, tracked, estimate, used, forecast=ahead[project.id]))
    task_holders = {p.id: p for p in running if not p.recurring}
    for task in tasks:
        holder = task_holders.get(task.project_id or -1)
        if holder is None or not task.active or task.server_deleted_at is not None:
            continue
        if task.tracked_seconds is None or not task.estimated_seconds:
            continue
        if task.tracked_seconds >= task.estimated_seconds:
            report.tasks_over.append(TaskFinding(task, holder, percent(task.tracked_seconds, task.estimated_seconds)))
    report.over.sort(key=lambda f: (-(f.percent or 0), f.project.name.casefold()))
    report.approaching.sort(key=lambda f: (-(f.percent or 0), f.project.name.casefold()))
    report.ended.sort(key=lambda f: (not f.new, -(f.project.end_date or dt.date.min).toordinal(), f.project.name.casefold()))
    report.tasks_over.sort(key=lambda f: (-f.percent, f.task.name.casefold()))
    report.unknown.sort(key=lambda f: f.project.name.casefold())
    report.heading_over.sort(key=lambda f: (f.forecast.crossing if f.forecast else dt.date.max, f.project.name.casefold()))
    return report


def _figures(project: Project, period_tracked: Mapping[int, int | str]) -> tuple[int | None, int | None, str]:
    """(estimate, tracked, reason tracked is missing) for one project, per period if it recurs."""
    tracked, estimate, reason = usage(project, period_tracked)
    return estimate, tracked, reason


def _ended_recently(project: Project, today: dt.date, previous: dt.date | None) -> bool:
    if project.end_date is None:
        return False
    since = previous if previous is not None else today - NEW_WHEN_NO_PREVIOUS
    return project.end_date >= since
