"""The test databases: a SQLite file per test, and a fresh PostgreSQL database per test on a real server.

The server comes from `TEST_DATABASE_URL` (`.ci/run` starts one with `.ci/postgres.sh`). Without it
the PostgreSQL variants skip and say why; with `REQUIRE_POSTGRES=1` (set by `.ci/run`) they fail
instead, so CI can never pass by skipping them. The skip is decided at collection (`ENGINE_PARAMS`),
so a skipped variant starts no fake server and makes no database first. Each test gets its own
database, cloned from a template migrated once per session, and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from bot.store import Database

ENGINES = ["sqlite", "postgresql"]
TEMPLATE = f"toggl_bot_template_{uuid.uuid4().hex[:8]}"
"""One per test session: two sessions sharing a server (two checkouts, say) must not drop each other's template."""
WHY_SKIPPED = (
    "PostgreSQL variant skipped: set TEST_DATABASE_URL to a PostgreSQL server you may create databases on "
    "(.ci/run starts one with .ci/postgres.sh)"
)


def _postgres_param() -> object:
    """The PostgreSQL variant, marked to skip when there is no server to run it on and none is required."""
    if os.environ.get("TEST_DATABASE_URL") or os.environ.get("REQUIRE_POSTGRES"):
        return "postgresql"  # required and missing: the `postgres` fixture fails the test, never skips it
    return pytest.param("postgresql", marks=pytest.mark.skip(reason=WHY_SKIPPED))


ENGINE_PARAMS = ["sqlite", _postgres_param()]
"""`ENGINES` for `params=`/`parametrize`: the same ids, with the skip known before any fixture is set up."""


class PostgresServer:
    """A PostgreSQL server on which each test gets a database of its own, cloned from a migrated template."""

    def __init__(self, url: str) -> None:
        self.admin_url = sa.make_url(Database(url).url)
        self._admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self._drop(TEMPLATE)
        self._execute(f'CREATE DATABASE "{TEMPLATE}"')
        template = Database(self.url_of(TEMPLATE))
        template.migrate()
        template.dispose()

    def url_of(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def new_database(self, *, empty: bool = False) -> str:
        """A database of its own for one test: migrated (a clone of the template), or with nothing in it."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self._execute(f'CREATE DATABASE "{name}"' + ("" if empty else f' TEMPLATE "{TEMPLATE}"'))
        return self.url_of(name)

    def drop(self, url: str) -> None:
        self._drop(sa.make_url(url).database or "")

    def close(self) -> None:
        self._drop(TEMPLATE)
        self._admin.dispose()

    def _drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as conn:
            conn.exec_driver_sql(sql)


def postgres_server() -> Iterator[PostgresServer]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not: the PostgreSQL tests cannot run")
        pytest.skip(WHY_SKIPPED)
    server = PostgresServer(url)
    yield server
    server.close()
