"""The one clock the app reads. Every "now" comes from a `Clock` the caller passes down.

A store that stamped rows with the wall clock while the digest used a test clock made twelve tests
fail on the first Monday after they were written. So nothing reads `datetime.now()` or `time.time()`
directly: `Store`, the services, the Toggl clients and the digest all take the same `Clock`, and
tests hand them a `FrozenClock` set to any date they like.

Intervals that are only measured, never stored or compared with dates (pacing a token's requests),
use `time.monotonic()`, which is not a date and cannot go wrong with one.
"""

from __future__ import annotations

import datetime as dt
import threading
import time


class Clock:
    """The real clock: aware UTC datetimes and UNIX seconds.

    >>> Clock().now().tzinfo
    datetime.timezone.utc
    """

    reads_wall = True
    """True for a clock that reads this host's wall clock: what several processes must agree on is judged by the
    database's clock instead (`bot.store.dbclock`). A test's `FrozenClock` is its own judge."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def time(self) -> float:
        """UNIX seconds, as `time.time()` gives them, but from this clock."""
        return self.now().timestamp()

    def stamp(self) -> str:
        """Now as the database keeps it: ISO 8601 in UTC, to the second."""
        return self.now().isoformat(timespec="seconds")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class FrozenClock(Clock):
    """A clock that stands still until moved: for tests, benchmarks and demos.

    >>> clock = FrozenClock(dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC))
    >>> clock.advance(minutes=5).now().minute
    5
    """

    reads_wall = False

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a FrozenClock needs an aware datetime")
        self._at = at.astimezone(dt.UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._at

    def set(self, at: dt.datetime) -> FrozenClock:
        with self._lock:
            self._at = at.astimezone(dt.UTC)
        return self

    def advance(self, **delta: float) -> FrozenClock:
        """Move forward by `datetime.timedelta(**delta)`; returns the clock, for chaining."""
        with self._lock:
            self._at += dt.timedelta(**delta)
        return self

    def __repr__(self) -> str:
        return f"FrozenClock({self.now().isoformat()})"


def since_boot() -> float:
    """Seconds on a clock that only moves forward and, unlike `time.monotonic()` on Linux, also counts time the
    host spent suspended: a runner that slept through a suspended VM knows it was away (`bot.scheduled`)."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    return time.clock_gettime(boottime) if boottime is not None else time.monotonic()


SYSTEM = Clock()
"""The wall clock, for production wiring; everything else receives a clock as an argument."""
