"""The tables as the code queries them. The migrations in `migrations/versions/` create them; a test checks
that a migrated database has exactly these columns, so the two cannot drift apart.

Toggl ids are `BigInteger` (they outgrew 32 bits long ago); flags are real booleans; moments the app
compares are UNIX seconds (`Double`), and moments people read are ISO 8601 text in UTC.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

Id = sa.String(32)
"""A Slack id: team, user or channel."""
Stamp = sa.String(40)
"""ISO 8601 in UTC, as `Clock.stamp()` writes it."""

people = sa.Table(
    "people",
    metadata,
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

subscriptions = sa.Table(
    "subscriptions",
    metadata,
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
    sa.Column("alerts", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("team_id", "channel_id", "user_id", name="subscriptions_owner"),
)

digest_slots = sa.Table(
    "digest_slots",
    metadata,
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

cache_items = sa.Table(
    "cache_items",
    metadata,
    sa.Column("team_id", Id, primary_key=True),
    sa.Column("user_id", Id, primary_key=True),
    sa.Column("workspace_id", sa.BigInteger, primary_key=True),
    sa.Column("scope", sa.String(64), primary_key=True),
    sa.Column("item_id", sa.BigInteger, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)

cache_state = sa.Table(
    "cache_state",
    metadata,
    sa.Column("team_id", Id, primary_key=True),
    sa.Column("user_id", Id, primary_key=True),
    sa.Column("workspace_id", sa.BigInteger, primary_key=True),
    sa.Column("scope", sa.String(64), primary_key=True),
    sa.Column("server_time", sa.Double, nullable=False),
    sa.Column("fetched_at", sa.Double, nullable=False),
)

cache_docs = sa.Table(
    "cache_docs",
    metadata,
    sa.Column("team_id", Id, primary_key=True),
    sa.Column("user_id", Id, primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("fetched_at", sa.Double, nullable=False),
)

quota_readings = sa.Table(
    "quota_readings",
    metadata,
    sa.Column("token_key", sa.String(64), primary_key=True),
    sa.Column("remaining", sa.Integer),
    sa.Column("resets_in", sa.Integer),
    sa.Column("seen_at", sa.Double, nullable=False),
)

seen_requests = sa.Table(
    "seen_requests",
    metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("seen_at", sa.Double, nullable=False, index=True),
)

bot_refusals = sa.Table(
    "bot_refusals",
    metadata,
    sa.Column("team_id", Id, primary_key=True),
    sa.Column("error", sa.String(64), nullable=False),
    sa.Column("since", sa.Double, nullable=False),
    sa.Column("checked_at", sa.Double, nullable=False),
)

reply_targets = sa.Table(
    "reply_targets",
    metadata,
    sa.Column("view_id", sa.String(64), primary_key=True),
    sa.Column("team_id", Id, nullable=False),
    sa.Column("user_id", Id, nullable=False),
    sa.Column("response_url", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
)

personal_schedules = sa.Table(
    "personal_schedules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("team_id", Id, nullable=False),
    sa.Column("user_id", Id, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("cadence", sa.String(16), nullable=False),
    sa.Column("weekday", sa.Integer),
    sa.Column("at_time", sa.String(5), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("paused_reason", sa.Text),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
    sa.UniqueConstraint("team_id", "user_id", "kind", name="personal_schedules_owner"),
)
"""A person's own messages by DM: the weekly summary (`kind` summary) and the workday reminder (reminder)."""

