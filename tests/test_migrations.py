"""Migrations: a 0.1.0 database upgraded in place with nothing lost, several instances migrating at once,
and a schema that matches what the code queries, on both engines."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.store import Store, head_revision
from bot.store.engine import Database
from bot.store.schema import metadata
from tests.databases import ENGINE_PARAMS, PostgresServer
from tests.test_cli import run

LEGACY_DB = Path(__file__).parent / "data" / "toggl_bot-0.1.0.db"
LEGACY_KEY = "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg="
"""The key the 0.1.0 file's tokens were encrypted with (a test key, used nowhere else)."""


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    """A copy of a database made by version 0.1.0 (sqlite-utils), with people, digests, slots and a cache."""
    path = tmp_path / "toggl_bot.db"
    shutil.copy(LEGACY_DB, path)
    return path


def test_a_0_1_0_database_is_upgraded_in_place_with_nothing_lost(legacy: Path, clock: FrozenClock) -> None:
    result = run(["migrate"], legacy.parent, DATABASE_URL=f"sqlite:///{legacy}", TOKEN_ENCRYPTION_KEY=LEGACY_KEY)
    assert result.returncode == 0, result.stderr
    assert f"Database at revision {head_revision()}" in result.stdout

    store = Store(f"sqlite:///{legacy}", clock=clock)
    cipher = TokenCipher([LEGACY_KEY.encode()])
    ada, bo = store.people.all()
    assert cipher.decrypt(ada.token_ciphertext) == "tok-ada-0001" and ada.token_valid
    assert ada.toggl_user_id == 6_000_000_001 and ada.workspace_id == 5_000_000_001 and ada.timezone == "Europe/Berlin"
    assert cipher.decrypt(bo.token_ciphertext) == "tok-bo-0002" and not bo.token_valid

    weekdays, weekly = store.subscriptions.all()
    assert (weekdays.channel_id, weekdays.threshold, weekdays.skip_empty) == ("C1", 70, True)
    assert weekdays.muted == [{"id": 11, "name": "Retainer"}] and weekdays.last_posted_at == "2026-11-20T08:00:00+00:00"
    assert (weekly.cadence, weekly.weekday, weekly.at_time, weekly.timezone) == ("weekly", 0, "17:30", "America/New_York")
    assert weekly.paused_reason == "Toggl rejected the subscriber's token"

    posted, stuck = store.subscriptions.leases.slots(weekdays.id)
    assert (posted.slot, posted.status) == ("2026-11-20T08:00Z", "posted")
    assert (stuck.slot, stuck.status, stuck.lease_expires_at) == ("2026-11-23T08:00Z", "claimed", 0)
    # the crashed run's slot is not lost
    assert store.subscriptions.leases.claim(weekdays.id, stuck.slot, "a new runner", 60)
    assert not store.subscriptions.leases.claim(weekdays.id, posted.slot, "a new runner", 60)

    assert store.cache.items("T1", "U1", 5_000_000_001, "projects") == ['{"id": 9000000001, "name": "Website"}']
    assert store.cache.doc("T1", "U1", "me") is not None
    with store.db.read() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert not {t for t in tables if t.startswith(("legacy_", "_sqlite"))} and "digest_posts" not in tables

    again = run(["migrate"], legacy.parent, DATABASE_URL=f"sqlite:///{legacy}", TOKEN_ENCRYPTION_KEY=LEGACY_KEY)
    assert "(up to date)" in again.stdout


def test_the_migrated_schema_has_exactly_the_columns_the_code_queries(store: Store) -> None:
    with store.db.read() as conn:
        inspector = sa.inspect(conn)
        for table in metadata.sorted_tables:
            found = {c["name"] for c in inspector.get_columns(table.name)}
            assert found == set(table.columns.keys()), table.name


