"""Channel digests and their slots. A slot is claimed as a lease before it is posted, so however many
runners there are, each slot is posted once, and a slot whose runner died is taken over and still posted.

A claim row moves `claimed` → `posted` (with Slack's message `ts`), `failed` or `skipped`. A `claimed`
row carries its owner and a lease expiry: while the lease runs nobody else may take the slot; once it
has run out (the owner was killed, say), the next runner takes it over, at most `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from bot.clock import Clock
from bot.digest.schedule import check_schedule
from bot.store.engine import Database
from bot.store.schema import digest_slots, subscriptions

MAX_ATTEMPTS = 3
"""Runs that may try one slot: a slot that kills its runner every time is not retried for ever."""


@dataclass(frozen=True)
class Subscription:
    """A channel's digest, posted with the Toggl data of the person who subscribed (`user_id`)."""

    id: int
    team_id: str
    channel_id: str
    user_id: str
    cadence: str
    """daily, weekdays or weekly."""
    weekday: int | None
    """0 = Monday; only for weekly."""
    at_time: str
    """HH:MM in `timezone`."""
    timezone: str
    threshold: int
    """Percent of the estimate from which a project counts as approaching it."""
    skip_empty: bool
    muted: list[dict]
    """Projects left out: [{"id": 1, "name": "Website"}]."""
    paused_reason: str | None
    last_posted_at: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Slot:
    """The record of one scheduled post of one subscription."""

    subscription_id: int
    slot: str
    status: str
    detail: str
    claimed_at: str
    owner: str | None
    lease_expires_at: float | None
    posted_ts: str | None
    attempts: int


