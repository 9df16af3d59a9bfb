"""Requests already handled, remembered in the database so that each is handled at most once.

Slack resends an event it got no answer to, and may send the retry to another instance or after a
restart; a signed request can also be replayed within its five-minute window. Either way the key
(an event id, or a request signature) is already known, and the request is acknowledged and dropped.

This check sits on the ack path of every request, so it is made cheap. Keys seen by this process are
kept in memory; other instances' keys are found with a read; new keys are written to the database in
small batches by one background thread, a few milliseconds later, instead of each request queueing
for SQLite's single writer. Two copies of a request reaching two instances within those milliseconds
could both pass; a replay from outside comes far later than that.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from bot.store.engine import Database
from bot.store.schema import seen_requests

log = logging.getLogger(__name__)

KEEP_SECONDS = 15 * 60
"""How long a key is remembered: longer than Slack's 5-minute signature window and its retry schedule."""
FLUSH_SECONDS = 0.02
BATCH = 500
LOCAL_KEYS = 50_000


class SeenRequests:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._local: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: queue.SimpleQueue[tuple[str, float]] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None

    def first_time(self, key: str, *, at_once: bool = False) -> bool:
        """True the first time a key is seen; False for a repeat within `KEEP_SECONDS`, here or elsewhere.

        `at_once` writes the key before answering, so that even a copy reaching another instance a moment
        later is caught: for Slack's event retries, which are few. Request signatures, on every request,
        are written in the next batch instead.
        """
        key = key[:80]
        now = self._clock.time()
        if at_once:
            return self._claim_now(key, now)
        with self._lock:
            seen_at = self._local.get(key)
            if seen_at is not None and now - seen_at < KEEP_SECONDS:
                return False
            self._local[key] = now
            self._local.move_to_end(key)
            while len(self._local) > LOCAL_KEYS:
                self._local.popitem(last=False)
        if self._seen_elsewhere(key, now):
            return False
        self._pending.put((key, now))
        self._start_writer()
        return True

    def _claim_now(self, key: str, now: float) -> bool:
        statement = (
            self._db.insert(seen_requests)
            .values(key=key, seen_at=now)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={"seen_at": now},
                where=seen_requests.c.seen_at < now - KEEP_SECONDS,  # an old key counts as new again
            )
            .returning(seen_requests.c.key)
        )
        with self._db.write() as conn:
            return conn.execute(statement).first() is not None

    def flush(self) -> None:
        """Write every pending key now (tests, and shutdown)."""
        self._write_batch(block=False)

    def _seen_elsewhere(self, key: str, now: float) -> bool:
        try:
            with self._db.read() as conn:
                found = conn.execute(
                    sa.select(seen_requests.c.key).where(
                        seen_requests.c.key == key, seen_requests.c.seen_at >= now - KEEP_SECONDS
                    )
                ).first()
        except SQLAlchemyError as err:  # better to answer twice than never
            log.warning("Could not look up a request key: %s", type(err).__name__)
            return False
        return found is not None

    def _start_writer(self) -> None:
        if self._writer is not None:
            return
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_forever, name="seen-writer", daemon=True)
                self._writer.start()

    def _write_forever(self) -> None:
        while True:
            self._write_batch(block=True)

    def _write_batch(self, *, block: bool) -> None:
        batch: list[tuple[str, float]] = []
        try:
            batch.append(self._pending.get(timeout=None) if block else self._pending.get_nowait())
        except queue.Empty:
            return
        if block:
            threading.Event().wait(FLUSH_SECONDS)  # let the rest of a burst join this batch
        while len(batch) < BATCH:
            try:
                batch.append(self._pending.get_nowait())
            except queue.Empty:
                break
        now = self._clock.time()
        rows = [{"key": key, "seen_at": seen_at} for key, seen_at in dict(batch).items()]
        insert = self._db.insert(seen_requests)
        try:
            with self._db.write() as conn:
                conn.execute(
                    insert.on_conflict_do_update(index_elements=["key"], set_={"seen_at": insert.excluded.seen_at}), rows
                )
                conn.execute(sa.delete(seen_requests).where(seen_requests.c.seen_at < now - KEEP_SECONDS))
        except SQLAlchemyError as err:
            log.warning("Could not record %d request key(s): %s", len(rows), type(err).__name__)
