"""Toggl webhooks and real-time alerts, as kept in the database and shared by every instance.

- **hooks**: per Slack team and Toggl workspace with alerts on, the app's webhook subscription (its path id,
  Toggl's subscription id, the signing secret as ciphertext) or, when Toggl would not take one, the periodic
  check that stands in for it. The periodic check is claimed by compare-and-set on `checked_at`, so however
  many instances tick, one of them asks Toggl.
- **entries**: what each time entry last counted towards its project, as of Toggl's `at`: a delivery older than
  what was applied is ignored, so out-of-order deliveries never move a figure backwards.
- **marks**: whether a project is above a level for one digest, and its crossing number. Moving above is one
  conditional `UPDATE … WHERE NOT above`, so of two instances seeing the same crossing exactly one counts it.
- **leases**: each crossing's post claimed like a digest's slot (`bot.store.leases`): posted once, and taken
  over if its poster died.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.clock import Clock
from bot.store.engine import Database
from bot.store.leases import Leases
from bot.store.schema import alert_marks, alert_slots, hook_entries, subscriptions, toggl_hooks

ACTIVE = "active"
"""A subscription Toggl took: deliveries come, and the periodic check only reconciles."""
POLLING = "polling"
"""No subscription (no `PUBLIC_URL`, full slots, or Toggl refused): the periodic check is how alerts come."""


@dataclass(frozen=True)
class Hook:
    hook_id: str
    """The callback path's id: `{PUBLIC_URL}/toggl/webhooks/{hook_id}`. Not a secret; the HMAC is."""
    team_id: str
    workspace_id: int
    user_id: str
    """Whose token made (and deletes) the subscription."""
    subscription_id: int | None
    secret_ciphertext: str
    status: str
    detail: str
    """Why it polls, in one sentence for people; empty when active."""
    validated: bool
    checked_at: float
    dirty_since: float | None
    """A delivery told of a change the app could not apply alone: the next check re-reads (once a minute at most)."""
    last_event_at: float | None

    def __repr__(self) -> str:
        return f"Hook({self.hook_id!r}, team={self.team_id!r}, workspace={self.workspace_id}, status={self.status!r})"


