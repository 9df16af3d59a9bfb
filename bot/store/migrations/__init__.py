"""Alembic migrations, run by `Database.migrate()` (at start, and by `toggl-bot migrate`)."""
