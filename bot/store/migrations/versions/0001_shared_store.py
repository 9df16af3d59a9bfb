"""The shared store: every table on SQLite or PostgreSQL, and the upgrade of a 0.1.0 database in place.

Version 0.1.0 kept its schema with sqlite-utils' migrations (a `_sqlite_migrations` table). When that
table is found, its tables are renamed `legacy_*`, the new ones are made, every row is copied across
(integers become booleans, `digest_posts` becomes `digest_slots`, and a slot left `claimed` by a
crashed run gets an expired lease, so the next run can still post it), and the old tables are dropped.

Revision ID: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LEGACY = ("people", "subscriptions", "digest_posts", "cache_items", "cache_state", "cache_docs")
Id = sa.String(32)
Stamp = sa.String(40)


def upgrade() -> None:
    bind = op.get_bind()
    legacy = sa.inspect(bind).has_table("_sqlite_migrations")
    if legacy:
        for name in LEGACY:
            op.rename_table(name, f"legacy_{name}")
    create_tables()
    if legacy:
        copy_legacy_rows()
        for name in LEGACY:
            op.drop_table(f"legacy_{name}")
        op.drop_table("_sqlite_migrations")


def create_tables() -> None:
    op.create_table(
        "people",
        sa.Column("team_id", Id, primary_key=True),
        sa.Column("user_id", Id, primary_key=True),
        sa.Column("token_ciphertext", sa.Text, nullable=False),
        sa.Column("token_valid", sa.Boolean, nullable=False),
        sa.Column("toggl_user_id", sa.BigInteger),
        sa.Column("toggl_name", sa.Text),
        sa.Column("workspace_id", sa.BigInteger),
        sa.Column("timezone", sa.String(64)),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("weekday", sa.Integer),
        sa.Column("at_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("skip_empty", sa.Boolean, nullable=False),
        sa.Column("muted", sa.Text, nullable=False),
        sa.Column("paused_reason", sa.Text),
        sa.Column("last_posted_at", Stamp),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.UniqueConstraint("team_id", "channel_id", "user_id", name="subscriptions_owner"),
    )
    op.create_table(
        "digest_slots",
        sa.Column("subscription_id", sa.Integer, primary_key=True),
        sa.Column("slot", sa.String(20), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("claimed_at", Stamp, nullable=False),
        sa.Column("owner", sa.String(80)),
        sa.Column("lease_expires_at", sa.Double),
        sa.Column("posted_ts", sa.String(32)),
        sa.Column("attempts", sa.Integer, nullable=False),
    )

    def owner() -> list[sa.Column[Any]]:
        return [
            sa.Column("team_id", Id, primary_key=True),
            sa.Column("user_id", Id, primary_key=True),
            sa.Column("workspace_id", sa.BigInteger, primary_key=True),
            sa.Column("scope", sa.String(64), primary_key=True),
        ]

    op.create_table(
        "cache_items",
        *owner(),
        sa.Column("item_id", sa.BigInteger, primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "cache_state",
        *owner(),
        sa.Column("server_time", sa.Double, nullable=False),
        sa.Column("fetched_at", sa.Double, nullable=False),
    )
    op.create_table(
        "cache_docs",
        sa.Column("team_id", Id, primary_key=True),
        sa.Column("user_id", Id, primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.Double, nullable=False),
    )
    op.create_table(
        "quota_readings",
        sa.Column("token_key", sa.String(64), primary_key=True),
        sa.Column("remaining", sa.Integer),
        sa.Column("resets_in", sa.Integer),
        sa.Column("seen_at", sa.Double, nullable=False),
    )
    op.create_table(
        "seen_requests",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("seen_at", sa.Double, nullable=False),
    )
    op.create_index("ix_seen_requests_seen_at", "seen_requests", ["seen_at"])
    create_slack_tables()


def create_slack_tables() -> None:
    """The tables slack_sdk's SQLAlchemy installation and OAuth state stores query, with the same columns.

    Token columns are `Text` rather than slack_sdk's `String(200)`: they hold Fernet ciphertexts, which
    are longer than the tokens (a rotating `xoxe.xoxb-` token's would not fit 200 characters).
    """

    def common() -> list[sa.Column[Any]]:
        return [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("client_id", sa.String(32), nullable=False),
            sa.Column("app_id", sa.String(32), nullable=False),
            sa.Column("enterprise_id", sa.String(32)),
            sa.Column("enterprise_name", sa.String(200)),
        ]

    def bot() -> list[sa.Column[Any]]:
        return [
            sa.Column("bot_token", sa.Text),
            sa.Column("bot_id", sa.String(32)),
            sa.Column("bot_user_id", sa.String(32)),
            sa.Column("bot_scopes", sa.String(1000)),
            sa.Column("bot_refresh_token", sa.Text),
            sa.Column("bot_token_expires_at", sa.DateTime),
        ]

    op.create_table(
        "slack_installations",
        *common(),
        sa.Column("enterprise_url", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        *bot(),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.Text),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.Text),
        sa.Column("user_token_expires_at", sa.DateTime),
        sa.Column("incoming_webhook_url", sa.Text),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.Text),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False),
        sa.Column("token_type", sa.String(32)),
        sa.Column("installed_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_bots",
        *common(),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        *bot(),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False),
        sa.Column("installed_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime, nullable=False),
    )


def copy_legacy_rows() -> None:
    op.execute(
        "INSERT INTO people (team_id, user_id, token_ciphertext, token_valid, toggl_user_id, toggl_name, workspace_id,"
        " timezone, created_at, updated_at)"
        " SELECT team_id, user_id, token_ciphertext, token_valid != 0, toggl_user_id, toggl_name, workspace_id,"
        " timezone, created_at, updated_at FROM legacy_people"
    )
    op.execute(
        "INSERT INTO subscriptions (id, team_id, channel_id, user_id, cadence, weekday, at_time, timezone, threshold,"
        " skip_empty, muted, paused_reason, last_posted_at, created_at, updated_at)"
        " SELECT id, team_id, channel_id, user_id, cadence, weekday, at_time, timezone, COALESCE(threshold, 80),"
        " COALESCE(skip_empty, 0) != 0, COALESCE(muted, '[]'), paused_reason, last_posted_at, created_at,"
        " COALESCE(updated_at, created_at) FROM legacy_subscriptions"
    )
    op.execute(
        "INSERT INTO digest_slots (subscription_id, slot, status, detail, claimed_at, owner, lease_expires_at,"
        " posted_ts, attempts)"
        " SELECT subscription_id, slot, status, COALESCE(detail, ''), claimed_at, NULL,"
        " CASE WHEN status = 'claimed' THEN 0 ELSE NULL END, NULL, 0 FROM legacy_digest_posts"
    )
    op.execute(
        "INSERT INTO cache_items (team_id, user_id, workspace_id, scope, item_id, data)"
        " SELECT team_id, user_id, workspace_id, scope, item_id, data FROM legacy_cache_items"
    )
    op.execute(
        "INSERT INTO cache_state (team_id, user_id, workspace_id, scope, server_time, fetched_at)"
        " SELECT team_id, user_id, workspace_id, scope, server_time, fetched_at FROM legacy_cache_state"
        " WHERE server_time IS NOT NULL AND fetched_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO cache_docs (team_id, user_id, name, data, fetched_at)"
        " SELECT team_id, user_id, name, data, fetched_at FROM legacy_cache_docs"
    )


def downgrade() -> None:
    raise NotImplementedError("0001 is the first revision; restore a backup to go back to 0.1.0")
