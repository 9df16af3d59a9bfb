"""Claims on scheduled slots as leases: the one mechanism that posts a digest, a weekly summary or a reminder once.

A slots table has the key column of what is scheduled (a subscription's id, a personal schedule's id),
`slot` (UTC, to the minute), `status`, `detail`, `claimed_at`, `owner`, `lease_expires_at`, `posted_ts`
and `attempts`. A claim row moves `claimed` → `posted` (with Slack's message `ts`), `failed` or
`skipped`. While a lease runs nobody else may take the slot; once it has run out (its runner was
killed, say), the next runner takes it over, at most `MAX_ATTEMPTS` times. Whatever is scheduled, a row
reads back as one record, `Slot`; the loop that claims them is `bot.scheduled`.

The claim is `INSERT … ON CONFLICT DO NOTHING RETURNING`, then a conditional `UPDATE … RETURNING` for a
takeover: on PostgreSQL a failed statement would abort the transaction, and two racing connections get
exactly one winner either way.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from bot.clock import Clock
from bot.store.engine import Database

OWNER_LENGTH = 80
"""The `owner` column's width: a runner's name is cut to fit it (`runner_name`)."""
MAX_ATTEMPTS = 3
"""Runs that may try one slot: a slot that kills its runner every time is not retried for ever."""


def runner_name() -> str:
    """This process as the owner of the slots it claims: host, process id and a random part, within `OWNER_LENGTH`.

    A long host name (a container's, say) once overflowed the column, and every claim failed on PostgreSQL.
    """
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:OWNER_LENGTH]


@dataclass(frozen=True)
class Slot:
    """The record of one slot of one schedule, whatever is scheduled: a digest, a weekly summary, a reminder."""

    schedule_id: int
    """The id of what is scheduled: a subscription's, or a personal schedule's (the slots table's key column)."""
    slot: str
    """UTC, to the minute (`bot.slots.slot_key`)."""
    status: str
    """claimed, posting (from right before the post), then posted (or sent), failed, skipped, or uncertain (its
    runner stopped while posting: it may be in Slack, and is never posted again)."""
    detail: str
    claimed_at: str
    owner: str | None
    lease_expires_at: float | None
    posted_ts: str | None
    attempts: int


class Leases:
    """Claim, renew, finish and skip slots of one slots table, keyed by its column `key`, and read their records."""

    def __init__(self, db: Database, clock: Clock, table: sa.Table, key: str) -> None:
        self._db = db
        self._clock = clock
        self._table = table
        self._key = table.c[key]

    def judged_by(self, clock: Clock) -> Leases:
        """These leases, stamped and judged by `clock`: the database's, so that schedulers agree (`bot.store.dbclock`)."""
        return Leases(self._db, clock, self._table, self._key.name)

    def time(self) -> float:
        """Now, by the clock these leases are judged by."""
        return self._clock.time()

    def claim(self, key: int, slot: str, owner: str, lease_seconds: float) -> bool:
        """Take the right to post this slot, as a lease. True for exactly one caller across processes.

        A slot nobody claimed yet is inserted; one whose claim's lease ran out (its runner died) is taken
        over, at most `MAX_ATTEMPTS` times in all. Posted, failed and skipped slots are never taken again.
        """
        table, now = self._table, self._clock.time()
        fresh = (
            self._db.insert(table)
            .values(
                {
                    self._key.name: key,
                    "slot": slot,
                    "status": "claimed",
                    "detail": "",
                    "claimed_at": self._clock.stamp(),
                    "owner": owner,
                    "lease_expires_at": now + lease_seconds,
                    "attempts": 1,
                }
            )
            .on_conflict_do_nothing(index_elements=[self._key.name, "slot"])
            .returning(self._key)
        )
        takeover = (
            sa.update(table)
            .where(
                self._is(key, slot),
                table.c.status == "claimed",
                sa.func.coalesce(table.c.lease_expires_at, 0) < now,
                table.c.attempts < MAX_ATTEMPTS,
            )
            .values(owner=owner, lease_expires_at=now + lease_seconds, attempts=table.c.attempts + 1)
            .returning(self._key)
        )
        with self._db.write() as conn:
            if conn.execute(fresh).first() is not None:
                return True
            return conn.execute(takeover).first() is not None

    def begin_post(self, key: int, slot: str, owner: str, lease_seconds: float) -> bool:
        """Mark our claim `posting` right before the post: the point of no return. False when our claim is gone
        (another runner took the slot over): then we post nothing.

        From here on the slot is never posted again by anyone, whatever happens to us: a `posting` slot whose
        runner stops before recording the outcome is settled as `uncertain` (`settle_uncertain`), not retried.
        One statement, so a runner taking the slot over and this one cannot both win.
        """
        table = self._table
        with self._db.write() as conn:
            result = conn.execute(
                sa.update(table)
                .where(self._is(key, slot), table.c.owner == owner, table.c.status == "claimed")
                .values(status="posting", lease_expires_at=self._clock.time() + lease_seconds)
            )
            return result.rowcount > 0

    def finish(self, key: int, slot: str, owner: str, status: str, detail: str = "", posted_ts: str | None = None) -> bool:
        """Record how our claim ended: posted (with Slack's `ts`), failed (with why) or skipped."""
        with self._db.write() as conn:
            result = conn.execute(
                sa.update(self._table)
                .where(self._is(key, slot), self._table.c.owner == owner)
                .values(status=status, detail=detail, posted_ts=posted_ts, lease_expires_at=None)
            )
            return result.rowcount > 0

    def skip(self, key: int, slot: str, detail: str) -> bool:
        """Record a slot as skipped without posting it (missed by more than the grace); True the first time."""
        statement = (
            self._db.insert(self._table)
            .values(
                {
                    self._key.name: key,
                    "slot": slot,
                    "status": "skipped",
                    "detail": detail,
                    "claimed_at": self._clock.stamp(),
                    "attempts": 0,
                }
            )
            .on_conflict_do_nothing(index_elements=[self._key.name, "slot"])
            .returning(self._key)
        )
        with self._db.write() as conn:
            return conn.execute(statement).first() is not None

    def release(self, key: int, slot: str, owner: str) -> bool:
        """Hand our claim back untried (this process cannot do it, say it lacks a key): the next runner may take
        it at once, and the hand-back does not count as an attempt."""
        table = self._table
        with self._db.write() as conn:
            result = conn.execute(
                sa.update(table)
                .where(self._is(key, slot), table.c.owner == owner, table.c.status == "claimed")
                .values(lease_expires_at=0, attempts=table.c.attempts - 1)
            )
            return result.rowcount > 0

    def settle_uncertain(self, key: int, slot: str, detail: str) -> bool:
        """Settle a `posting` slot whose runner stopped before recording the outcome: it may be in Slack, so it
        is never posted again (at most once). True for the one caller that settled it."""
        table = self._table
        statement = (
            sa.update(table)
            .where(
                self._is(key, slot),
                table.c.status == "posting",
                sa.func.coalesce(table.c.lease_expires_at, 0) < self._clock.time(),
            )
            .values(status="uncertain", detail=detail, lease_expires_at=None)
        )
        with self._db.write() as conn:
            return conn.execute(statement).rowcount > 0

    def abandon(self, key: int, slot: str, detail: str) -> bool:
        """Mark as failed a claim whose lease ran out (its runner died) and which nobody may try again."""
        table = self._table
        statement = (
            sa.update(table)
            .where(
                self._is(key, slot),
                table.c.status == "claimed",
                sa.func.coalesce(table.c.lease_expires_at, 0) < self._clock.time(),
            )
            .values(status="failed", detail=detail, lease_expires_at=None)
        )
        with self._db.write() as conn:
            return conn.execute(statement).rowcount > 0

    def slots_for(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], Slot]:
        """The records of these (key, slot) pairs that exist, in as few reads as fit: a tick reads once, then
        writes only where something is to be done."""
        found: dict[tuple[int, str], Slot] = {}
        for start in range(0, len(keys), 400):
            where = sa.tuple_(self._key, self._table.c.slot).in_(keys[start : start + 400])
            with self._db.read() as conn:
                for row in conn.execute(sa.select(self._table).where(where)).mappings():
                    record = self._slot(row)
                    found[(record.schedule_id, record.slot)] = record
        return found

    def slot(self, key: int, slot: str) -> Slot | None:
        with self._db.read() as conn:
            row = conn.execute(sa.select(self._table).where(self._is(key, slot))).mappings().first()
        return self._slot(row) if row else None

    def slots(self, key: int) -> list[Slot]:
        """Every slot record of one schedule, oldest first."""
        with self._db.read() as conn:
            query = sa.select(self._table).where(self._key == key).order_by(self._table.c.slot)
            return [self._slot(row) for row in conn.execute(query).mappings()]

    def _slot(self, row: sa.RowMapping) -> Slot:
        values = dict(row)
        return Slot(schedule_id=values.pop(self._key.name), **values)

    def _is(self, key: int, slot: str) -> sa.ColumnElement[bool]:
        return sa.and_(self._key == key, self._table.c.slot == slot)
