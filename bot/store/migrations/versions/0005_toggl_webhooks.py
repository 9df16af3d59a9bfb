"""Toggl webhooks and real-time alerts.

- `subscriptions.alerts`: a digest's real-time alerts are on;
- `toggl_hooks`: the app's Toggl webhook subscription per team and workspace (or the periodic check instead);
- `hook_entries`: what each time entry last counted, so out-of-order deliveries are ignored;
- `alert_marks` and `alert_slots`: whether a project is above a level, and each crossing's post as a lease.

Revision ID: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("alerts", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "toggl_hooks",
        sa.Column("hook_id", sa.String(40), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.BigInteger, nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("subscription_id", sa.BigInteger),
        sa.Column("secret_ciphertext", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("validated", sa.Boolean, nullable=False),
        sa.Column("checked_at", sa.Double, nullable=False),
        sa.Column("dirty_since", sa.Double),
        sa.Column("last_event_at", sa.Double),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("team_id", "workspace_id", name="toggl_hooks_workspace"),
    )
    op.create_table(
        "hook_entries",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", sa.BigInteger, primary_key=True),
        sa.Column("entry_id", sa.BigInteger, primary_key=True),
        sa.Column("project_id", sa.BigInteger),
        sa.Column("seconds", sa.BigInteger, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
    )
    op.create_table(
        "alert_marks",
        sa.Column("subscription_id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.BigInteger, primary_key=True),
        sa.Column("level", sa.String(40), primary_key=True),
        sa.Column("above", sa.Boolean, nullable=False),
        sa.Column("crossing", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
    )
    op.create_table(
        "alert_slots",
        sa.Column("subscription_id", sa.Integer, primary_key=True),
        sa.Column("slot", sa.String(80), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("claimed_at", sa.String(40), nullable=False),
        sa.Column("owner", sa.String(80)),
        sa.Column("lease_expires_at", sa.Double),
        sa.Column("posted_ts", sa.String(32)),
        sa.Column("attempts", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("alert_slots", "alert_marks", "hook_entries", "toggl_hooks"):
        op.drop_table(table)
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("alerts")
