"""A database that was read-only for a moment does not stay broken: connections opened during the spell are
thrown away at their first failed write, and the next writes get fresh ones, with no restart.

On SQLite the spell is a connection opened with `PRAGMA query_only` (what SQLite does to a connection it
could only open read-only; as root, file permissions cannot make one). On PostgreSQL it is the real thing:
`default_transaction_read_only` on the database, which every connection opened meanwhile keeps.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from bot.store import Store


def save(store: Store, n: int) -> bool:
    try:
        store.people.save("T1", f"U{n}", token_ciphertext="ct", toggl_user_id=n, toggl_name=None, workspace_id=None,
                          timezone=None)  # fmt: skip
    except SQLAlchemyError:
        return False
    return True


SPELL = {"on": False}
"""Whether SQLite connections opened now come up read-only."""


def read_only_spell(store: Store, on: bool) -> None:
    """Make every connection opened from now on read-only (or writable again), and drop the pooled ones."""
    if store.db.is_postgres:
        name = store.db.url.database
        admin = sa.create_engine(store.db.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}')
        admin.dispose()
    else:
        SPELL["on"] = on
    if on:
        store.db.dispose()  # what a restart of the database does to the pool


def test_writes_work_again_once_the_database_is_writable(store: Store) -> None:
    if not store.db.is_postgres:
        SPELL["on"] = False

        def maybe_read_only(dbapi_connection: Any, _record: Any) -> None:
            if SPELL["on"]:
                dbapi_connection.execute("PRAGMA query_only = ON")

        for engine in store.db.engines:
            sa.event.listen(engine, "connect", maybe_read_only)
    assert save(store, 0)
    read_only_spell(store, True)
    during = [save(store, n) for n in range(1, 11)]
    assert not any(during)  # refused, and said so (the callers turn it into a friendly message)
    read_only_spell(store, False)
    after = [save(store, n) for n in range(11, 41)]
    assert sum(after) >= 29, after  # at most the first write meets a stale connection; it had been 2 of 30
    assert all(after[1:])
