"""The database: connected people with their encrypted tokens (and, later, subscriptions and caches).

SQLite through sqlite-utils. Every public function opens its own connection, so Bolt's worker
threads and the scheduler never share one; WAL mode and a busy timeout let them write at once
without "database is locked". Writes start with `BEGIN IMMEDIATE`, so two writers queue on the
busy timeout instead of failing when one of them tries to upgrade a read lock.

This module never sees a token in clear: callers hand it ciphertext from `bot.crypto`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database, Migrations

BUSY_TIMEOUT_SECONDS = 30

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


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """All reads and writes of the app's own data.

    >>> store = Store(Path("toggl_bot.db")); store.migrate()  # doctest: +SKIP
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @contextmanager
    def _db(self) -> Iterator[Database]:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
            yield Database(conn, execute_plugins=False)
        finally:
            conn.close()

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
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
        now = _now()
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

    def _update_person(self, team_id: str, user_id: str, **values: object) -> None:
        with self._write() as db:
            db["people"].update((team_id, user_id), {**values, "updated_at": _now()})


def _person(row: dict) -> Person:
    return Person(**{**row, "token_valid": bool(row["token_valid"])})
