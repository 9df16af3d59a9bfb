"""What a store holds, read back through SQL on either engine: for tests that check what reached the database."""

from __future__ import annotations

import sqlalchemy as sa

from bot.store import Store


def all_stored_text(store: Store) -> str:
    """Every row of every table, as text: a secret that reached the database shows up here."""
    parts = []
    with store.db.read() as conn:
        metadata = sa.MetaData()
        metadata.reflect(conn)
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                parts.append(" ".join(str(value) for value in row))
    return "\n".join(parts)


def count_rows(store: Store, table: str) -> int:
    with store.db.read() as conn:
        return conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
