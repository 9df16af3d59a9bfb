"""How long the app keeps what it keeps, and forgetting a workspace or a person on request.

What docs/privacy (the `/privacy` page) promises, in code:

| kept                                   | for how long                                                 |
| -------------------------------------- | ------------------------------------------------------------ |
| a person's copy of their Toggl data    | `CACHE_KEEP_SECONDS` (14 days) after it was last fetched     |
| quota readings (per token, hashed)     | `QUOTA_KEEP_SECONDS` (2 hours): Toggl's quota resets hourly   |
| event ids and request signatures       | 15 minutes (`bot.store.seen`), pruned here too               |
| OAuth states ("Add to Slack" visits)   | until they expire (10 minutes)                               |
| where a form's confirmation goes       | `REPLY_TARGET_KEEP_SECONDS` (1 hour; Slack's response_url lasts 30 minutes) |
| people, tokens, subscriptions          | until `disconnect`, uninstall, or `toggl-bot forget`         |

**Forgetting is table-driven.** Every table of `schema.metadata` with a `team_id` column is emptied of a team's
rows by `forget`, and with a `user_id` column too, of a person's: a new table with those columns is covered
without a line here. A table whose rows belong to a team only through another table's id (a digest's slots
through its subscription) is listed in `CHILDREN`, one line each; Slack's installation tables (slack_sdk's,
made by our migration but not in `schema.metadata`) in `SLACK_TEAM_TABLES`. What the webhooks keep per Toggl
workspace (`hook_entries`, shared by the teams hooked to it) is `Store.forget`'s to settle first, through
`store.webhooks`. Toggl-side state (webhook subscriptions) is the caller's to remove before that, as only the
caller can reach Toggl (`bot.alerts.hooks.release_team` / `release_person`).
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from bot.clock import Clock
from bot.store import schema
from bot.store.engine import Database

log = logging.getLogger(__name__)

CACHE_KEEP_SECONDS = 14 * 24 * 3600
"""A person's copy of their Toggl data is deleted this long after it was last fetched: a person who stopped
using the app leaves no copy behind, and anyone who still uses it refreshes theirs far more often."""
QUOTA_KEEP_SECONDS = 2 * 3600
REPLY_TARGET_KEEP_SECONDS = 3600
SEEN_KEEP_SECONDS = 15 * 60
KEPT_DOCS = ("welcomed",)
"""Cache documents that are not Toggl data and are kept until the person is forgotten (`bot.accounts.WELCOMED`:
that they were greeted once)."""
PRUNE_EVERY_SECONDS = 3600.0

CHILDREN: tuple[tuple[sa.Column[int], sa.Column[int]], ...] = (
    (schema.digest_slots.c.subscription_id, schema.subscriptions.c.id),
    (schema.personal_slots.c.schedule_id, schema.personal_schedules.c.id),
    (schema.alert_marks.c.subscription_id, schema.subscriptions.c.id),
    (schema.alert_slots.c.subscription_id, schema.subscriptions.c.id),
    (schema.team_slots.c.post_id, schema.team_posts.c.id),
)
"""(child's key, parent's id): rows that belong to whoever owns their parent row, deleted before it."""

SLACK_TEAM_TABLES = (
    sa.table("slack_installations", sa.column("team_id")),
    sa.table("slack_bots", sa.column("team_id")),
)
"""Slack's installation tables: a workspace's bot tokens (encrypted) and who installed the app."""
_OAUTH_STATES = sa.table("slack_oauth_states", sa.column("expire_at"))


def owned_tables() -> list[sa.Table]:
    """Every table of ours with a `team_id` column: what a workspace's forgetting empties of its rows."""
    return [table for table in schema.metadata.sorted_tables if "team_id" in table.c]


