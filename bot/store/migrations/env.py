"""Alembic's entry point. The app hands it a connection already inside a transaction (and, on PostgreSQL,
holding the migration lock), so every revision runs in that one transaction: all or nothing."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.store.engine.Database.migrate(), which passes a connection")
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
