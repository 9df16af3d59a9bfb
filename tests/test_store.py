"""The store: people and their encrypted tokens, WAL and concurrent writers, and the key file."""

from __future__ import annotations

import logging
import stat
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.clock import FrozenClock
from bot.crypto import TokenCipher, UnreadableToken, cipher_from, key_file_for
from bot.store import Store, head_revision
from tests.stored import count_rows


def save(store: Store, user: str = "U1", ciphertext: str = "ct", workspace: int = 5) -> None:
    store.people.save(
        "T1", user, token_ciphertext=ciphertext, toggl_user_id=7, toggl_name="Ada", workspace_id=workspace, timezone="UTC"
    )


def test_save_get_update_delete(store: Store) -> None:
    save(store)
    person = store.people.get("T1", "U1")
    assert person is not None and person.workspace_id == 5 and person.token_valid
    store.people.set_workspace("T1", "U1", 9)
    store.people.mark_token_invalid("T1", "U1")
    person = store.people.get("T1", "U1")
    assert person is not None and person.workspace_id == 9 and not person.token_valid
    assert store.people.get("T1", "U2") is None
    assert store.people.delete("T1", "U1") is True
    assert store.people.delete("T1", "U1") is False
    assert store.people.get("T1", "U1") is None


def test_reconnect_keeps_created_at_and_revalidates(store: Store) -> None:
    save(store)
    first = store.people.get("T1", "U1")
    store.people.mark_token_invalid("T1", "U1")
    save(store, ciphertext="new")
    again = store.people.get("T1", "U1")
    assert first and again and again.created_at == first.created_at and again.token_valid


def test_people_are_keyed_by_team_and_user(store: Store) -> None:
    save(store, "U1", "a")
    store.people.save("T2", "U1", token_ciphertext="b", toggl_user_id=8, toggl_name="Bo", workspace_id=1, timezone=None)
    assert store.people.get("T1", "U1").token_ciphertext == "a"  # type: ignore[union-attr]  # a None fails the test all the same
    assert store.people.get("T2", "U1").token_ciphertext == "b"  # type: ignore[union-attr]  # a None fails the test all the same


def test_migrations_are_idempotent(store: Store) -> None:
    store.migrate()
    assert store.db.revision() == head_revision()
    assert count_rows(store, "people") == 0


def test_sqlite_is_in_wal_mode(db_path: Path, clock: FrozenClock) -> None:
    store = Store(f"sqlite:///{db_path}", clock=clock)
    store.migrate()
    with store.db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_concurrent_writers_never_meet_a_locked_database(store: Store) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for round_ in range(5):
                save(store, f"U{n}", f"ct-{n}-{round_}", workspace=round_)
                store.people.set_workspace("T1", f"U{n}", 100 + round_)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    people = store.people.all()
    assert len(people) == 50
    assert {p.workspace_id for p in people} == {104}


def test_person_repr_hides_the_ciphertext(store: Store) -> None:
    save(store, ciphertext="secret-cipher-text")
    assert "secret-cipher-text" not in repr(store.people.get("T1", "U1"))


def test_cipher_round_trip_and_rotation() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    stored = TokenCipher([old]).encrypt("canary-55e1")
    rotated_cipher = TokenCipher([new, old])
    assert rotated_cipher.decrypt(stored) == "canary-55e1"
    rotated = rotated_cipher.rotate(stored)
    assert TokenCipher([new]).decrypt(rotated) == "canary-55e1"
    with pytest.raises(UnreadableToken) as caught:
        TokenCipher([Fernet.generate_key()]).decrypt(stored)
    assert "canary-55e1" not in str(caught.value)


def test_key_file_is_made_once_with_mode_0600_and_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    database = tmp_path / "bot.db"
    first = cipher_from(None, database)
    key_file = key_file_for(database)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len([r for r in caplog.records if "key file" in r.getMessage()]) == 1
    second = cipher_from(None, database)
    assert second.decrypt(first.encrypt("tok")) == "tok"  # the same key is read back