def test_toggl_ids_are_64_bit_and_flags_are_booleans(store: Store) -> None:
    store.people.save("T1", "U1", token_ciphertext="ct", toggl_user_id=2**62, toggl_name=None, workspace_id=2**40,
                      timezone=None)  # fmt: skip
    store.people.mark_token_invalid("T1", "U1")
    person = store.people.get("T1", "U1")
    assert person is not None and person.toggl_user_id == 2**62 and person.token_valid is False


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_four_processes_migrating_one_empty_database_at_once_all_succeed(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server: PostgresServer | None = request.getfixturevalue("postgres") if engine == "postgresql" else None
    database_url = server.new_database(empty=True) if server else f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {"DATABASE_URL": database_url, "TOKEN_ENCRYPTION_KEY": LEGACY_KEY}

    def migrate(_: int) -> subprocess.CompletedProcess[str]:
        return run(["migrate"], tmp_path, **env)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(migrate, range(4)))
    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr[-500:] for r in results]
    store = Store(database_url, clock=FrozenClock(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)))
    assert store.db.revision() == head_revision()
    store.db.dispose()
    if server is not None:
        server.drop(database_url)


def test_instances_opening_a_new_sqlite_file_together_never_find_it_locked(tmp_path: Path) -> None:
    """Switching a new file to WAL needs it to itself, and SQLite says "locked" at once rather than wait
    when that could deadlock; one start in fifteen of two instances failed so. Many rounds, four openers."""
    for round_ in range(25):
        url = f"sqlite:///{tmp_path / f'new{round_}.db'}"
        start = threading.Barrier(4)

        def open_and_migrate(_: int, url: str = url, start: threading.Barrier = start) -> str:
            db = Database(url)
            start.wait()
            try:
                db.migrate()
                with db.read() as conn:
                    return str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
            finally:
                db.dispose()

        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(open_and_migrate, range(4))) == ["wal"] * 4


def test_a_deployment_moves_from_sqlite_to_another_database_with_copy_data(
    legacy: Path, database_url: str, clock: FrozenClock
) -> None:
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{legacy.parent / 'moved.db'}"
    env = {"DATABASE_URL": database_url, "TOKEN_ENCRYPTION_KEY": LEGACY_KEY}
    result = run(["copy-data", "--from", f"sqlite:///{legacy}"], legacy.parent, **env)
    assert result.returncode == 0, result.stderr
    assert "people: 2 rows" in result.stdout and "subscriptions: 2 rows" in result.stdout

    moved = Store(database_url, clock=clock)
    ada = moved.people.get("T1", "U1")
    assert ada is not None and TokenCipher([LEGACY_KEY.encode()]).decrypt(ada.token_ciphertext) == "tok-ada-0001"
    old_ids = [s.id for s in moved.subscriptions.all()]
    new = moved.subscriptions.subscribe("T1", "C9", "U1", cadence="daily", weekday=None, at_time="08:00", timezone="UTC")
    assert new.id > max(old_ids)  # the id sequence moved past the copied rows
    moved.db.dispose()

    again = run(["copy-data", "--from", f"sqlite:///{legacy}"], legacy.parent, **env)
    assert again.returncode == 2 and "nothing copied" in again.stderr and "Traceback" not in again.stderr


def test_a_database_migrated_by_a_newer_version_is_said_in_one_line(legacy: Path, tmp_path: Path) -> None:
    """Found in review: after a rolled-back deploy, migrate failed with two tracebacks, and doctor said to migrate."""
    env = {"DATABASE_URL": f"sqlite:///{legacy}", "TOKEN_ENCRYPTION_KEY": LEGACY_KEY}
    assert run(["migrate"], tmp_path, **env).returncode == 0
    engine = sa.create_engine(f"sqlite:///{legacy}")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    engine.dispose()
    result = run(["migrate"], tmp_path, **env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "at migration 0099, which this version of toggl-bot does not know" in result.stderr
    doctor = run(["doctor"], tmp_path, **env)
    assert "newer than this version knows" in doctor.stdout
