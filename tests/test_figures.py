"""Figures and words every surface shares: plurals, ranges and the one date style."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.digest.rules import Finding, Report, TaskFinding
from bot.digest.views import counts, digest_message
from bot.figures import day, day_span, moment, plural, span_of
from bot.toggl.models import Project, Task
from bot.views.projects import project_line
from tests.blockkit import all_text


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (1, "digest subscription", "1 digest subscription"),
        (2, "digest subscription", "2 digest subscriptions"),
        (2, "Toggl workspace", "2 Toggl workspaces"),
        (3, "match", "3 matches"),
        (1200, "project", "1,200 projects"),
    ],
)
def test_plural(count: int, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected


def test_ranges_never_say_1_1() -> None:
    """It said "1–1 of 1"."""
    assert span_of(0, 1, 1) == "1 of 1"
    assert span_of(40, 41, 41) == "41 of 41"
    assert span_of(0, 40, 450) == "1–40 of 450"


def test_one_date_style() -> None:
    """It said "ended 10 Nov 2026" in one place and "(ended 10 Nov)" in another."""
    assert day(dt.date(2026, 11, 10)) == "10 Nov 2026"
    assert day_span(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == "1–30 Nov 2026"
    assert day_span(dt.date(2026, 10, 28), dt.date(2026, 11, 3)) == "28 Oct – 3 Nov 2026"
    assert day_span(dt.date(2026, 12, 28), dt.date(2027, 1, 3)) == "28 Dec 2026 – 3 Jan 2027"
    assert moment(dt.datetime(2026, 11, 27, 16, 0)) == "Fri 27 Nov 2026, 16:00"
    ended = Project(id=1, workspace_id=2, name="Done", status="ended", end_date=dt.date(2026, 11, 10), estimated_seconds=10)
    in_list = project_line(ended)
    report = Report(ended=[Finding(ended, 5, 10, 50, ended=True)])
    in_digest = all_text(
        digest_message(report, owner_id="U1", workspace_name="W", threshold=80, computed_at=dt.datetime(2026, 11, 23, 9))
    )
    assert "ended 10 Nov 2026" in in_list and "ended 10 Nov 2026" in in_digest


def test_digest_counts_use_plurals() -> None:
    """It said "1 tasks over estimate"."""
    project = Project(id=1, name="P", estimated_seconds=10, actual_seconds=5)
    one = Report(tasks_over=[TaskFinding(Task(id=2, name="T", tracked_seconds=9, estimated_seconds=5), project, 180)])
    assert counts(one, 80) == "1 task over estimate"
    two = Report(tasks_over=one.tasks_over * 2, without_estimate=1)
    assert counts(two, 80) == "2 tasks over estimate, 1 without an estimate"