personal_slots = sa.Table(
    "personal_slots",
    metadata,
    sa.Column("schedule_id", sa.Integer, primary_key=True),
    sa.Column("slot", sa.String(20), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("claimed_at", Stamp, nullable=False),
    sa.Column("owner", sa.String(80)),
    sa.Column("lease_expires_at", sa.Double),
    sa.Column("posted_ts", sa.String(32)),
    sa.Column("attempts", sa.Integer, nullable=False),
)
"""Each personal message's slots, claimed as leases like `digest_slots`."""

held_answers = sa.Table(
    "held_answers",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("team_id", Id, nullable=False, index=True),
    sa.Column("user_id", Id, nullable=False),
    sa.Column("request_ciphertext", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("owner", sa.String(80), nullable=False),
    sa.Column("lease_expires_at", sa.Double, nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False),
)
"""Requests acknowledged and not yet answered, held by the instance answering them: if it dies, another
answers (`bot.handover`). The request (its words and where the answer goes) is encrypted like a token."""

# -- Toggl webhooks and real-time alerts (`bot.store.webhooks`, `bot.alerts`) -----------------------------

toggl_hooks = sa.Table(
    "toggl_hooks",
    metadata,
    sa.Column("hook_id", sa.String(40), primary_key=True),
    sa.Column("team_id", Id, nullable=False),
    sa.Column("workspace_id", sa.BigInteger, nullable=False),
    sa.Column("user_id", Id, nullable=False),
    sa.Column("subscription_id", sa.BigInteger),
    sa.Column("secret_ciphertext", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("validated", sa.Boolean, nullable=False),
    sa.Column("checked_at", sa.Double, nullable=False),
    sa.Column("dirty_since", sa.Double),
    sa.Column("last_event_at", sa.Double),
    sa.Column("created_at", Stamp, nullable=False),
    sa.UniqueConstraint("team_id", "workspace_id", name="toggl_hooks_workspace"),
)
"""One row per Slack team and Toggl workspace whose alerts are on: the app's Toggl webhook subscription there
(`status` active) or the periodic check that stands in for it (`status` polling, with the reason in `detail`).
The path id `hook_id` is in the callback URL; the signing secret is encrypted like a token."""

hook_entries = sa.Table(
    "hook_entries",
    metadata,
    sa.Column("team_id", sa.String(32), primary_key=True),
    sa.Column("workspace_id", sa.BigInteger, primary_key=True),
    sa.Column("entry_id", sa.BigInteger, primary_key=True),
    sa.Column("project_id", sa.BigInteger),
    sa.Column("seconds", sa.BigInteger, nullable=False),
    sa.Column("at", sa.Double, nullable=False),
)
"""What each time entry a delivery told of last counted towards its project, and as of when (Toggl's `at`):
an older delivery is ignored, so an out-of-order one never moves a figure backwards. Per Slack team: two teams
on one Toggl workspace each get every delivery, and each applies it to its own people's copies."""

alert_marks = sa.Table(
    "alert_marks",
    metadata,
    sa.Column("subscription_id", sa.Integer, primary_key=True),
    sa.Column("project_id", sa.BigInteger, primary_key=True),
    sa.Column("level", sa.String(40), primary_key=True),
    sa.Column("above", sa.Boolean, nullable=False),
    sa.Column("crossing", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
)
"""Whether a project is above a level (the digest's threshold, or its estimate, per period for a recurring
project) for one digest, and how many times it crossed: each crossing is one alert slot."""

alert_slots = sa.Table(
    "alert_slots",
    metadata,
    sa.Column("subscription_id", sa.Integer, primary_key=True),
    sa.Column("slot", sa.String(80), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("claimed_at", Stamp, nullable=False),
    sa.Column("owner", sa.String(80)),
    sa.Column("lease_expires_at", sa.Double),
    sa.Column("posted_ts", sa.String(32)),
    sa.Column("attempts", sa.Integer, nullable=False),
)
"""Each alert's post, claimed as a lease like `digest_slots`: one post per crossing across instances."""

# -- the team lead's view (issue 21) -------------------------------------------------------------------

team_posts = sa.Table(
    "team_posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("team_id", Id, nullable=False),
    sa.Column("channel_id", Id, nullable=False),
    sa.Column("user_id", Id, nullable=False),
    sa.Column("workspace_id", sa.BigInteger, nullable=False),
    sa.Column("cadence", sa.String(16), nullable=False),
    sa.Column("weekday", sa.Integer),
    sa.Column("at_time", sa.String(5), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("min_seconds", sa.Integer),
    sa.Column("paused_reason", sa.Text),
    sa.Column("last_lines", sa.Text),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
    sa.UniqueConstraint("team_id", "channel_id", name="team_posts_channel"),
)
"""A channel's team post: everyone's tracked time in the workspace, read with the admin's (`user_id`) token."""

team_slots = sa.Table(
    "team_slots",
    metadata,
    sa.Column("post_id", sa.Integer, primary_key=True),
    sa.Column("slot", sa.String(20), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("claimed_at", Stamp, nullable=False),
    sa.Column("owner", sa.String(80)),
    sa.Column("lease_expires_at", sa.Double),
    sa.Column("posted_ts", sa.String(32)),
    sa.Column("attempts", sa.Integer, nullable=False),
)
"""Each team post's slots, claimed as leases like `digest_slots`."""

team_prefs = sa.Table(
    "team_prefs",
    metadata,
    sa.Column("team_id", Id, primary_key=True),
    sa.Column("user_id", Id, primary_key=True),
    sa.Column("nudge", sa.Boolean, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
)
"""A person's say: may team posts mention them and nudge them by DM (no row: no)."""
