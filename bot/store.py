"""The database: connected people and their encrypted tokens, digest subscriptions, and the Toggl cache.

SQLite through sqlite-utils. Each thread has its own connection (kept, as opening one costs a
millisecond on every command), so request threads, workers and the scheduler never share one;
WAL mode and a busy timeout let them write at once without "database is locked". Writes start
with `BEGIN IMMEDIATE`, so two writers queue on the busy timeout instead of failing when one of
them tries to upgrade a read lock.

This module never sees a token in clear: callers hand it ciphertext from `bot.crypto`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database, Migrations

from bot.clock import Clock

BUSY_TIMEOUT_SECONDS = 30
MEMORY = Path(":memory:")
"""A database that lives in this process only and leaves no file behind (`toggl-bot ask --toggl-token`)."""

migrations = Migrations("toggl_bot")


@migrations()
def create_people(db: Database) -> None:
    db["people"].create(
        {
            "team_id": str,
            "user_id": str,
            "token_ciphertext": str,
            "token_valid": int,
            "toggl_user_id": int,
            "toggl_name": str,
            "workspace_id": int,
            "timezone": str,
            "created_at": str,
            "updated_at": str,
        },
        pk=("team_id", "user_id"),
        not_null={"team_id", "user_id", "token_ciphertext", "token_valid", "created_at", "updated_at"},
        defaults={"token_valid": 1},
    )


@migrations()
def create_digests(db: Database) -> None:
    db["subscriptions"].create(
        {
            "id": int,
            "team_id": str,
            "channel_id": str,
            "user_id": str,
            "cadence": str,
            "weekday": int,
            "at_time": str,
            "timezone": str,
            "threshold": int,
            "skip_empty": int,
            "muted": str,
            "paused_reason": str,
            "last_posted_at": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"team_id", "channel_id", "user_id", "cadence", "at_time", "timezone", "threshold", "skip_empty", "muted"},
        defaults={"threshold": 80, "skip_empty": 0, "muted": "[]"},
    )
    db["subscriptions"].create_index(["team_id", "channel_id", "user_id"], unique=True)
    db["digest_posts"].create(
        {"subscription_id": int, "slot": str, "status": str, "detail": str, "claimed_at": str},
        pk=("subscription_id", "slot"),
        not_null={"subscription_id", "slot", "status", "claimed_at"},
    )


@migrations()
def create_cache(db: Database) -> None:
    """Each person's copy of their Toggl projects and tasks, refreshed with `since`; see `bot.service`."""
    owner = {"team_id": str, "user_id": str, "workspace_id": int, "scope": str}
    owner_pk = ("team_id", "user_id", "workspace_id", "scope")
    db["cache_items"].create({**owner, "item_id": int, "data": str}, pk=(*owner_pk, "item_id"), not_null={"data"})
    db["cache_state"].create({**owner, "server_time": float, "fetched_at": float}, pk=owner_pk)
    db["cache_docs"].create(
        {"team_id": str, "user_id": str, "name": str, "data": str, "fetched_at": float},
        pk=("team_id", "user_id", "name"),
        not_null={"data", "fetched_at"},
    )


@dataclass(frozen=True)
class CacheState:
    server_time: float
    """Toggl's clock at the last fetch: the next `since=` starts here, less an overlap."""
    fetched_at: float
    """Our clock at the last fetch, for the freshness window."""


@dataclass(frozen=True)
class Person:
    """A Slack user who connected their Toggl account."""

    team_id: str
    user_id: str
    token_ciphertext: str = field(repr=False)
    token_valid: bool
    toggl_user_id: int | None
    toggl_name: str | None
    workspace_id: int | None
    timezone: str | None
    created_at: str
    updated_at: str


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


