"""A person's own messages by DM: the weekly summary and the workday reminder, and their claimed slots.

- `personal_schedules`: one row per person and kind (`summary`, `reminder`), with its cadence (weekly on a
  day, or weekdays), time of day and time zone, and why it is paused, if it is.
- `personal_slots`: each scheduled send, claimed as a lease before it is sent, exactly like `digest_slots`.

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personal_schedules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("weekday", sa.Integer),
        sa.Column("at_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("paused_reason", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("team_id", "user_id", "kind", name="personal_schedules_owner"),
    )
    op.create_table(
        "personal_slots",
        sa.Column("schedule_id", sa.Integer, primary_key=True),
        sa.Column("slot", sa.String(20), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("claimed_at", sa.String(40), nullable=False),
        sa.Column("owner", sa.String(80)),
        sa.Column("lease_expires_at", sa.Double),
        sa.Column("posted_ts", sa.String(32)),
        sa.Column("attempts", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("personal_slots")
    op.drop_table("personal_schedules")
