"""Requests acknowledged and not yet answered, so that another instance answers them if this one dies.

- `held_answers`: one row per acknowledged request while it is being answered, with its owner (the instance)
  and a lease the owner renews; the request itself (words, where to answer) is encrypted.

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_answers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False, index=True),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("request_ciphertext", sa.Text, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("lease_expires_at", sa.Double, nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("held_answers")
