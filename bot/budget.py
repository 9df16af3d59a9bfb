"""Budget rules shared by every surface that judges a project: lists, the Home tab, the digest and forecasts.

Pure: no I/O, no clock (today is passed in). The digest's own choices (what a digest lists, and how)
stay in `bot.digest.rules`, which builds on these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from bot.figures import usage
from bot.forecast import Forecast, forecast
from bot.toggl.models import Project

DEFAULT_THRESHOLD = 80
"""Percent of the estimate from which a project is at risk, unless the person's digest says otherwise."""


def is_ended(project: Project, today: dt.date) -> bool:
    return project.status == "ended" or (project.end_date is not None and project.end_date < today)


def is_gone(project: Project) -> bool:
    """Archived or deleted: never in a digest."""
    return project.is_archived or project.status == "deleted" or project.server_deleted_at is not None


def forecasts_for(
    projects: Iterable[Project], period_tracked: Mapping[int, int | str], pace: Mapping[int, float], today: dt.date
) -> dict[int, Forecast]:
    """Each running project's crossing of its estimate at its recent pace, by id; only those that have one.

    A recurring project is forecast within its current period, from this period's figure; the others from
    all their time, and never past their end date (a project that ends first gets no forecast).
    `today` is the day in the reader's time zone.
    """
    found: dict[int, Forecast] = {}
    for project in projects:
        per_day = pace.get(project.id, 0.0)
        if per_day <= 0 or is_gone(project) or is_ended(project, today):
            continue
        tracked, estimate, _ = usage(project, period_tracked)
        period = project.current_period if project.recurring else None
        end = period.end_date if period is not None else project.end_date
        if project.recurring and (period is None or period.end_date is None):
            continue  # no period to forecast within
        crossing = forecast(tracked, estimate, per_day, today, period_end=end)
        if crossing is not None:
            found[project.id] = crossing
    return found


def needs_period_figure(project: Project, today: dt.date, muted_ids: Iterable[int] = ()) -> bool:
    """True for the recurring projects whose current-period time the digest must ask the Reports API for."""
    return (
        project.recurring
        and not is_gone(project)
        and project.id not in set(muted_ids)
        and bool(project.period_estimate_seconds)
        and not is_ended(project, today)
    )
