"""Slack refusing a workspace's bot, shared by every instance; and where a form's confirmation goes.

- `bot_refusals`: a team whose bot token Slack refuses (`invalid_auth`, `account_inactive`…), since when,
  and when it was last tried, so that it is logged once and tried again now and then, not on every reply.
- `reply_targets`: the `response_url` Slack gave with the command or button that opened a form, kept by
  the form's view id, so that the confirmation never goes to an address a form itself carries.

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_refusals",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("error", sa.String(64), nullable=False),
        sa.Column("since", sa.Double, nullable=False),
        sa.Column("checked_at", sa.Double, nullable=False),
    )
    op.create_table(
        "reply_targets",
        sa.Column("view_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("response_url", sa.Text, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reply_targets")
    op.drop_table("bot_refusals")
