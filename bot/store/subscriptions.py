"""Channel digests and their slots. A slot is claimed as a lease before it is posted (`bot.store.leases`), so
however many runners there are, each slot is posted once, and a slot whose runner died is taken over and still
posted. A `claimed` row carries its owner and a lease expiry; it moves to `posted`, `failed` or `skipped`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.clock import Clock
from bot.slots import check_schedule
from bot.store.engine import Database
from bot.store.leases import Leases
from bot.store.schema import alert_marks, alert_slots, digest_slots, subscriptions


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
    muted: list[dict[str, Any]]
    """Projects left out: [{"id": 1, "name": "Website"}]."""
    paused_reason: str | None
    last_posted_at: str | None
    created_at: str
    updated_at: str
    alerts: bool = False
    """Real-time alerts in the channel when a project crosses the threshold or its estimate (`bot.alerts`)."""


class Subscriptions:
    """Reads and writes of `subscriptions` and `digest_slots`."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self.leases = Leases(db, clock, digest_slots, "subscription_id")
        """Claim, renew, finish, skip or abandon a slot, and read its record: the right to post a digest once,
        shared by every runner."""

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

    def by_id(self, subscription_id: int, team_id: str | None = None) -> Subscription | None:
        """The subscription, or None when it is gone or (with `team_id`) another workspace's: a button carries an
        id, and a button is no proof of the workspace it came from."""
        found = self._first(subscriptions.c.id == subscription_id)
        return found if found is not None and team_id in (None, found.team_id) else None

    def threshold_of(self, team_id: str, user_id: str, channel_id: str | None, default: int) -> int:
        """From which percent a project is at risk for this person: their digest's threshold in this channel,
        else the lowest of their digests' thresholds, else `default`."""
        here = self.get(team_id, channel_id, user_id) if channel_id else None
        if here is not None:
            return here.threshold
        return min((s.threshold for s in self.of_person(team_id, user_id)), default=default)

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
        """Change settings: threshold, skip_empty, muted (a list), paused_reason, last_posted_at, alerts."""
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
        """Delete a subscription and its record of slots and alerts; True if it existed."""
        with self._db.write() as conn:
            for table in (digest_slots, alert_marks, alert_slots):
                conn.execute(sa.delete(table).where(table.c.subscription_id == subscription_id))
            return conn.execute(sa.delete(subscriptions).where(subscriptions.c.id == subscription_id)).rowcount > 0

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


def _subscription(row: sa.RowMapping) -> Subscription:
    return Subscription(
        **{
            **row,
            "skip_empty": bool(row["skip_empty"]),
            "alerts": bool(row["alerts"]),
            "muted": json.loads(row["muted"] or "[]"),
        }
    )
