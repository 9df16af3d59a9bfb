"""Each person's copy of their Toggl data, and the latest quota reading per token, shared by every instance.

Kept in the database rather than in memory so that N web instances (and the digest) spend a person's
hourly Toggl quota once, not N times. `bot.service` decides when to use it; this only keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.clock import Clock
from bot.store.engine import Database
from bot.store.schema import cache_docs, cache_items, cache_state, quota_readings
from bot.toggl.models import Quota


@dataclass(frozen=True)
class CacheState:
    server_time: float
    """Toggl's clock at the last fetch: the next `since=` starts here, less an overlap."""
    fetched_at: float
    """Our clock at the last fetch, for the freshness window."""


class Cache:
    """Cached projects, tasks and clients (items per scope), single answers (docs), and quota readings."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def state(self, team_id: str, user_id: str, workspace_id: int, scope: str) -> CacheState | None:
        """When this person's `scope` (projects, tasks, tasks:<pid>, …) was last fetched, or None if never."""
        where = _owner(cache_state, team_id, user_id, workspace_id, scope)
        with self._db.read() as conn:
            row = conn.execute(sa.select(cache_state.c.server_time, cache_state.c.fetched_at).where(where)).first()
        return CacheState(server_time=row.server_time, fetched_at=row.fetched_at) if row else None

    def items(self, team_id: str, user_id: str, workspace_id: int, scope: str) -> list[str]:
        """The cached items as the JSON they were stored as."""
        where = _owner(cache_items, team_id, user_id, workspace_id, scope)
        with self._db.read() as conn:
            return list(conn.execute(sa.select(cache_items.c.data).where(where).order_by(cache_items.c.item_id)).scalars())

    def merge(
        self,
        team_id: str,
        user_id: str,
        workspace_id: int,
        scope: str,
        *,
        upserts: dict[int, str],
        deletes: list[int],
        state: CacheState,
        replace: bool,
    ) -> None:
        """Apply a fetch in one transaction: `replace` drops what was there (a full fetch), else merge a `since` delta."""
        owner = {"team_id": team_id, "user_id": user_id, "workspace_id": workspace_id, "scope": scope}
        where = _owner(cache_items, team_id, user_id, workspace_id, scope)
        with self._db.write() as conn:
            self._db.take_turns(conn, f"cache:{team_id}:{user_id}:{workspace_id}:{scope}")
            if replace:
                conn.execute(sa.delete(cache_items).where(where))
            if deletes:
                conn.execute(sa.delete(cache_items).where(where, cache_items.c.item_id.in_(deletes)))
            if upserts:
                insert = self._db.insert(cache_items)
                conn.execute(
                    insert.on_conflict_do_update(index_elements=[*owner, "item_id"], set_={"data": insert.excluded.data}),
                    [{**owner, "item_id": item_id, "data": data} for item_id, data in upserts.items()],
                )
            insert = self._db.insert(cache_state)
            conn.execute(
                insert.values(**owner, server_time=state.server_time, fetched_at=state.fetched_at).on_conflict_do_update(
                    index_elements=list(owner),
                    set_={"server_time": insert.excluded.server_time, "fetched_at": insert.excluded.fetched_at},
                )
            )

    def patch_items(
        self,
        team_id: str,
        workspace_id: int,
        scope_prefix: str,
        item_id: int,
        change: Callable[[dict[str, Any]], bool],
        *,
        fetched_before: float | None = None,
    ) -> int:
        """Change one item in every copy of a team's people that holds it (a webhook delivery told of it); `change`
        edits the item's JSON in place and says whether it changed. Copies that lack the item stay without it:
        a delivery never shows anyone a project their own list did not have. With `fetched_before`, only copies
        fetched before that moment (or in its second: Toggl's times are whole seconds) change: one fetched later
        already has what the delivery tells (a delivery Toggl held back must not count twice). Returns how many
        copies changed."""
        where = sa.and_(
            cache_items.c.team_id == team_id,
            cache_items.c.workspace_id == workspace_id,
            cache_items.c.scope.startswith(scope_prefix),
            cache_items.c.item_id == item_id,
        )
        if fetched_before is not None:
            owners = [
                cache_state.c[column] == cache_items.c[column] for column in ("team_id", "user_id", "workspace_id", "scope")
            ]
            older = sa.select(cache_state.c.team_id).where(*owners, cache_state.c.fetched_at <= fetched_before)
            where = sa.and_(where, older.exists())
        changed = 0
        with self._db.write() as conn:
            rows = conn.execute(sa.select(cache_items).where(where)).mappings().all()
            for row in rows:
                try:
                    data = json.loads(row["data"])
                except ValueError:
                    continue
                if isinstance(data, dict) and change(data):
                    key = [cache_items.c[column] == row[column] for column in ("team_id", "user_id", "scope")]
                    conn.execute(sa.update(cache_items).where(where, *key).values(data=json.dumps(data)))
                    changed += 1
        return changed

    def doc(self, team_id: str, user_id: str, name: str) -> tuple[str, float] | None:
        """A cached single answer (`me`, `workspaces`) and when it was fetched."""
        where = sa.and_(cache_docs.c.team_id == team_id, cache_docs.c.user_id == user_id, cache_docs.c.name == name)
        with self._db.read() as conn:
            row = conn.execute(sa.select(cache_docs.c.data, cache_docs.c.fetched_at).where(where)).first()
        return (row.data, row.fetched_at) if row else None

    def put_doc(self, team_id: str, user_id: str, name: str, data: str, fetched_at: float) -> None:
        insert = self._db.insert(cache_docs)
        statement = insert.values(
            team_id=team_id, user_id=user_id, name=name, data=data, fetched_at=fetched_at
        ).on_conflict_do_update(
            index_elements=["team_id", "user_id", "name"],
            set_={"data": insert.excluded.data, "fetched_at": insert.excluded.fetched_at},
        )
        with self._db.write() as conn:
            conn.execute(statement)

    def forget_docs(self, team_id: str, user_id: str, prefix: str) -> None:
        """Forget the person's documents whose name starts with `prefix` (reports a new timer made stale)."""
        where = sa.and_(
            cache_docs.c.team_id == team_id, cache_docs.c.user_id == user_id, cache_docs.c.name.startswith(prefix)
        )
        with self._db.write() as conn:
            conn.execute(sa.delete(cache_docs).where(where))

    def clear(self, team_id: str, user_id: str | None = None) -> None:
        """Forget everything cached for a person (or, with no user, for a whole Slack team)."""
        with self._db.write() as conn:
            for table in (cache_items, cache_state, cache_docs):
                where = table.c.team_id == team_id
                if user_id is not None:
                    where = sa.and_(where, table.c.user_id == user_id)
                conn.execute(sa.delete(table).where(where))

    # -- quota readings --------------------------------------------------------------------------

    def quota(self, token_key: str) -> Quota | None:
        """The latest `X-Toggl-Quota-*` reading any instance saw for this token (keyed by its SHA-256)."""
        with self._db.read() as conn:
            row = conn.execute(sa.select(quota_readings).where(quota_readings.c.token_key == token_key)).mappings().first()
        return Quota(remaining=row["remaining"], resets_in=row["resets_in"], seen_at=row["seen_at"]) if row else None

    def put_quota(self, token_key: str, quota: Quota) -> None:
        insert = self._db.insert(quota_readings)
        values = {"remaining": quota.remaining, "resets_in": quota.resets_in, "seen_at": quota.seen_at}
        statement = insert.values(token_key=token_key, **values).on_conflict_do_update(
            index_elements=["token_key"], set_=values, where=quota_readings.c.seen_at <= quota.seen_at
        )
        with self._db.write() as conn:
            conn.execute(statement)

    def forget_quota(self, token_key: str) -> None:
        with self._db.write() as conn:
            conn.execute(sa.delete(quota_readings).where(quota_readings.c.token_key == token_key))


def _owner(table: sa.Table, team_id: str, user_id: str, workspace_id: int, scope: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        table.c.team_id == team_id, table.c.user_id == user_id, table.c.workspace_id == workspace_id, table.c.scope == scope
    )