def forget(conn: sa.Connection, *, team_id: str | None = None, user_id: str | None = None) -> dict[str, int]:
    """Within the caller's transaction, delete every row of a team, of one person in a team (both given), or of
    one person in every team (`user_id` alone): returns the rows deleted per table (those with any), for the log."""
    if team_id is None and user_id is None:
        raise ValueError("forget whom? give a team, a user, or both")
    owned = [t for t in owned_tables() if user_id is None or "user_id" in t.c]

    def whose(table: sa.Table | sa.TableClause) -> sa.ColumnElement[bool]:
        conditions = [table.c.team_id == team_id] if team_id is not None else []
        if user_id is not None:
            conditions.append(table.c.user_id == user_id)
        return sa.and_(*conditions)

    removed: dict[str, int] = {}
    for child, parent in CHILDREN:
        if parent.table in owned:
            ids = sa.select(parent).where(whose(parent.table))
            removed[child.table.name] = conn.execute(sa.delete(child.table).where(child.in_(ids))).rowcount
    for table in reversed(owned):
        removed[table.name] = conn.execute(sa.delete(table).where(whose(table))).rowcount
    if user_id is None:  # an installation is the workspace's, whoever installed it
        for slack_table in SLACK_TEAM_TABLES:
            removed[slack_table.name] = conn.execute(sa.delete(slack_table).where(whose(slack_table))).rowcount
    return {name: count for name, count in removed.items() if count}


class Retention:
    """Deletes what has been kept long enough; `run_due` is one of the scheduler's ticks (at most hourly).

    >>> Retention(db, clock).prune()  # doctest: +SKIP
    {'cache_docs': 3}
    """

    def __init__(self, db: Database, clock: Clock, *, every: float = PRUNE_EVERY_SECONDS) -> None:
        self._db = db
        self._clock = clock
        self._every = every
        self._last: float | None = None

    def run_due(self) -> list[dict[str, int]]:
        """Prune, unless this process did within `every` seconds; what was deleted, as a one-item list."""
        now = self._clock.time()
        if self._last is not None and now - self._last < self._every:
            return []
        self._last = now
        return [self.prune()]

    def prune(self) -> dict[str, int]:
        """Delete everything past its keeping time now; returns the rows deleted per table (those with any)."""
        now = self._clock.time()
        removed: dict[str, int] = {}
        state, items, docs = schema.cache_state, schema.cache_items, schema.cache_docs
        old_state = sa.select(state.c.team_id).where(
            state.c.team_id == items.c.team_id,
            state.c.user_id == items.c.user_id,
            state.c.workspace_id == items.c.workspace_id,
            state.c.scope == items.c.scope,
            state.c.fetched_at >= now - CACHE_KEEP_SECONDS,
        )
        statements = {
            # items live as long as the fetch that brought them: none without a recent one
            "cache_items": sa.delete(items).where(~sa.exists(old_state)),
            "cache_state": sa.delete(state).where(state.c.fetched_at < now - CACHE_KEEP_SECONDS),
            "cache_docs": sa.delete(docs).where(docs.c.fetched_at < now - CACHE_KEEP_SECONDS, docs.c.name.not_in(KEPT_DOCS)),
            "quota_readings": sa.delete(schema.quota_readings).where(
                schema.quota_readings.c.seen_at < now - QUOTA_KEEP_SECONDS
            ),
            "seen_requests": sa.delete(schema.seen_requests).where(schema.seen_requests.c.seen_at < now - SEEN_KEEP_SECONDS),
            "reply_targets": sa.delete(schema.reply_targets).where(
                schema.reply_targets.c.created_at < now - REPLY_TARGET_KEEP_SECONDS
            ),
            # naive UTC, as slack_sdk writes it
            "slack_oauth_states": sa.delete(_OAUTH_STATES).where(
                _OAUTH_STATES.c.expire_at < dt.datetime.fromtimestamp(now, dt.UTC).replace(tzinfo=None)
            ),
        }
        with self._db.write() as conn:
            for name, statement in statements.items():
                removed[name] = conn.execute(statement).rowcount
        pruned = {name: count for name, count in removed.items() if count}
        if pruned:
            log.info("Deleted data past its keeping time: %s", ", ".join(f"{n} {t}" for t, n in pruned.items()))
        return pruned