def test_configured_keys_need_no_file(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    cipher = cipher_from(f"{key}, {Fernet.generate_key().decode()}", tmp_path / "bot.db")
    assert TokenCipher([key.encode()]).decrypt(cipher.encrypt("tok")) == "tok"
    assert not key_file_for(tmp_path / "bot.db").exists()


def test_the_database_and_its_wal_files_are_private(db_path: Path, clock: FrozenClock) -> None:
    store = Store(f"sqlite:///{db_path}", clock=clock)
    store.migrate()
    save(store)  # a write, so SQLite makes its -wal and -shm files
    files = [db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")]
    assert all(path.exists() for path in files)
    assert {oct(stat.S_IMODE(path.stat().st_mode)) for path in files} == {"0o600"}


def test_rows_are_stamped_by_the_clock_passed_in(store: Store, clock: FrozenClock) -> None:
    save(store)
    assert store.people.get("T1", "U1").created_at == clock.stamp()  # type: ignore[union-attr]  # a None fails the test all the same
    clock.advance(days=400)
    store.people.set_workspace("T1", "U1", 9)
    person = store.people.get("T1", "U1")
    assert person is not None and person.updated_at == clock.stamp() != person.created_at


def test_a_runner_name_fits_its_column_whatever_the_host_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found in review: a long host name (a container's) overflowed `owner`, and every claim failed on PostgreSQL."""
    from bot.store.leases import OWNER_LENGTH, runner_name

    monkeypatch.setattr("socket.gethostname", lambda: "h" * 200)
    assert len(runner_name()) <= OWNER_LENGTH


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_leaves_no_file(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FrozenClock
) -> None:
    """SQLAlchemy spells an in-memory SQLite database both ways; the second once made a file named `:memory:`."""
    monkeypatch.chdir(tmp_path)
    store = Store(url, clock=clock)
    store.migrate()
    assert list(tmp_path.iterdir()) == []


def test_the_commits_acks_wait_for_never_checkpoint_and_ordinary_commits_still_do(tmp_path: Path) -> None:
    """Issue 23: SQLite copies its write-ahead log back into the file in whichever commit finds the log over
    1,000 pages; when that was an ack's group commit, the whole burst waited 8 ms more."""
    from bot.store.engine import Database

    db = Database(f"sqlite:///{tmp_path / 'acks.db'}")
    try:
        with db.write() as conn:
            conn.exec_driver_sql("CREATE TABLE blobs (b BLOB)")
        for _ in range(300):  # about 1,200 pages of log
            db.together(lambda conn: conn.exec_driver_sql("INSERT INTO blobs VALUES (randomblob(16000))"))
        file = tmp_path / "acks.db"
        assert (tmp_path / "acks.db-wal").stat().st_size > 1100 * 4096  # the log grew past 1,000 pages: never copied
        assert file.stat().st_size < 100_000
        with db.write() as conn:
            conn.exec_driver_sql("INSERT INTO blobs VALUES (x'00')")
        assert file.stat().st_size > 300 * 16000  # the next ordinary commit copied it back
    finally:
        db.dispose()


def test_the_minutes_prune_checkpoints_what_only_the_acks_wrote(tmp_path: Path, clock: FrozenClock) -> None:
    """Found in review: requests whose only write is their key (events, buttons) never checkpointed the log, and
    a prune that deletes nothing writes nothing, so it did not either: the log could grow for ever."""
    from bot.store.engine import Database
    from bot.store.seen import SeenRequests

    db = Database(f"sqlite:///{tmp_path / 'keys.db'}")
    try:
        db.migrate()
        seen = SeenRequests(db, clock)
        for n in range(300):
            assert seen.first_time(f"event:{n}")
        assert seen._prune_lock.acquire(timeout=10)  # as `_maybe_prune` does before it starts the prune
        before = (tmp_path / "keys.db").stat().st_size
        seen._prune(clock.time())
        with db.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM seen_requests").scalar() == 300  # nothing to delete
        assert (tmp_path / "keys.db").stat().st_size > before  # yet the keys were copied into the file
    finally:
        db.dispose()
