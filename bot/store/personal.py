"""A person's own scheduled messages by DM (the weekly summary, the workday reminder) and their slots.

Each kind is one row per person, changed in place; each send is a slot claimed as a lease
(`bot.store.leases`), exactly as a digest's, so any number of schedulers send it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from bot.clock import Clock
from bot.slots import check_schedule
from bot.store.engine import Database
from bot.store.leases import Leases
from bot.store.schema import personal_schedules, personal_slots

Kind = Literal["summary", "reminder"]


@dataclass(frozen=True)
class PersonalSchedule:
    """When a person gets one of their own messages: `cadence` weekly on `weekday`, or weekdays, at `at_time`."""

    id: int
    team_id: str
    user_id: str
    kind: str
    """summary (the week before, on the first workday morning) or reminder (when nothing was tracked)."""
    cadence: str
    weekday: int | None
    """0 = Monday; only for weekly."""
    at_time: str
    timezone: str
    """The person's Toggl time zone when they opted in."""
    paused_reason: str | None
    created_at: str
    updated_at: str


class PersonalSchedules:
    """Reads and writes of `personal_schedules` and `personal_slots`.

    >>> store.personal.set("T1", "U1", "reminder", cadence="weekdays", weekday=None, at_time="17:30",
    ...                    timezone="Europe/Berlin")  # doctest: +SKIP
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self.leases = Leases(db, clock, personal_slots, "schedule_id")
        """Claim, renew, finish, skip or abandon a slot, and read its record: the right to send a message once,
        shared by every runner."""

    def set(
        self, team_id: str, user_id: str, kind: Kind, *, cadence: str, weekday: int | None, at_time: str, timezone: str
    ) -> PersonalSchedule:
        """Opt in, or change the schedule (resuming it if paused); raises `ScheduleError` for one that cannot run."""
        check_schedule(cadence, weekday, at_time, timezone)
        now = self._clock.stamp()
        schedule = {"cadence": cadence, "weekday": weekday, "at_time": at_time, "timezone": timezone}
        statement = (
            self._db.insert(personal_schedules)
            .values(team_id=team_id, user_id=user_id, kind=kind, created_at=now, updated_at=now, **schedule)
            .on_conflict_do_update(
                index_elements=["team_id", "user_id", "kind"], set_={**schedule, "paused_reason": None, "updated_at": now}
            )
            .returning(*personal_schedules.c)
        )
        with self._db.write() as conn:
            return PersonalSchedule(**conn.execute(statement).mappings().one())

    def get(self, team_id: str, user_id: str, kind: Kind) -> PersonalSchedule | None:
        found = [s for s in self.of_person(team_id, user_id) if s.kind == kind]
        return found[0] if found else None

    def of_person(self, team_id: str, user_id: str) -> list[PersonalSchedule]:
        return self._all(sa.and_(personal_schedules.c.team_id == team_id, personal_schedules.c.user_id == user_id))

    def all(self) -> list[PersonalSchedule]:
        return self._all(sa.true())

    def delete(self, team_id: str, user_id: str, kind: Kind) -> bool:
        """Opt out; True when there was something to stop. Its slots go with it."""
        found = self.get(team_id, user_id, kind)
        if found is None:
            return False
        with self._db.write() as conn:
            conn.execute(sa.delete(personal_slots).where(personal_slots.c.schedule_id == found.id))
            return conn.execute(sa.delete(personal_schedules).where(personal_schedules.c.id == found.id)).rowcount > 0

    def pause_of(self, team_id: str, user_id: str, reason: str | None) -> int:
        """Pause (or, with None, resume) every one of the person's messages: they disconnected, or reconnected."""
        with self._db.write() as conn:
            return conn.execute(
                sa.update(personal_schedules)
                .where(personal_schedules.c.team_id == team_id, personal_schedules.c.user_id == user_id)
                .values(paused_reason=reason, updated_at=self._clock.stamp())
            ).rowcount

    def _all(self, where: sa.ColumnElement[bool]) -> list[PersonalSchedule]:
        with self._db.read() as conn:
            rows = conn.execute(sa.select(personal_schedules).where(where).order_by(personal_schedules.c.id)).mappings()
            return [PersonalSchedule(**row) for row in rows]
