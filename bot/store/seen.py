"""Requests already handled, remembered in the database so that each is handled at most once.

Slack resends an event it got no answer to, and may send the retry to another instance or after a
restart; a signed request can also be replayed within its five-minute window. Either way the key
(an event id, or a request signature) is already here, and the request is acknowledged and dropped.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.clock import Clock
from bot.store.engine import Database
from bot.store.schema import seen_requests

KEEP_SECONDS = 15 * 60
"""How long a key is remembered: longer than Slack's 5-minute signature window and its retry schedule."""
PRUNE_EVERY = 200


class SeenRequests:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._calls = 0

    def first_time(self, key: str) -> bool:
        """True the first time a key is seen by any instance; False for a repeat within `KEEP_SECONDS`."""
        now = self._clock.time()
        statement = (
            self._db.insert(seen_requests)
            .values(key=key[:80], seen_at=now)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={"seen_at": now},
                where=seen_requests.c.seen_at < now - KEEP_SECONDS,  # an old key counts as new again
            )
            .returning(seen_requests.c.key)
        )
        self._calls += 1
        with self._db.write() as conn:
            first = conn.execute(statement).first() is not None
            if self._calls % PRUNE_EVERY == 0:
                conn.execute(sa.delete(seen_requests).where(seen_requests.c.seen_at < now - KEEP_SECONDS))
        return first
