"""The digest's rules on a rich data set: what is listed where, and what never is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.budget import needs_period_figure
from bot.digest.rules import Finding, Report, TaskFinding, judge
from bot.toggl.models import Period, Project, RecurringParameters, Task

TODAY = dt.date(2026, 11, 23)
H = 3600


def project(pid: int, name: str, tracked: int | None = None, estimate: int | None = None, **fields: Any) -> Project:
    return Project(id=pid, name=name, actual_seconds=tracked, estimated_seconds=estimate, **fields)


def recurring(pid: int, name: str, period_estimate: int) -> Project:
    return Project(
        id=pid,
        name=name,
        recurring=True,
        actual_seconds=0,
        recurring_parameters=[RecurringParameters(period="monthly", estimated_seconds=period_estimate)],
        current_period=Period(start_date=dt.date(2026, 11, 1), end_date=dt.date(2026, 11, 30)),
    )


PROJECTS = [
    project(1, "Over <budget> & co", 12 * H, 10 * H, client_name="Acme"),
    project(2, "Exactly at estimate", 10 * H, 10 * H, client_name="Beta"),
    project(3, "Approaching", 9 * H, 10 * H, client_name="Acme"),
    project(4, "Healthy", 2 * H, 10 * H),
    project(5, "No estimate, lots of time", 500 * H, None),
    project(6, "Archived and over", 50 * H, 10 * H, active=False, status="archived"),
    project(7, "Deleted and over", 50 * H, 10 * H, status="deleted"),
    project(8, "Ended yesterday", 3 * H, 10 * H, status="ended", end_date=dt.date(2026, 11, 22)),
    project(9, "Ended long ago", 3 * H, None, status="ended", end_date=dt.date(2026, 1, 31)),
    project(10, "Ended and over", 20 * H, 10 * H, status="ended", end_date=dt.date(2026, 11, 20)),
    project(11, "End date passed, status stale", 1 * H, 10 * H, status="active", end_date=dt.date(2026, 11, 1)),
    project(12, "Task holder", 1 * H, 100 * H),
    recurring(13, "Retainer", 10 * H),
    recurring(14, "Support", 10 * H),
    recurring(15, "Recurring without figure", 10 * H),
    project(16, "Muted and over", 50 * H, 10 * H),
]
TASKS = [
    Task(id=100, name="Task over", project_id=12, tracked_seconds=5 * H, estimated_seconds=4 * H),
    Task(id=101, name="Task under", project_id=12, tracked_seconds=1 * H, estimated_seconds=4 * H),
    Task(id=102, name="Done and over", project_id=12, active=False, tracked_seconds=9 * H, estimated_seconds=4 * H),
    Task(id=103, name="Over in ended project", project_id=8, tracked_seconds=9 * H, estimated_seconds=1 * H),
    Task.from_toggl(
        {
            "id": 104,
            "name": "Recurring task",
            "project_id": 13,
            "recurring": True,
            "tracked_seconds": 0,
            "estimated_seconds": 60,
        }
    ),
    Task(id=105, name="No estimate", project_id=12, tracked_seconds=9 * H),
]
PERIOD: dict[int, int | str] = {13: 11 * H, 14: 8 * H, 15: "Toggl's hourly limit is used up"}


def report(threshold: int = 80, previous: dt.date | None = None) -> Report:
    return judge(PROJECTS, TASKS, PERIOD, threshold=threshold, muted_ids=[16], today=TODAY, previous=previous)


def names(findings: Sequence[Finding | TaskFinding]) -> list[str]:
    return [f.project.name for f in findings]


def test_over_estimate_most_severe_first() -> None:
    assert names(report().over) == ["Ended and over", "Over <budget> & co", "Retainer", "Exactly at estimate"]
    assert [f.percent for f in report().over] == [200, 120, 110, 100]


def test_ended_projects_and_which_are_new() -> None:
    ended = report(previous=dt.date(2026, 11, 21)).ended
    assert names(ended) == ["Ended yesterday", "End date passed, status stale", "Ended long ago"]
    assert [f.new for f in ended] == [True, False, False]
    assert next(f for f in report(previous=dt.date(2026, 11, 21)).over if f.project.id == 10).new is False


def test_approaching_uses_the_threshold() -> None:
    assert names(report().approaching) == ["Approaching", "Support"]
    assert names(report(threshold=95).approaching) == []
    assert names(report(threshold=50).approaching) == ["Approaching", "Support"]


def test_recurring_projects_are_judged_per_period_and_never_zero() -> None:
    retainer = next(f for f in report().over if f.project.id == 13)
    assert retainer.tracked_seconds == 11 * H and retainer.estimate_seconds == 10 * H
    (unknown,) = report().unknown
    assert unknown.project.id == 15 and unknown.reason == "Toggl's hourly limit is used up"


def test_tasks_over_estimate_only_in_running_projects() -> None:
    assert [f.task.name for f in report().tasks_over] == ["Task over"]


def test_never_listed() -> None:
    everything = report()
    listed = {f.project.id for f in everything.over + everything.ended + everything.approaching + everything.unknown}
    assert listed.isdisjoint({4, 5, 6, 7, 12, 16})


def test_an_empty_report() -> None:
    quiet = judge([project(1, "Fine", H, 10 * H)], [], {}, threshold=80, today=TODAY)
    assert quiet.empty


def test_which_projects_need_a_reports_call() -> None:
    assert [p.id for p in PROJECTS if needs_period_figure(p, TODAY)] == [13, 14, 15]
