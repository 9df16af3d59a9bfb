"""Which days a team post covers, and which days it asks Toggl for: the day arithmetic of team posts, in one place.

Pure: no I/O, and today is passed in.

- `daily` covers the day before the post; `weekdays` the workday (Monday to Friday) before it, so Monday's
  post covers Friday; `weekly` the Monday-to-Sunday week before the post's week.
- Reports v3 reads days; whether Toggl's `end_date` is inclusive is unverified (design.md). The weekly report
  answers day by day from `start_date`, so a one-day post asks for a week from that day and reads only its
  first column: exact under either reading, and the next day's time never counts. A week asks Monday to
  Sunday and reads the seven columns, taking `end_date` as inclusive, as the rest of the app does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.figures import day, day_span

WEEK = 7


@dataclass(frozen=True)
class Covered:
    """The days a post covers, both ends included."""

    start: dt.date
    end: dt.date

    @property
    def weekly(self) -> bool:
        return self.end > self.start

    @property
    def workday(self) -> bool:
        """A single Monday-to-Friday day: only then are people under the minimum nudged."""
        return not self.weekly and self.start.weekday() < 5

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        """`Mon 23 Nov 2026`, or `16–22 Nov 2026` for a week."""
        if self.weekly:
            return day_span(self.start, self.end)
        return f"{self.start:%a} {day(self.start)}"

    def asked(self) -> tuple[dt.date, dt.date]:
        """The `start_date` and `end_date` asked of Toggl's weekly report (see the module's docstring)."""
        if self.weekly:
            return self.start, self.end
        return self.start, self.start + dt.timedelta(days=WEEK - 1)


def covered(cadence: str, today: dt.date) -> Covered:
    """The days a post of this cadence made on `today` (the slot's local date) covers.

    >>> covered("weekdays", dt.date(2026, 11, 23)).label()  # a Monday: the Friday before
    'Fri 20 Nov 2026'
    >>> covered("weekly", dt.date(2026, 11, 27)).label()
    '16–22 Nov 2026'
    """
    if cadence == "weekly":
        monday = today - dt.timedelta(days=today.weekday() + WEEK)
        return Covered(monday, monday + dt.timedelta(days=WEEK - 1))
    before = today - dt.timedelta(days=1)
    if cadence == "weekdays":
        while before.weekday() >= 5:
            before -= dt.timedelta(days=1)
    return Covered(before, before)