class Store:
    """All reads and writes of the app's own data.

    >>> store = Store(Path("toggl_bot.db"), clock=Clock()); store.migrate()  # doctest: +SKIP
    """

    def __init__(self, path: Path, *, clock: Clock) -> None:
        self.path = Path(path)
        self.clock = clock
        """Stamps `created_at`, `updated_at` and claims: the same clock the digest runner reads."""
        self._local = threading.local()
        self._memory_uri = f"file:toggl-bot-{uuid.uuid4().hex}?mode=memory&cache=shared"

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @contextmanager
    def _db(self) -> Iterator[Database]:
        """This thread's connection, opened on first use and kept: opening one costs about a millisecond."""
        db = getattr(self._local, "db", None)
        if db is None:
            if self.path == MEMORY:
                conn = sqlite3.connect(self._memory_uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
            else:
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
            db = self._local.db = Database(conn, execute_plugins=False)
        yield db

    @contextmanager
    def _write(self) -> Iterator[Database]:
        """A connection inside `BEGIN IMMEDIATE ... COMMIT`, rolled back if the block raises."""
        with self._db() as db:
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.conn.rollback()
                raise
            db.conn.commit()

    def migrate(self) -> None:
        """Create the file if needed, switch to WAL, and apply pending migrations. Call once at start."""
        if self.path != MEMORY:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(self.path)
        with self._db() as db:
            if self.path != MEMORY:
                db.enable_wal()
            migrations.apply(db)

    # -- people --------------------------------------------------------------------------------

    def save_person(
        self,
        team_id: str,
        user_id: str,
        *,
        token_ciphertext: str,
        toggl_user_id: int | None,
        toggl_name: str | None,
        workspace_id: int | None,
        timezone: str | None,
    ) -> Person:
        """Insert or replace a person's connection (a reconnect keeps `created_at`); returns it."""
        now = self.clock.stamp()
        with self._write() as db:
            existing = list(db.query("select created_at from people where team_id = ? and user_id = ?", [team_id, user_id]))
            db["people"].upsert(
                {
                    "team_id": team_id,
                    "user_id": user_id,
                    "token_ciphertext": token_ciphertext,
                    "token_valid": 1,
                    "toggl_user_id": toggl_user_id,
                    "toggl_name": toggl_name,
                    "workspace_id": workspace_id,
                    "timezone": timezone,
                    "created_at": existing[0]["created_at"] if existing else now,
                    "updated_at": now,
                },
                pk=("team_id", "user_id"),
            )
        person = self.get_person(team_id, user_id)
        assert person is not None
        return person

    def get_person(self, team_id: str, user_id: str) -> Person | None:
        """The person, or None when they never connected (or disconnected)."""
        with self._db() as db:
            rows = list(db.query("select * from people where team_id = ? and user_id = ?", [team_id, user_id]))
        return _person(rows[0]) if rows else None

    def set_workspace(self, team_id: str, user_id: str, workspace_id: int) -> None:
        """Make `workspace_id` the person's default for every later command."""
        self._update_person(team_id, user_id, workspace_id=workspace_id)

    def mark_token_invalid(self, team_id: str, user_id: str) -> None:
        """Remember that Toggl rejected the token, so we ask to reconnect instead of retrying it."""
        self._update_person(team_id, user_id, token_valid=0)

    def delete_person(self, team_id: str, user_id: str) -> bool:
        """Forget a person and their token; True when there was one to forget."""
        with self._write() as db:
            for table in ("cache_items", "cache_state", "cache_docs"):
                db.execute(f"delete from {table} where team_id = ? and user_id = ?", [team_id, user_id])
            cursor = db.execute("delete from people where team_id = ? and user_id = ?", [team_id, user_id])
            return cursor.rowcount > 0

    def people(self) -> list[Person]:
        """Every connected person, for maintenance such as key rotation."""
        with self._db() as db:
            return [_person(row) for row in db.query("select * from people order by team_id, user_id")]

    def replace_ciphertexts(self, ciphertexts: dict[tuple[str, str], str]) -> None:
        """Swap stored ciphertexts in one transaction, as key rotation does: all or nothing."""
        with self._write() as db:
            for (team_id, user_id), ciphertext in ciphertexts.items():
                db.execute(
                    "update people set token_ciphertext = ? where team_id = ? and user_id = ?",
                    [ciphertext, team_id, user_id],
                )

    def delete_team(self, team_id: str) -> int:
        """Forget a whole workspace (the app was uninstalled): people, tokens and subscriptions. Returns rows removed."""
        with self._write() as db:
            subs = [row["id"] for row in db.query("select id from subscriptions where team_id = ?", [team_id])]
            for sub_id in subs:
                db.execute("delete from digest_posts where subscription_id = ?", [sub_id])
            removed = db.execute("delete from subscriptions where team_id = ?", [team_id]).rowcount
            for table in ("cache_items", "cache_state", "cache_docs"):
                db.execute(f"delete from {table} where team_id = ?", [team_id])
            return removed + db.execute("delete from people where team_id = ?", [team_id]).rowcount

    # -- subscriptions ---------------------------------------------------------------------------

    def subscribe(
        self, team_id: str, channel_id: str, user_id: str, *, cadence: str, weekday: int | None, at_time: str, timezone: str
    ) -> Subscription:
        """Create the person's subscription for this channel, or change its schedule (keeping threshold and mutes)."""
        now = self.clock.stamp()
        with self._write() as db:
            existing = self._find_subscription(db, team_id, channel_id, user_id)
            values = {"cadence": cadence, "weekday": weekday, "at_time": at_time, "timezone": timezone, "updated_at": now}
            if existing is None:
                row = {"team_id": team_id, "channel_id": channel_id, "user_id": user_id, "created_at": now, **values}
                db["subscriptions"].insert(row)
            else:
                db["subscriptions"].update(existing.id, {**values, "paused_reason": None})
        found = self.subscription(team_id, channel_id, user_id)
        assert found is not None
        return found

    def subscription(self, team_id: str, channel_id: str, user_id: str) -> Subscription | None:
        """The person's subscription for this channel, if any."""
        with self._db() as db:
            return self._find_subscription(db, team_id, channel_id, user_id)

    def channel_subscriptions(self, team_id: str, channel_id: str) -> list[Subscription]:
        """Every subscription of a channel, oldest first."""
        with self._db() as db:
            rows = db.query(
                "select * from subscriptions where team_id = ? and channel_id = ? order by id", [team_id, channel_id]
            )
            return [_subscription(row) for row in rows]

    def all_subscriptions(self) -> list[Subscription]:
        with self._db() as db:
            return [_subscription(row) for row in db.query("select * from subscriptions order by id")]

    def update_subscription(self, subscription_id: int, **values: object) -> None:
        """Change settings: threshold, skip_empty, muted (a list), paused_reason, last_posted_at."""
        if "muted" in values:
            values["muted"] = json.dumps(values["muted"])
        if "skip_empty" in values:
            values["skip_empty"] = int(bool(values["skip_empty"]))
        with self._write() as db:
            db["subscriptions"].update(subscription_id, {**values, "updated_at": self.clock.stamp()})

    def pause_subscriptions_of(self, team_id: str, user_id: str, reason: str) -> None:
        """Pause every subscription the person owns (their token was rejected)."""
        with self._write() as db:
            db.execute(
                "update subscriptions set paused_reason = ?, updated_at = ? where team_id = ? and user_id = ?",
                [reason, self.clock.stamp(), team_id, user_id],
            )

    def resume_subscriptions_of(self, team_id: str, user_id: str) -> None:
        """Resume the person's paused subscriptions (they reconnected)."""
        with self._write() as db:
            db.execute(
                "update subscriptions set paused_reason = null, updated_at = ? where team_id = ? and user_id = ?",
                [self.clock.stamp(), team_id, user_id],
            )

    def unsubscribe(self, subscription_id: int) -> bool:
        """Delete a subscription and its record of posts; True if it existed."""
        with self._write() as db:
            db.execute("delete from digest_posts where subscription_id = ?", [subscription_id])
            return db.execute("delete from subscriptions where id = ?", [subscription_id]).rowcount > 0

    # -- exactly once ----------------------------------------------------------------------------

    def claim_slot(self, subscription_id: int, slot: str, status: str = "claimed") -> bool:
        """Take the right to post this slot. True for exactly one caller, across processes; False if taken."""
        try:
            with self._write() as db:
                db.execute(
                    "insert into digest_posts (subscription_id, slot, status, claimed_at) values (?, ?, ?, ?)",
                    [subscription_id, slot, status, self.clock.stamp()],
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def finish_slot(self, subscription_id: int, slot: str, status: str, detail: str = "") -> None:
        """Record how a claimed slot ended: posted, failed (with why) or skipped."""
        with self._write() as db:
            db.execute(
                "update digest_posts set status = ?, detail = ? where subscription_id = ? and slot = ?",
                [status, detail, subscription_id, slot],
            )

    def _find_subscription(self, db: Database, team_id: str, channel_id: str, user_id: str) -> Subscription | None:
        rows = list(
            db.query(
                "select * from subscriptions where team_id = ? and channel_id = ? and user_id = ?",
                [team_id, channel_id, user_id],
            )
        )
        return _subscription(rows[0]) if rows else None

    # -- the Toggl cache ---------------------------------------------------------------------------

    def cache_state(self, team_id: str, user_id: str, workspace_id: int, scope: str) -> CacheState | None:
        """When this person's `scope` (projects, tasks, tasks:<pid>) was last fetched, or None if never."""
        with self._db() as db:
            rows = list(
                db.query(
                    "select server_time, fetched_at from cache_state"
                    " where team_id = ? and user_id = ? and workspace_id = ? and scope = ?",
                    [team_id, user_id, workspace_id, scope],
                )
            )
        return CacheState(**rows[0]) if rows else None

    def cache_items(self, team_id: str, user_id: str, workspace_id: int, scope: str) -> list[str]:
        """The cached items as the JSON they were stored as."""
        with self._db() as db:
            rows = db.query(
                "select data from cache_items where team_id = ? and user_id = ? and workspace_id = ? and scope = ?",
                [team_id, user_id, workspace_id, scope],
            )
            return [row["data"] for row in rows]

    def cache_merge(
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
        owner = [team_id, user_id, workspace_id, scope]
        where = "team_id = ? and user_id = ? and workspace_id = ? and scope = ?"
        with self._write() as db:
            if replace:
                db.execute(f"delete from cache_items where {where}", owner)
            for item_id in deletes:
                db.execute(f"delete from cache_items where {where} and item_id = ?", [*owner, item_id])
            db.conn.executemany(
                "insert or replace into cache_items (team_id, user_id, workspace_id, scope, item_id, data)"
                " values (?, ?, ?, ?, ?, ?)",
                [(*owner, item_id, data) for item_id, data in upserts.items()],
            )
            db.execute(
                "insert or replace into cache_state (team_id, user_id, workspace_id, scope, server_time, fetched_at)"
                " values (?, ?, ?, ?, ?, ?)",
                [*owner, state.server_time, state.fetched_at],
            )

    def cache_doc(self, team_id: str, user_id: str, name: str) -> tuple[str, float] | None:
        """A cached single answer (`me`, `workspaces`) and when it was fetched."""
        with self._db() as db:
            rows = list(
                db.query(
                    "select data, fetched_at from cache_docs where team_id = ? and user_id = ? and name = ?",
                    [team_id, user_id, name],
                )
            )
        return (rows[0]["data"], rows[0]["fetched_at"]) if rows else None

    def put_cache_doc(self, team_id: str, user_id: str, name: str, data: str, fetched_at: float) -> None:
        with self._write() as db:
            db.execute(
                "insert or replace into cache_docs (team_id, user_id, name, data, fetched_at) values (?, ?, ?, ?, ?)",
                [team_id, user_id, name, data, fetched_at],
            )

    def clear_cache(self, team_id: str, user_id: str) -> None:
        """Forget everything cached for a person (they disconnected, or connected another account)."""
        with self._write() as db:
            for table in ("cache_items", "cache_state", "cache_docs"):
                db.execute(f"delete from {table} where team_id = ? and user_id = ?", [team_id, user_id])

    def _update_person(self, team_id: str, user_id: str, **values: object) -> None:
        with self._write() as db:
            db["people"].update((team_id, user_id), {**values, "updated_at": self.clock.stamp()})


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner alone (0600), before SQLite opens it.

    It holds people's names, e-mail addresses and project data. SQLite gives its `-wal` and `-shm`
    files the mode of the database file, so they are private too.
    """
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _subscription(row: dict) -> Subscription:
    return Subscription(**{**row, "skip_empty": bool(row["skip_empty"]), "muted": json.loads(row["muted"] or "[]")})


def _person(row: dict) -> Person:
    return Person(**{**row, "token_valid": bool(row["token_valid"])})
