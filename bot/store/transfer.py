"""Moving a deployment from one database to another: SQLite to a shared PostgreSQL, typically.

`toggl-bot copy-data --from sqlite:///toggl_bot.db` migrates both ends to the newest schema, then
copies every table's rows into the (empty) database named by `DATABASE_URL`, in one transaction.
Tokens stay ciphertext throughout: the same `TOKEN_ENCRYPTION_KEY` must then be set on the new side.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.store.engine import Database

BATCH = 500


class TargetNotEmpty(Exception):
    """The database being copied into already holds people or subscriptions; nothing was copied."""


def copy_all(source: Database, target: Database) -> dict[str, int]:
    """Copy every row of every app table from `source` into `target`; returns rows copied per table."""
    source.migrate()
    target.migrate()
    copied: dict[str, int] = {}
    with source.read() as reading, target.write() as writing:
        tables = _app_tables(writing)
        for name in ("people", "subscriptions", "personal_schedules", "slack_bots", "slack_installations"):
            if writing.execute(sa.select(sa.func.count()).select_from(tables[name])).scalar_one():
                raise TargetNotEmpty(f"the target database already has rows in {name}")
        for table in tables.values():
            rows = [dict(row) for row in reading.execute(sa.select(table)).mappings()]
            for start in range(0, len(rows), BATCH):
                writing.execute(sa.insert(table), rows[start : start + BATCH])
            copied[table.name] = len(rows)
        if target.is_postgres:  # explicit ids were copied: move each id sequence past them
            for table in tables.values():
                if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                    writing.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                            f" COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
    return copied


def _app_tables(conn: sa.Connection) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    metadata.reflect(conn)
    return {t.name: t for t in metadata.sorted_tables if t.name != "alembic_version"}
