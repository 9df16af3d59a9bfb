"""Figures and words every surface shares: durations, percents, plurals, ranges and the one date style.

Pure, and below both `bot.views` and `bot.digest`, so the digest's rules and the views agree on
what "85%" means without an arrow running from the rules up into the views.

The one date style: a day is `10 Nov 2026`, a span `1–30 Nov 2026`, a moment `Fri 27 Nov 2026, 16:00`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from bot.toggl.models import Project

BAR_WIDTH = 10


def duration(seconds: float | None) -> str:
    """`5 h 30 min`, `45 min`, `0 min`; rounds to the nearest minute, but a few seconds read `under a minute`:
    "after 0 min (15:28–15:28)" for a timer that ran 12 s read as if nothing had run."""
    if seconds is None:
        return "n/a"
    if 0 < seconds < 30:
        return "under a minute"
    minutes = round(max(0, seconds) / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours:,} h" + (f" {minutes} min" if minutes else "")


def elapsed(seconds: float) -> str:
    """How long a timer ran: `duration`, but `under a minute` from 0 s (a timer stopped in the second it
    started ran, however briefly; "0 min" reads as if it never did)."""
    return "under a minute" if seconds < 30 else duration(seconds)


def percent(tracked: float, estimate: float) -> int:
    """Whole percent of the estimate used (rounded down, so 99.6% is not shown as done)."""
    return int(100 * tracked // estimate) if estimate > 0 else 0


def bar(tracked: float, estimate: float) -> str:
    """A ten-cell text progress bar, full when at or over the estimate."""
    filled = min(BAR_WIDTH, int(BAR_WIDTH * tracked // estimate)) if estimate > 0 else 0
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 digest subscription`, `2 digest subscriptions`: the last word takes the plural, unless `nouns` says.

    >>> plural(1, "Toggl workspace"), plural(3, "task over estimate", "tasks over estimate")
    ('1 Toggl workspace', '3 tasks over estimate')
    """
    if count == 1:
        return f"1 {noun}"
    if nouns is None:
        head, _, last = noun.rpartition(" ")
        nouns = (f"{head} " if head else "") + _plural_word(last)
    return f"{count:,} {nouns}"


def _plural_word(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def span_of(start: int, end: int, total: int) -> str:
    """Which items a page shows: `1–40 of 450`, `41 of 41`, `1 of 1` (never `1–1 of 1`); `start` is 0-based."""
    first = start + 1
    shown = f"{first:,}" if end <= first else f"{first:,}–{end:,}"
    return f"{shown} of {total:,}"


def day(value: dt.date) -> str:
    """`10 Nov 2026`: the one way a date is written."""
    return f"{value.day} {value:%b %Y}"


def day_span(start: dt.date, end: dt.date) -> str:
    """`1–30 Nov 2026`, `28 Oct – 3 Nov 2026`, `28 Dec 2026 – 3 Jan 2027`."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{day(end)}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {day(end)}"
    return f"{day(start)} – {day(end)}"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_name(weekday: int) -> str:
    """`Monday` for 0, as Python counts days (not the locale's names: the app speaks English everywhere)."""
    return WEEKDAYS[weekday % 7]


def moment(value: dt.datetime) -> str:
    """`Fri 27 Nov 2026, 16:00`: a day with its time, as schedules are written."""
    return f"{value:%a} {day(value.date())}, {value:%H:%M}"


def usage(project: Project, period_tracked: Mapping[int, int | str] | None = None) -> tuple[int | None, int | None, str]:
    """(tracked, estimate, why tracked is missing) of a project; a recurring one counts its current period only.

    Toggl reports a recurring project's tasks as 0, so its figure comes from the Reports API through
    `period_tracked` (project id -> seconds, or the reason there is no figure).
    """
    if not project.recurring:
        return project.actual_seconds or 0, project.estimated_seconds or None, ""
    figure = (period_tracked or {}).get(project.id)
    if isinstance(figure, int) and not isinstance(figure, bool):
        return figure, project.period_estimate_seconds, ""
    reason = figure if isinstance(figure, str) else "this period's time was not fetched"
    return None, project.period_estimate_seconds, reason


def used_percent(project: Project, period_tracked: Mapping[int, int | str] | None = None) -> int | None:
    """Percent of the estimate used, or None when there is no estimate or no figure."""
    tracked, estimate, _ = usage(project, period_tracked)
    return percent(tracked, estimate) if tracked is not None and estimate else None
