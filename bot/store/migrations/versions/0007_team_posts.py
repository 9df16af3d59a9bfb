"""The team lead's view: a channel's team post of everyone's tracked time, its slots, and each person's say.

- `team_posts`: one row per channel, with the admin whose Toggl token it reads (and whose workspace), its
  cadence, time of day and zone, the `min_seconds` under which a person is marked, why it is paused (and
  whether the channel was told), and what the last post said about each person (`last_lines`, for `team me`).
- `team_slots`: each scheduled post, claimed as a lease before it is posted, exactly like `digest_slots`.
- `team_prefs`: whether a person lets team posts mention them and nudge them by DM (off unless they say so).

Revision ID: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"  # 0004 when written; main gained 0005 (webhooks) meanwhile
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_posts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.BigInteger, nullable=False),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("weekday", sa.Integer),
        sa.Column("at_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("min_seconds", sa.Integer),
        sa.Column("paused_reason", sa.Text),
        sa.Column("last_lines", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("team_id", "channel_id", name="team_posts_channel"),
    )
    op.create_table(
        "team_slots",
        sa.Column("post_id", sa.Integer, primary_key=True),
        sa.Column("slot", sa.String(20), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("claimed_at", sa.String(40), nullable=False),
        sa.Column("owner", sa.String(80)),
        sa.Column("lease_expires_at", sa.Double),
        sa.Column("posted_ts", sa.String(32)),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_table(
        "team_prefs",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("nudge", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("team_prefs")
    op.drop_table("team_slots")
    op.drop_table("team_posts")