class Webhooks:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self.leases = Leases(db, clock, alert_slots, "subscription_id")
        """Each crossing's post: slot `"{project}:{level}:{crossing}"` of the digest subscription."""

    # -- hooks -----------------------------------------------------------------------------------

    def hook(self, hook_id: str) -> Hook | None:
        return self._first(toggl_hooks.c.hook_id == hook_id[:40])

    def of_workspace(self, team_id: str, workspace_id: int) -> Hook | None:
        return self._first(sa.and_(toggl_hooks.c.team_id == team_id, toggl_hooks.c.workspace_id == workspace_id))

    def of_team(self, team_id: str) -> list[Hook]:
        return self._all(toggl_hooks.c.team_id == team_id)

    def all(self) -> list[Hook]:
        return self._all(sa.true())

    def add(self, team_id: str, workspace_id: int, user_id: str, secret_ciphertext: str) -> Hook:
        """The workspace's hook, made now (polling until a subscription is made) unless another instance made it."""
        statement = (
            self._db.insert(toggl_hooks)
            .values(
                hook_id=secrets.token_urlsafe(18),
                team_id=team_id,
                workspace_id=workspace_id,
                user_id=user_id,
                secret_ciphertext=secret_ciphertext,
                status=POLLING,
                detail="",
                validated=False,
                checked_at=0.0,
                created_at=self._clock.stamp(),
            )
            .on_conflict_do_nothing(index_elements=["team_id", "workspace_id"])
        )
        with self._db.write() as conn:
            conn.execute(statement)
        found = self.of_workspace(team_id, workspace_id)
        assert found is not None
        return found

    def update(self, hook_id: str, **values: object) -> None:
        with self._db.write() as conn:
            conn.execute(sa.update(toggl_hooks).where(toggl_hooks.c.hook_id == hook_id).values(**values))

    def delete(self, hook_id: str) -> None:
        with self._db.write() as conn:
            conn.execute(sa.delete(toggl_hooks).where(toggl_hooks.c.hook_id == hook_id))

    def claim_check(self, hook: Hook, now: float) -> bool:
        """The right to run this hook's check now, for exactly one instance (compare-and-set on `checked_at`)."""
        with self._db.write() as conn:
            claimed = conn.execute(
                sa.update(toggl_hooks)
                .where(toggl_hooks.c.hook_id == hook.hook_id, toggl_hooks.c.checked_at == hook.checked_at)
                .values(checked_at=now, dirty_since=None)
            ).rowcount
        return claimed == 1

    def delivered(self, hook_id: str, now: float, *, dirty: bool = False) -> None:
        """A delivery came: the subscription works (it is validated); `dirty` asks the next check to re-read."""
        values: dict[str, object] = {"last_event_at": now, "validated": True}
        with self._db.write() as conn:
            conn.execute(sa.update(toggl_hooks).where(toggl_hooks.c.hook_id == hook_id).values(**values))
            if dirty:
                conn.execute(
                    sa.update(toggl_hooks)
                    .where(toggl_hooks.c.hook_id == hook_id, toggl_hooks.c.dirty_since.is_(None))
                    .values(dirty_since=now)
                )

    # -- time entries ----------------------------------------------------------------------------

    def apply_entry(
        self, team_id: str, workspace_id: int, entry_id: int, project_id: int | None, seconds: int, at: float
    ) -> tuple[int | None, int] | bool | None:
        """Record what an entry counts now, as of Toggl's `at`. Returns what it counted before as
        `(project_id, seconds)`; None when the app never saw it (what it counted is unknown); False when
        what was applied is as new or newer (a duplicate, or a delivery out of order): nothing changes."""
        key = sa.and_(
            hook_entries.c.team_id == team_id,
            hook_entries.c.workspace_id == workspace_id,
            hook_entries.c.entry_id == entry_id,
        )
        values = {"project_id": project_id, "seconds": seconds, "at": at}
        with self._db.write() as conn:
            for _ in range(2):  # a second look when another instance inserted the entry between our two statements
                row = conn.execute(sa.select(hook_entries).where(key).with_for_update()).mappings().first()
                if row is not None:
                    if row["at"] > at:  # an equal `at` is applied: what it counts replaces, so a repeat adds nothing
                        return False
                    conn.execute(sa.update(hook_entries).where(key).values(**values))
                    return (row["project_id"], int(row["seconds"]))
                inserted = conn.execute(
                    self._db.insert(hook_entries)
                    .values(team_id=team_id, workspace_id=workspace_id, entry_id=entry_id, **values)
                    .on_conflict_do_nothing(index_elements=["team_id", "workspace_id", "entry_id"])
                    .returning(hook_entries.c.entry_id)
                ).first()
                if inserted is not None:
                    return None
        return False

    def prune_entries(self, before: float) -> None:
        """Forget entries not changed since `before`: an old entry's next change re-reads instead."""
        with self._db.write() as conn:
            conn.execute(sa.delete(hook_entries).where(hook_entries.c.at < before))

    # -- crossings -------------------------------------------------------------------------------

    def marks(self, subscription_id: int) -> dict[tuple[int, str], tuple[bool, int]]:
        """(project, level) -> (above, crossing) for one digest."""
        with self._db.read() as conn:
            rows = conn.execute(sa.select(alert_marks).where(alert_marks.c.subscription_id == subscription_id))
            return {(r.project_id, r.level): (bool(r.above), int(r.crossing)) for r in rows}

    def rise(self, subscription_id: int, project_id: int, level: str, *, count: bool = True) -> int | None:
        """Mark the project above `level`. The new crossing's number when this call moved it above (for exactly
        one caller); None when it was above already. `count=False` records a baseline: above, crossing 0, no post."""
        now = self._clock.time()
        statement = (
            self._db.insert(alert_marks)
            .values(
                subscription_id=subscription_id,
                project_id=project_id,
                level=level,
                above=True,
                crossing=1 if count else 0,
                updated_at=now,
            )
            .on_conflict_do_update(
                index_elements=["subscription_id", "project_id", "level"],
                set_={"above": True, "crossing": alert_marks.c.crossing + (1 if count else 0), "updated_at": now},
                where=alert_marks.c.above == sa.false(),
            )
            .returning(alert_marks.c.crossing)
        )
        with self._db.write() as conn:
            crossing = conn.execute(statement).scalar()
        return int(crossing) if crossing is not None and count else None

    def fall(self, subscription_id: int, project_id: int, level: str) -> None:
        """Mark the project below `level`: crossing it again is a new crossing."""
        with self._db.write() as conn:
            conn.execute(
                sa.update(alert_marks)
                .where(
                    alert_marks.c.subscription_id == subscription_id,
                    alert_marks.c.project_id == project_id,
                    alert_marks.c.level == level,
                    alert_marks.c.above == sa.true(),
                )
                .values(above=False, updated_at=self._clock.time())
            )

    def alerting(self, team_id: str) -> list[int]:
        """Ids of the team's digests with alerts on."""
        with self._db.read() as conn:
            return list(
                conn.execute(
                    sa.select(subscriptions.c.id).where(subscriptions.c.team_id == team_id, subscriptions.c.alerts)
                ).scalars()
            )

    def forget_team(self, conn: Connection, team_id: str) -> None:
        """Everything of a team (uninstalled): its hooks, and its digests' marks and alert posts. The Toggl side
        is deleted first by `bot.alerts`, while the tokens that made it are still here."""
        ids = sa.select(subscriptions.c.id).where(subscriptions.c.team_id == team_id)
        for table in (alert_marks, alert_slots):
            conn.execute(sa.delete(table).where(table.c.subscription_id.in_(ids)))
        conn.execute(sa.delete(hook_entries).where(hook_entries.c.team_id == team_id))
        conn.execute(sa.delete(toggl_hooks).where(toggl_hooks.c.team_id == team_id))

    # -- helpers ---------------------------------------------------------------------------------

    def _first(self, where: sa.ColumnElement[bool]) -> Hook | None:
        with self._db.read() as conn:
            row = conn.execute(sa.select(toggl_hooks).where(where)).mappings().first()
        return _hook(row) if row else None

    def _all(self, where: sa.ColumnElement[bool]) -> list[Hook]:
        with self._db.read() as conn:
            rows = conn.execute(sa.select(toggl_hooks).where(where).order_by(toggl_hooks.c.created_at)).mappings()
            return [_hook(row) for row in rows]


def _hook(row: sa.RowMapping) -> Hook:
    values = {field.name: row[field.name] for field in dataclasses.fields(Hook)}
    return Hook(**{**values, "validated": bool(row["validated"])})
