"""The forecast is a pure function: a table of cases, each a sentence a team would read."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.forecast import HORIZON_DAYS, PACE_DAYS, Forecast, forecast, in_words, pace

H = 3600
TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("case", "tracked", "estimate", "per_day", "period_end", "crossing"),
    [
        ("steady pace", 30 * H, 40 * H, 1 * H, None, dt.date(2026, 12, 11)),
        ("a part of a day left rounds up", 39.5 * H, 40 * H, 1 * H, None, dt.date(2026, 12, 2)),
        ("reached today counts as tomorrow", 40 * H - 1, 40 * H, 8 * H, None, dt.date(2026, 12, 2)),
        ("zero pace: nothing to say", 10 * H, 40 * H, 0, None, None),
        ("already over: the digest lists it as over", 45 * H, 40 * H, 2 * H, None, None),
        ("exactly at the estimate is over", 40 * H, 40 * H, 2 * H, None, None),
        ("no estimate", 10 * H, None, 2 * H, None, None),
        ("an estimate of zero", 10 * H, 0, 2 * H, None, None),
        ("unknown tracked time (a recurring period Toggl would not give)", None, 40 * H, 2 * H, None, None),
        ("a year and more away", 0, 400 * H, 1 * H, None, None),
        ("just inside the year", 0, HORIZON_DAYS * H, 1 * H, None, TODAY + dt.timedelta(days=HORIZON_DAYS)),
        ("recurring: crosses within the period", 6 * H, 10 * H, 1 * H, dt.date(2026, 12, 31), dt.date(2026, 12, 5)),
        (
            "recurring: crosses on the period's last day",
            6 * H,
            10 * H,
            0.4 * H,
            dt.date(2026, 12, 11),
            dt.date(2026, 12, 11),
        ),
        ("recurring: not this period", 6 * H, 10 * H, 0.1 * H, dt.date(2026, 12, 31), None),
        ("estimate raised: later", 30 * H, 80 * H, 1 * H, None, dt.date(2027, 1, 20)),
        ("estimate lowered below what is tracked: over, no forecast", 30 * H, 20 * H, 1 * H, None, None),
    ],
)
def test_forecast_table(
    case: str,
    tracked: float | None,
    estimate: float | None,
    per_day: float,
    period_end: dt.date | None,
    crossing: dt.date | None,
) -> None:
    found = forecast(tracked, estimate, per_day, TODAY, period_end=period_end)
    assert (found.crossing if found else None) == crossing, case


def test_the_pace_is_the_last_four_weeks_per_day() -> None:
    assert pace(28 * H) == H and pace(0) == 0 and pace(-5) == 0
    assert PACE_DAYS == 28


def test_the_day_depends_on_the_readers_time_zone() -> None:
    """The caller passes today in the reader's zone: at 23:30 UTC it is already tomorrow in Tokyo."""
    now = dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC)
    in_london = forecast(9 * H, 10 * H, 1 * H, now.astimezone(ZoneInfo("Europe/London")).date())
    in_tokyo = forecast(9 * H, 10 * H, 1 * H, now.astimezone(ZoneInfo("Asia/Tokyo")).date())
    assert in_london and in_tokyo
    assert (in_london.crossing, in_tokyo.crossing) == (dt.date(2026, 12, 2), dt.date(2026, 12, 3))


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (1, "at this pace, over on Wed 2 Dec"),
        (14, "at this pace, over on Tue 15 Dec"),
        (21, "at this pace, over in about 3 weeks"),
        (60, "at this pace, over in about 9 weeks"),
        (150, "at this pace, over in about 5 months"),
    ],
)
def test_in_words(days: int, words: str) -> None:
    found = Forecast(crossing=TODAY + dt.timedelta(days=days), days=days, pace_seconds_per_day=1.0)
    assert in_words(found) == words
