"""The database's clock, for what several processes must agree on: who holds a lease, whether a slot is due.

Two schedulers whose wall clocks differed by more than a lease both posted the same digest: each judged
the other's lease by its own clock. Judged by the database's clock they agree, whatever their hosts say.
The clock is read from the database once a minute and carried forward in between by the time since boot
(`bot.clock.since_boot`, which counts a suspended host's sleep too), so a lease check costs no extra query, and
a host's wall clock jumping (an NTP step) changes nothing here. While the database cannot be read, it is tried
again at most every `RETRY_SECONDS`, by one caller at a time: the others carry the last reading forward. On
SQLite the database is on this host, so its clock is this host's.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, since_boot
from bot.store.engine import Database

log = logging.getLogger(__name__)

SYNC_SECONDS = 60.0
"""How long the database's time is carried forward by the monotonic clock before it is read again."""
RETRY_SECONDS = 5.0
"""After a failed reading, how long before another is tried (each may wait on a connection for seconds)."""
_NOW = {
    "postgresql": "SELECT extract(epoch FROM clock_timestamp())",
    "sqlite": "SELECT (julianday('now') - 2440587.5) * 86400.0",
}


class DatabaseClock(Clock):
    """Now, as the database server sees it (to within a round trip), carried forward between reads.

    When the database cannot be read, the last reading goes on being carried forward; before the first
    reading, the wall clock stands in (and says so once in the log).
    """

    reads_wall = False

    def __init__(self, db: Database, *, monotonic: Callable[[], float] = since_boot) -> None:
        self._db = db
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._base: tuple[float, float] | None = None
        """(database seconds, monotonic seconds) of the last reading."""
        self._warned = False
        self._reading = False
        self._tried = float("-inf")
        """When the last reading was tried, by the monotonic clock; a success also sets `_base`."""

    def __repr__(self) -> str:
        return f"DatabaseClock({self._db})"

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.time(), dt.UTC)

    def time(self) -> float:
        ticks = self._monotonic()
        with self._lock:
            due = not self._reading and ticks - self._tried >= (SYNC_SECONDS if self._base else RETRY_SECONDS)
            if due:
                self._reading, self._tried = True, ticks
        if due:
            try:
                self._read(ticks)  # outside the lock: nobody waits on a slow database for the time
            finally:
                with self._lock:
                    self._reading = False
        with self._lock:
            base = self._base
        if base is None:
            return time.time()  # the wall clock on purpose: the database has not answered yet
        seconds, at = base
        return seconds + (ticks - at)

    def _read(self, ticks: float) -> None:
        try:
            with self._db.read() as conn:
                seconds = float(conn.execute(sa.text(_NOW[self._db.dialect])).scalar_one())
        except SQLAlchemyError as err:
            if self._base is None and not self._warned:
                self._warned = True
                log.warning("Could not read the database's clock (%s); the host's stands in", type(err).__name__)
            return
        after = self._monotonic()
        with self._lock:
            self._base = (seconds, (ticks + after) / 2)  # the reading was taken somewhere in the round trip
