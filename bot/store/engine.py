"""The database connection: one SQLAlchemy engine per process, SQLite or PostgreSQL, and its migrations.

The same Core statements run on both engines. What differs is set up here and nowhere else:

- SQLite (the embedded default, no set-up): WAL, a busy timeout, and `BEGIN IMMEDIATE` for writes, so
  two writers queue instead of failing when one of them upgrades a read lock. The file is made 0600
  before SQLite opens it; SQLite gives its `-wal` and `-shm` files the same mode.
- PostgreSQL (`postgresql://` or Heroku's `postgres://`): psycopg 3, a pool sized per process
  (`DATABASE_POOL_SIZE` kept, `DATABASE_MAX_OVERFLOW` more at a peak; see docs/operations.md), and
  migrations under an advisory lock so several instances starting at once do not race.

Connections come from a pool and go back after each unit of work, so the digest's hundred threads
share a handful of connections, and a connection that broke (a database that was read-only or
restarted for a moment) is replaced instead of kept.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from bot import metrics

BUSY_TIMEOUT_SECONDS = 30
log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 7_416_817_305
"""The PostgreSQL advisory lock key that serialises migrations (any constant our app alone uses)."""
POOL_SIZE = 5
"""Connections a process keeps open to PostgreSQL (`DATABASE_POOL_SIZE`)."""
MAX_OVERFLOW = 10
"""Connections it may open beyond those at a peak, closed again once returned (`DATABASE_MAX_OVERFLOW`)."""
MEMORY_URL = "sqlite://"
"""A database that lives in this process only and leaves no file behind (`toggl-bot ask --toggl-token`)."""


T = TypeVar("T")


class DatabaseTooNew(Exception):
    """The database was migrated by a newer version of the app (a deploy was rolled back): one line says so."""


class BadDatabaseUrl(ValueError):
    """`DATABASE_URL` is neither `sqlite:///…` nor `postgresql://…` / `postgres://…`."""


def engine_url(database_url: str) -> URL:
    """The SQLAlchemy URL for a `DATABASE_URL`; `postgres://` (Heroku's spelling) becomes psycopg 3's.

    >>> engine_url("postgres://u:p@db:5432/app").drivername
    'postgresql+psycopg'
    """
    if database_url in (MEMORY_URL, "sqlite:///:memory:"):  # SQLAlchemy's own spelling was a file named `:memory:`
        return make_url(MEMORY_URL)
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if database_url.startswith(prefix):
            return make_url("postgresql+psycopg://" + database_url.removeprefix(prefix))
    if database_url.startswith("sqlite:///") and len(database_url) > len("sqlite:///"):
        return make_url(database_url)
    raise BadDatabaseUrl(
        "DATABASE_URL must be sqlite:///path/to/file.db (the default is sqlite:///toggl_bot.db) "
        "or postgresql://user:password@host:5432/database"
    )


def sqlite_path(database_url: str) -> Path | None:
    """The file of a `sqlite:///` URL (relative to the working directory), or None for another engine."""
    url = engine_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database)


class Database:
    """One engine and its pool, with transactions that mean the same on both engines.

    >>> db = Database("sqlite:///toggl_bot.db"); db.migrate()  # doctest: +SKIP
    >>> with db.write() as conn: conn.execute(...)  # doctest: +SKIP
    """

    def __init__(
        self, database_url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW, pool_timeout: float = 10
    ) -> None:
        self.url = engine_url(database_url)
        self.dialect = self.url.get_backend_name()
        self.max_connections = 0
        """The most connections this engine opens at once (its pool and the overflow): what the sizing formula
        in docs/operations.md counts per pool. Set by `_make_engine`."""
        self.engine = self._make_engine(pool_size, max_overflow, pool_timeout)
        self._urgent_engine = self._make_urgent_engine()
        """What `together` commits on: on a SQLite file, a connection of its own that never checkpoints (below)."""
        # Connections in use, for `toggl_bot_db_connections_in_use` (bot.metrics): near `max_connections`, requests wait.
        for engine in self.engines:
            sa.event.listen(engine, "checkout", lambda *_: metrics.connection_checked(1))
            sa.event.listen(engine, "checkin", lambda *_: metrics.connection_checked(-1))
        self._writers: WriterTurns | None = None if self.is_postgres else WriterTurns()
        """SQLite has one writer at a time. Threads of this process queue for it here, handing over at once,
        rather than in SQLite's busy handler, which sleeps 1, 2, 5 … 100 ms between tries under load; writes
        an acknowledgement waits for (`together`) go first."""
        self._together = GroupCommit(self)

    def __repr__(self) -> str:
        return f"Database({self!s})"

    def __str__(self) -> str:
        """The URL as an operator wrote it, password hidden: for messages and logs."""
        return repr(self.url.render_as_string(hide_password=True))

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def _make_engine(self, pool_size: int, max_overflow: int, pool_timeout: float) -> Engine:
        if self.is_postgres:
            self.max_connections = pool_size + max_overflow
            engine = sa.create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_timeout=pool_timeout,
                pool_pre_ping=True,
                connect_args={"connect_timeout": 5, "application_name": "toggl-bot"},
            )
            sa.event.listen(engine, "handle_error", _renew_after_read_only)
            return engine
        if self.url.database:
            path = Path(self.url.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(path)
            # SQLite connections cost a file handle, not a server slot: more of them, so threads queue on the write lock.
            self.max_connections = max(pool_size, 8) + max_overflow * 3
            engine = sa.create_engine(
                self.url,
                pool_size=max(pool_size, 8),
                max_overflow=max_overflow * 3,
                pool_timeout=pool_timeout,
                pool_pre_ping=True,
                connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            sa.event.listen(engine, "connect", _sqlite_wal)
        else:  # in memory: one connection shared by every thread, or each would see an empty database
            self.max_connections = 1
            engine = sa.create_engine(self.url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_connected)
        sa.event.listen(engine, "begin", _sqlite_begin)
        sa.event.listen(engine, "handle_error", _renew_after_read_only)
        return engine

    def _make_urgent_engine(self) -> Engine:
        """On a SQLite file, one connection for the writes an acknowledgement waits for (`together`), which never
        checkpoints the write-ahead log. SQLite copies the log back into the file, and syncs it, in whichever commit
        finds the log over 1,000 pages: the answers' cache writes fill it, and an ack's commit that came next took
        8 ms more, the whole burst behind it (`bench.ack_floor`). Every other connection still checkpoints (never
        inside an ack's own commit), and the minute's prune of request keys checkpoints too (`checkpoint`).

        It is not pinged on checkout either: a file does not drop a connection (a read-only one is thrown away
        by `_renew_after_read_only`), and on an ack's path each statement waits for the GIL again."""
        if self.is_postgres or not self.url.database:
            return self.engine
        engine = sa.create_engine(
            self.url,
            pool_size=1,
            max_overflow=0,  # one `together` batch at a time: its leader alone writes
            pool_pre_ping=False,
            connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        sa.event.listen(engine, "connect", _sqlite_wal)
        sa.event.listen(engine, "connect", _sqlite_connected)
        sa.event.listen(engine, "connect", _never_checkpoint)
        sa.event.listen(engine, "begin", _sqlite_begin)
        sa.event.listen(engine, "handle_error", _renew_after_read_only)
        return engine

    # -- units of work -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads; its transaction is rolled back at the end (nothing is written)."""
        with self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction for writes: committed at the end, rolled back if the block raises.

        On SQLite it starts with `BEGIN IMMEDIATE`, taking the write lock at once (waiting up to the busy
        timeout), so a read-then-write never fails half-way when another writer got there first.
        """
        with self._write(urgent=False) as conn:
            yield conn

    @contextlib.contextmanager
    def _write(self, *, urgent: bool) -> Iterator[Connection]:
        turn = self._writers.turn(urgent=urgent) if self._writers is not None else contextlib.nullcontext()
        with turn, (self._urgent_engine if urgent else self.engine).connect() as conn:
            conn.execution_options(immediate=True)
            with conn.begin():
                yield conn

    def together(self, write: Callable[[Connection], T]) -> T:
        """`write(conn)` in a transaction shared with the `together` writes of other threads waiting meanwhile,
        ahead of this process's other writes; its result, or its error.

        For the writes an acknowledgement waits for (a request's key, its hold): forty at once were forty
        transactions queued one behind the other, and behind the work pool's, on SQLite's single writer (p99
        338 ms in `bench.ack_floor`). One at a time, it is one transaction, as `write` would be.

        >>> db.together(lambda conn: conn.execute(insert(...)).first() is not None)  # doctest: +SKIP
        True
        """
        return self._together.run(write)

    def take_turns(self, conn: Connection, name: str) -> None:
        """Make transactions that write the same thing (`name`) take turns, until this one ends.

        Two refreshes of one person's project list, each deleting and re-inserting the same rows in its own
        order, deadlocked on PostgreSQL; a transaction-scoped advisory lock on the name serializes them. SQLite
        has one writer at a time already."""
        if self.is_postgres:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})

    def insert(self, table: sa.Table) -> Any:
        """An INSERT that can say `ON CONFLICT … DO NOTHING / DO UPDATE … RETURNING` on either engine."""
        return (postgresql.insert if self.is_postgres else sqlite.insert)(table)

    def ping(self) -> None:
        """Raises if the database does not answer a trivial query."""
        with self.read() as conn:
            conn.execute(sa.text("SELECT 1"))

    # -- schema ------------------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest revision. Safe to call from several processes at once."""
        with self.write() as conn:
            if self.is_postgres:  # the others wait here, then find nothing left to do
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            before = _revision(conn)
            if before is not None and before not in known_revisions():
                raise DatabaseTooNew(
                    f"the database is at migration {before}, which this version of toggl-bot does not know (its newest "
                    f"is {head_revision()}): it was migrated by a newer version; run that version, or restore a backup"
                )
            command.upgrade(_alembic_config(conn), "head")
            after = _revision(conn)
        if before != after and self.url.database:
            log.info("Migrated the database from %s to revision %s", before or "nothing", after)

    def revision(self) -> str | None:
        """The migration the database is at (Alembic's revision id), or None before the first."""
        with self.read() as conn:
            return _revision(conn)

    def checkpoint(self) -> None:
        """On a SQLite file, copy the write-ahead log back into the file now (a passive checkpoint: no writer or
        reader waits for it). The acks' connection never checkpoints, and an ordinary commit does only when it
        wrote something: requests whose only write is their key (events, buttons) could grow the log for ever."""
        if self._urgent_engine is not self.engine:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every engine connections come from: `engine`, and on a SQLite file the acks' own (`_make_urgent_engine`)."""
        return (self.engine,) if self._urgent_engine is self.engine else (self.engine, self._urgent_engine)

    def dispose(self) -> None:
        """Close every pooled connection (a database restart does the same to them)."""
        for engine in self.engines:
            engine.dispose()


class WriterTurns:
    """One writer at a time in this process, taking turns in the order they came, except that an urgent writer
    (one an acknowledgement waits for) goes before every other waiting writer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._urgent = threading.Condition(self._lock)
        self._others = threading.Condition(self._lock)
        self._busy = False
        self._urgent_waiting = 0

    @contextlib.contextmanager
    def turn(self, *, urgent: bool = False) -> Iterator[None]:
        with self._lock:
            if urgent:
                self._urgent_waiting += 1
                try:
                    self._urgent.wait_for(lambda: not self._busy)
                finally:
                    self._urgent_waiting -= 1
            else:
                self._others.wait_for(lambda: not self._busy and not self._urgent_waiting)
            self._busy = True
        try:
            yield
        finally:
            with self._lock:
                self._busy = False
                # Wake one waiter, not all: sixteen threads woken to find the turn taken cost the GIL for nothing.
                (self._urgent if self._urgent_waiting else self._others).notify()


class _Waiting:
    """One thread's write in a `GroupCommit`: done (with a result or an error), or asked to lead the next batch."""

    __slots__ = ("done", "error", "lead", "result", "wake", "write")

    def __init__(self, write: Callable[[Connection], Any]) -> None:
        self.write = write
        self.wake = threading.Lock()
        """Held until the write is done or must lead: a bare lock, released once, is the cheapest wake-up."""
        self.wake.acquire()
        self.lead = False
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit:
    """Writes from many threads committed in one transaction: whichever thread finds no batch under way commits
    its own and every write that queued meanwhile, then hands the lead to the first write that queued behind it.

    No thread of its own, and no waiting to gather a batch: a write alone is committed at once. When a batch
    fails, each of its writes is tried again alone, so that one write's error is its own.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False

    def run(self, write: Callable[[Connection], T]) -> T:
        me = _Waiting(write)
        with self._lock:
            self._queue.append(me)
            if not self._leading:
                self._leading = me.lead = True
        if not me.lead:
            me.wake.acquire()
        if not me.done:
            self._commit()
        if me.error is not None:
            raise me.error
        result: T = me.result
        return result

    def _commit(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            try:
                with self._db._write(urgent=True) as conn:
                    results = [waiting.write(conn) for waiting in batch]
                for waiting, result in zip(batch, results, strict=True):
                    waiting.result = result
            except Exception as error:
                if len(batch) == 1:
                    batch[0].error = error
                else:
                    for waiting in batch:
                        try:
                            with self._db._write(urgent=True) as conn:
                                waiting.result = waiting.write(conn)
                        except Exception as alone:
                            waiting.error = alone
            except BaseException as error:  # an interrupt: every write of the batch fails with it
                for waiting in batch:
                    waiting.error = error
                raise
        finally:
            with self._lock:
                following = self._queue[0] if self._queue else None
                if following is None:
                    self._leading = False
                else:
                    following.lead = True
            for waiting in batch:  # each one's lock is held here: since it was made, or again by its own wait
                waiting.done = True
                waiting.wake.release()
            if following is not None:
                following.wake.release()


def head_revision() -> str:
    """The newest migration this version of the app knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_alembic_config(None)).walk_revisions()}


def _revision(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _alembic_config(conn: Connection | None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner alone (0600) before SQLite opens it.

    It holds people's names, e-mail addresses and project data.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


READ_ONLY_ERRORS = ("readonly database", "read-only transaction", "read only transaction")


def _renew_after_read_only(context: sa.engine.ExceptionContext) -> None:
    """Treat "the database is read-only" like a lost connection: throw the pool's connections away.

    A connection opened while the database was read-only for a moment (a SQLite file whose permissions
    changed, a PostgreSQL failover, `default_transaction_read_only`) stays read-only for its whole life.
    Marking the error a disconnect makes SQLAlchemy discard it and every pooled sibling, so once the
    database is writable again the next unit of work opens fresh, writable connections; no restart.
    """
    if any(marker in str(context.original_exception).lower() for marker in READ_ONLY_ERRORS):
        context.is_disconnect = True


def _sqlite_connected(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event below say BEGIN itself; pysqlite's own implicit BEGIN cannot be IMMEDIATE.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    _switch_to_wal(dbapi_connection)
    # In WAL mode NORMAL cannot corrupt the file; a power cut may lose the last commits, not an ack's worth of fsync.
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _never_checkpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _switch_to_wal(dbapi_connection: Any) -> None:
    """Put the file in WAL mode, outside any transaction (SQLite cannot switch modes inside one).

    The switch needs the file to itself, and SQLite answers "database is locked" at once, without its
    busy handler, when another process holds a lock it might deadlock with: two instances starting on a
    new file did that about one start in fifteen. So try again for as long as the busy timeout. A no-op
    once the file is in WAL mode; a file that cannot be (some network mounts) keeps the mode SQLite chose.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    pause = 0.005
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")
