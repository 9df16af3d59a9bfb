"""Requests acknowledged and not yet answered, each held by the instance answering it under a lease.

The instance writes the row before Slack gets the acknowledgement, renews the leases of all its rows in one
statement while it works, and deletes a row once the answer is delivered. A row whose lease ran out belongs to
an instance that died (`kill -9`, an out-of-memory kill): any instance takes it over with one conditional
`UPDATE`, so exactly one answers it. Leases are judged by the clock given, the database's in production
(`bot.store.dbclock`). Nothing here reads the request: it is ciphertext from `bot.crypto`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection

from bot.clock import Clock
from bot.store.engine import Database
from bot.store.schema import held_answers

_HOLD = sa.insert(held_answers)
"""Built once, its values given as parameters: SQLAlchemy then compiles it once, not on every ack."""


@dataclass(frozen=True)
class HeldRow:
    id: str
    team_id: str
    user_id: str
    request_ciphertext: str
    created_at: float
    attempts: int


class HeldAnswers:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def time(self) -> float:
        return self._clock.time()

    def hold(self, write: Callable[[Connection], None]) -> None:
        """Write a row (`holding`) before the acknowledgement: with the other writes acknowledgements wait for
        (`together`)."""
        self._db.together(write)

    def holding(
        self, row_id: str, team_id: str, user_id: str, ciphertext: str, owner: str, lease_seconds: float
    ) -> Callable[[Connection], None]:
        """The row's write, for a transaction of the caller's: the door writes it in the one that claims the
        request's signature (`SeenRequests.first_time(also=…)`), so an ack waits for one commit, not two."""
        now = self._clock.time()
        row = {
            "id": row_id,
            "team_id": team_id,
            "user_id": user_id,
            "request_ciphertext": ciphertext,
            "created_at": now,
            "owner": owner,
            "lease_expires_at": now + lease_seconds,
            "attempts": 1,
        }

        def write(conn: Connection) -> None:
            conn.execute(_HOLD, row)

        return write

    def let_go(self, row_id: str) -> None:
        """Give a taken row back untried (this instance cannot read it): the next sweep elsewhere may take it."""
        with self._db.write() as conn:
            conn.execute(
                sa.update(held_answers)
                .where(held_answers.c.id == row_id)
                .values(lease_expires_at=0, attempts=held_answers.c.attempts - 1)
            )

    def done(self, row_id: str) -> None:
        with self._db.write() as conn:
            conn.execute(sa.delete(held_answers).where(held_answers.c.id == row_id))

    def renew(self, owner: str, lease_seconds: float) -> int:
        """Extend the leases of every row this owner holds, in one statement; how many it holds."""
        with self._db.write() as conn:
            return conn.execute(
                sa.update(held_answers)
                .where(held_answers.c.owner == owner)
                .values(lease_expires_at=self._clock.time() + lease_seconds)
            ).rowcount

    def take_over(self, owner: str, lease_seconds: float, limit: int, margin: float = 0.0) -> list[HeldRow]:
        """Take up to `limit` rows whose lease ran out more than `margin` seconds ago; each row is taken by exactly
        one caller."""
        now = self._clock.time() - margin
        expired = (
            sa.select(held_answers.c.id)
            .where(held_answers.c.lease_expires_at < now)
            .order_by(held_answers.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            sa.update(held_answers)
            .where(held_answers.c.id.in_(expired.scalar_subquery()), held_answers.c.lease_expires_at < now)
            .values(owner=owner, lease_expires_at=now + margin + lease_seconds, attempts=held_answers.c.attempts + 1)
            .returning(
                held_answers.c.id,
                held_answers.c.team_id,
                held_answers.c.user_id,
                held_answers.c.request_ciphertext,
                held_answers.c.created_at,
                held_answers.c.attempts,
            )
        )
        with self._db.write() as conn:
            return [HeldRow(**row) for row in conn.execute(statement).mappings()]
