"""When a project crosses its estimate at the pace of the last four weeks. Pure: no I/O, no clock.

"At this pace, over on 14 Dec" tells a team before it happens, which budget alerts sent after the
threshold cannot. The pace is the time tracked on the project in the last `PACE_DAYS` days, per day,
from one Reports API request per workspace (`bot.service`). A recurring project is forecast within its
current period: if it will not cross before the period ends, nothing is said. The same holds for any project
with an end date: a crossing after the project ends is no crossing at all.

Nothing is said either for a project without an estimate, without recent time, already over (the
digest lists it as over), or whose crossing is more than `HORIZON_DAYS` away.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

PACE_DAYS = 28
"""The window the pace is measured over: four weeks, so one quiet week does not swing it."""
HORIZON_DAYS = 365
"""A crossing further away than this is no forecast worth showing."""
DIGEST_HORIZON_DAYS = 28
"""The digest's "heading over" lists only crossings within four weeks: the next few digests, whatever their
cadence (weekly at most), can still act on them; a crossing months away is news for the project list, not a channel."""


@dataclass(frozen=True)
class Forecast:
    """The day a project reaches its estimate, at its recent pace."""

    crossing: dt.date
    days: int
    """Days from today to the crossing (at least 1: a crossing today counts as tomorrow's news)."""
    pace_seconds_per_day: float


def pace(recent_seconds: float, window_days: int = PACE_DAYS) -> float:
    """Seconds a day, from the seconds tracked over the last `window_days` days."""
    return max(0.0, recent_seconds) / window_days if window_days > 0 else 0.0


def forecast(
    tracked_seconds: float | None,
    estimate_seconds: float | None,
    pace_seconds_per_day: float,
    today: dt.date,
    *,
    period_end: dt.date | None = None,
) -> Forecast | None:
    """When `tracked_seconds` reaches `estimate_seconds` at `pace_seconds_per_day`, counting from `today`.

    `today` is the day in the reader's time zone (the caller decides). `period_end` bounds the forecast, the
    last day included: a recurring project's current period, or any project's end date.

    >>> forecast(30 * 3600, 40 * 3600, 3600, dt.date(2026, 12, 1)).crossing
    datetime.date(2026, 12, 11)
    """
    if not estimate_seconds or estimate_seconds <= 0 or tracked_seconds is None:
        return None
    if pace_seconds_per_day <= 0 or tracked_seconds >= estimate_seconds:
        return None
    days = max(1, math.ceil((estimate_seconds - tracked_seconds) / pace_seconds_per_day))
    if days > HORIZON_DAYS:
        return None
    crossing = today + dt.timedelta(days=days)
    if period_end is not None and crossing > period_end:
        return None
    return Forecast(crossing=crossing, days=days, pace_seconds_per_day=pace_seconds_per_day)


def in_words(found: Forecast) -> str:
    """`at this pace, over on Mon 14 Dec` within two weeks; `over in about 3 weeks` or `… 5 months` beyond."""
    if found.days <= 14:
        return f"at this pace, over on {found.crossing:%a %-d %b}"
    if found.days <= 60:
        weeks = round(found.days / 7)
        return f"at this pace, over in about {weeks} weeks"
    months = max(2, round(found.days / 30.4))
    return f"at this pace, over in about {months} months"