class Subscriptions:
    """Reads and writes of `subscriptions` and `digest_slots`."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- subscriptions ---------------------------------------------------------------------------

    def subscribe(
        self, team_id: str, channel_id: str, user_id: str, *, cadence: str, weekday: int | None, at_time: str, timezone: str
    ) -> Subscription:
        """Create the person's subscription for this channel, or change its schedule (keeping threshold and mutes).

        Raises `ScheduleError` for a schedule that could not be computed later (an unknown time zone, say).
        """
        check_schedule(cadence, weekday, at_time, timezone)
        now = self._clock.stamp()
        schedule = {"cadence": cadence, "weekday": weekday, "at_time": at_time, "timezone": timezone}
        statement = (
            self._db.insert(subscriptions)
            .values(
                team_id=team_id,
                channel_id=channel_id,
                user_id=user_id,
                threshold=80,
                skip_empty=False,
                muted="[]",
                created_at=now,
                updated_at=now,
                **schedule,
            )
            .on_conflict_do_update(
                index_elements=["team_id", "channel_id", "user_id"],
                set_={**schedule, "paused_reason": None, "updated_at": now},
            )
            .returning(*subscriptions.c)
        )
        with self._db.write() as conn:
            return _subscription(conn.execute(statement).mappings().one())

    def get(self, team_id: str, channel_id: str, user_id: str) -> Subscription | None:
        """The person's subscription for this channel, if any."""
        where = sa.and_(
            subscriptions.c.team_id == team_id, subscriptions.c.channel_id == channel_id, subscriptions.c.user_id == user_id
        )
        return self._first(where)

    def by_id(self, subscription_id: int) -> Subscription | None:
        return self._first(subscriptions.c.id == subscription_id)

    def of_channel(self, team_id: str, channel_id: str) -> list[Subscription]:
        """Every subscription of a channel, oldest first."""
        return self._all(sa.and_(subscriptions.c.team_id == team_id, subscriptions.c.channel_id == channel_id))

    def of_person(self, team_id: str, user_id: str) -> list[Subscription]:
        """Every subscription a person owns, in any channel, oldest first."""
        return self._all(sa.and_(subscriptions.c.team_id == team_id, subscriptions.c.user_id == user_id))

    def all(self) -> list[Subscription]:
        return self._all(sa.true())

    def count(self) -> int:
        with self._db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(subscriptions)).scalar_one()

    def update(self, subscription_id: int, **values: object) -> None:
        """Change settings: threshold, skip_empty, muted (a list), paused_reason, last_posted_at."""
        if "muted" in values:
            values["muted"] = json.dumps(values["muted"])
        if "skip_empty" in values:
            values["skip_empty"] = bool(values["skip_empty"])
        with self._db.write() as conn:
            conn.execute(
                sa.update(subscriptions)
                .where(subscriptions.c.id == subscription_id)
                .values(**values, updated_at=self._clock.stamp())
            )

    def pause_of(self, team_id: str, user_id: str, reason: str) -> int:
        """Pause every subscription the person owns (their token was rejected, or they disconnected)."""
        return self._set_paused(team_id, user_id, reason)

    def resume_of(self, team_id: str, user_id: str) -> int:
        """Resume the person's paused subscriptions (they reconnected)."""
        return self._set_paused(team_id, user_id, None)

    def delete(self, subscription_id: int) -> bool:
        """Delete a subscription and its record of slots; True if it existed."""
        with self._db.write() as conn:
            conn.execute(sa.delete(digest_slots).where(digest_slots.c.subscription_id == subscription_id))
            return conn.execute(sa.delete(subscriptions).where(subscriptions.c.id == subscription_id)).rowcount > 0

    # -- slots: exactly once, crash-safe -------------------------------------------------------------

    def claim(self, subscription_id: int, slot: str, owner: str, lease_seconds: float) -> bool:
        """Take the right to post this slot, as a lease. True for exactly one caller across processes.

        A slot nobody claimed yet is inserted; one whose claim's lease ran out (its runner died) is taken
        over, at most `MAX_ATTEMPTS` times in all. Posted, failed and skipped slots are never taken again.
        """
        now = self._clock.time()
        fresh = (
            self._db.insert(digest_slots)
            .values(
                subscription_id=subscription_id,
                slot=slot,
                status="claimed",
                detail="",
                claimed_at=self._clock.stamp(),
                owner=owner,
                lease_expires_at=now + lease_seconds,
                attempts=1,
            )
            .on_conflict_do_nothing(index_elements=["subscription_id", "slot"])
            .returning(digest_slots.c.subscription_id)
        )
        takeover = (
            sa.update(digest_slots)
            .where(
                _slot_is(subscription_id, slot),
                digest_slots.c.status == "claimed",
                sa.func.coalesce(digest_slots.c.lease_expires_at, 0) < now,
                digest_slots.c.attempts < MAX_ATTEMPTS,
            )
            .values(owner=owner, lease_expires_at=now + lease_seconds, attempts=digest_slots.c.attempts + 1)
            .returning(digest_slots.c.subscription_id)
        )
        with self._db.write() as conn:
            if conn.execute(fresh).first() is not None:
                return True
            return conn.execute(takeover).first() is not None

    def renew(self, subscription_id: int, slot: str, owner: str, lease_seconds: float) -> bool:
        """Extend our lease right before posting; False when it ran out and another runner took the slot."""
        with self._db.write() as conn:
            result = conn.execute(
                sa.update(digest_slots)
                .where(_slot_is(subscription_id, slot), digest_slots.c.owner == owner, digest_slots.c.status == "claimed")
                .values(lease_expires_at=self._clock.time() + lease_seconds)
            )
            return result.rowcount > 0

    def finish(
        self, subscription_id: int, slot: str, owner: str, status: str, detail: str = "", posted_ts: str | None = None
    ) -> bool:
        """Record how our claim ended: posted (with Slack's `ts`), failed (with why) or skipped."""
        with self._db.write() as conn:
            result = conn.execute(
                sa.update(digest_slots)
                .where(_slot_is(subscription_id, slot), digest_slots.c.owner == owner)
                .values(status=status, detail=detail, posted_ts=posted_ts, lease_expires_at=None)
            )
            return result.rowcount > 0

    def skip(self, subscription_id: int, slot: str, detail: str) -> bool:
        """Record a slot as skipped without posting it (missed by more than the grace); True the first time."""
        statement = (
            self._db.insert(digest_slots)
            .values(
                subscription_id=subscription_id,
                slot=slot,
                status="skipped",
                detail=detail,
                claimed_at=self._clock.stamp(),
                attempts=0,
            )
            .on_conflict_do_nothing(index_elements=["subscription_id", "slot"])
            .returning(digest_slots.c.subscription_id)
        )
        with self._db.write() as conn:
            return conn.execute(statement).first() is not None

    def abandon(self, subscription_id: int, slot: str, detail: str) -> bool:
        """Mark as failed a claim whose lease ran out (its runner died) and which nobody may try again."""
        statement = (
            sa.update(digest_slots)
            .where(
                _slot_is(subscription_id, slot),
                digest_slots.c.status == "claimed",
                sa.func.coalesce(digest_slots.c.lease_expires_at, 0) < self._clock.time(),
            )
            .values(status="failed", detail=detail, lease_expires_at=None)
        )
        with self._db.write() as conn:
            return conn.execute(statement).rowcount > 0

    def slots_for(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], Slot]:
        """The records of these (subscription id, slot) pairs that exist, in as few reads as fit."""
        found: dict[tuple[int, str], Slot] = {}
        for start in range(0, len(keys), 400):
            chunk = keys[start : start + 400]
            where = sa.tuple_(digest_slots.c.subscription_id, digest_slots.c.slot).in_(chunk)
            with self._db.read() as conn:
                for row in conn.execute(sa.select(digest_slots).where(where)).mappings():
                    found[(row["subscription_id"], row["slot"])] = Slot(**row)
        return found

    def slot(self, subscription_id: int, slot: str) -> Slot | None:
        with self._db.read() as conn:
            row = conn.execute(sa.select(digest_slots).where(_slot_is(subscription_id, slot))).mappings().first()
        return Slot(**row) if row else None

    def slots(self, subscription_id: int) -> list[Slot]:
        with self._db.read() as conn:
            rows = conn.execute(
                sa.select(digest_slots)
                .where(digest_slots.c.subscription_id == subscription_id)
                .order_by(digest_slots.c.slot)
            ).mappings()
            return [Slot(**row) for row in rows]

    # -- helpers -----------------------------------------------------------------------------------

    def _set_paused(self, team_id: str, user_id: str, reason: str | None) -> int:
        with self._db.write() as conn:
            result = conn.execute(
                sa.update(subscriptions)
                .where(subscriptions.c.team_id == team_id, subscriptions.c.user_id == user_id)
                .values(paused_reason=reason, updated_at=self._clock.stamp())
            )
            return result.rowcount

    def _first(self, where: sa.ColumnElement[bool]) -> Subscription | None:
        with self._db.read() as conn:
            row = conn.execute(sa.select(subscriptions).where(where)).mappings().first()
        return _subscription(row) if row else None

    def _all(self, where: sa.ColumnElement[bool]) -> list[Subscription]:
        with self._db.read() as conn:
            rows = conn.execute(sa.select(subscriptions).where(where).order_by(subscriptions.c.id)).mappings()
            return [_subscription(row) for row in rows]


def _slot_is(subscription_id: int, slot: str) -> sa.ColumnElement[bool]:
    return sa.and_(digest_slots.c.subscription_id == subscription_id, digest_slots.c.slot == slot)


def _subscription(row: sa.RowMapping) -> Subscription:
    return Subscription(**{**row, "skip_empty": bool(row["skip_empty"]), "muted": json.loads(row["muted"] or "[]")})
