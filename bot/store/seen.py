"""Requests already handled, remembered in the database so that each is carried out at most once.

Slack resends an event it got no answer to, and may send the retry to another instance or after a
restart; a signed request can also be replayed within its five-minute window; and the same request can
reach two instances at the same moment. In every case the key (an event id, a button press, or a
request signature) is claimed by one `INSERT … ON CONFLICT … RETURNING` before any work is done: the
database's primary key decides, so of two instances claiming the same key at once exactly one wins, on
SQLite and on PostgreSQL alike. Nothing is kept in memory first: a key held only by this process, or
written a moment later, let two copies reaching two instances together both run (19 of 20 `start`s
did, in the storm trial).

When the database cannot take the key, the claim is tried again for a little over a second (inside
Slack's three seconds to acknowledge), then `Unrecorded` is raised: the caller decides what a request
that cannot be remembered may still do (`bot/doors/slack.py`, `docs/security.md`). It is never taken as
"first time": a timer started twice is worse than a "please try again".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from bot.store.engine import Database
from bot.store.schema import seen_requests

log = logging.getLogger(__name__)

KEEP_SECONDS = 15 * 60
"""How long a key is remembered: longer than Slack's 5-minute signature window and its retry schedule."""
RETRY_PAUSES = (0.05, 0.1, 0.2, 0.4, 0.6)
"""Pauses between tries of a claim the database refused: 1.35 s in all, so that with the tries themselves the
answer still leaves inside Slack's 3-second ack budget. A PostgreSQL restart (`pg_ctl restart -m fast`) is
shorter than this; an outage longer than this gets `Unrecorded`."""
PRUNE_EVERY_SECONDS = 60.0
"""How often this process deletes keys older than `KEEP_SECONDS` (an old key is also reusable in place)."""


class Unrecorded(Exception):
    """The database did not take a request's key, even after retrying: whether it was handled is unknown."""

    def __init__(self, key: str, cause: SQLAlchemyError) -> None:
        super().__init__(f"could not record request key {key.split(':', 1)[0]}:…: {type(cause).__name__}")
        self.key = key


class SeenRequests:
    def __init__(self, db: Database, clock: Clock, *, retry_pauses: tuple[float, ...] = RETRY_PAUSES) -> None:
        self._db = db
        self._clock = clock
        self._retry_pauses = retry_pauses
        self._pruned_at: float | None = None
        self._prune_lock = threading.Lock()
        now = sa.bindparam("now", type_=sa.Float)
        self._claim_statement = (
            db.insert(seen_requests)
            .values(key=sa.bindparam("key", type_=sa.String), seen_at=now)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={"seen_at": now},
                where=seen_requests.c.seen_at < sa.bindparam("stale_before", type_=sa.Float),  # an old key counts as new
            )
            .returning(seen_requests.c.key)
        )

    def first_time(self, key: str, *, also: Callable[[Connection], None] | None = None) -> bool:
        """True for the one claim of a key that wins, here or on any instance; False for a repeat within
        `KEEP_SECONDS`. Raises `Unrecorded` when the database would not take the key, after retrying.

        `also` is written in the claim's own transaction, and only if the claim wins: a slash command's hold
        (`bot.handover`), so that its ack waits for one commit. Both are written, or neither."""
        key = key[:80]
        pauses = iter(self._retry_pauses)
        while True:
            try:
                claimed = self._claim(key, self._clock.time(), also)
            except SQLAlchemyError as err:
                pause = next(pauses, None)
                if pause is None:
                    log.warning("Could not record a request key after retrying: %s", type(err).__name__)
                    raise Unrecorded(key, err) from err
                time.sleep(pause)  # the wall clock on purpose: this waits for a real database, not for the app's time
                continue
            self._maybe_prune()
            return claimed

    def _claim(self, key: str, now: float, also: Callable[[Connection], None] | None) -> bool:
        # Together with the other keys and holds being written for acknowledgements (`Database.together`); the
        # statement is built once, as building it took more of an ack's time than running it.
        params = {"key": key, "now": now, "stale_before": now - KEEP_SECONDS}

        def claim(conn: Connection) -> bool:
            won = conn.execute(self._claim_statement, params).first() is not None
            if won and also is not None:
                also(conn)
            return won

        return self._db.together(claim)

    def _maybe_prune(self) -> None:
        """Delete long-expired keys now and then, so the table holds about 15 minutes of requests: on a thread of
        its own, as the first request of each minute waited for the delete before its ack (`bench.ack_floor`)."""
        now = self._clock.time()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        if not self._prune_lock.acquire(blocking=False):
            return  # another thread of this process is at it
        self._pruned_at = now
        try:
            threading.Thread(target=self._prune, args=(now,), name="seen-prune", daemon=True).start()
        except RuntimeError as err:  # no thread to be had: the keys stay reusable in place; the next prune tries again
            self._prune_lock.release()
            log.warning("Could not start deleting expired request keys: %s", err)

    def _prune(self, now: float) -> None:
        try:
            with self._db.write() as conn:
                conn.execute(sa.delete(seen_requests).where(seen_requests.c.seen_at < now - KEEP_SECONDS))
            self._db.checkpoint()  # the keys' commits never do (`Database.together`)
        except SQLAlchemyError as err:  # the keys stay reusable in place; the next prune tries again
            log.warning("Could not delete expired request keys: %s", type(err).__name__)
        finally:
            self._prune_lock.release()
