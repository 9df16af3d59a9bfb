"""The app's own data, on SQLite (the embedded default) or PostgreSQL (shared by several instances).

One small interface per concern, each over the same `Database`:

| attribute             | keeps                                                        |
| --------------------- | ------------------------------------------------------------ |
| `store.people`        | connected people and their encrypted Toggl tokens            |
| `store.subscriptions` | channel digests, and each slot's claim (a lease)             |
| `store.personal`      | a person's weekly summary and reminder, and their slots      |
| `store.cache`         | each person's Toggl data, and the latest quota reading       |
| `store.seen`          | event ids and request signatures already handled             |
| (`bot.store.held`)    | requests acknowledged and not yet answered, under a lease    |
| `store.slack`         | workspaces whose bot Slack refuses; where a form confirms    |
| `store.webhooks`      | Toggl webhook subscriptions, deliveries applied, alert marks |
| `store.team`          | team posts, their slots, and each person's say (issue 21)    |
| `store.retention`     | (keeps nothing) deletes what has been kept long enough       |

Slack installations (OAuth mode) live in the same database, behind `bot.slack.installations`.
Nothing here sees a token in clear: callers hand it ciphertext from `bot.crypto`.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.store import retention
from bot.store.cache import Cache, CacheState
from bot.store.engine import (
    MAX_OVERFLOW,
    MEMORY_URL,
    POOL_SIZE,
    BadDatabaseUrl,
    Database,
    DatabaseTooNew,
    engine_url,
    head_revision,
    sqlite_path,
)
from bot.store.leases import Slot
from bot.store.people import People, Person
from bot.store.personal import PersonalSchedule, PersonalSchedules
from bot.store.seen import SeenRequests, Unrecorded
from bot.store.slack_state import SlackState
from bot.store.subscriptions import Subscription, Subscriptions
from bot.store.team import TeamPost, TeamPosts
from bot.store.webhooks import Hook, Webhooks

__all__ = [
    "MEMORY_URL",
    "BadDatabaseUrl",
    "CacheState",
    "Database",
    "DatabaseTooNew",
    "Hook",
    "Person",
    "PersonalSchedule",
    "SeenRequests",
    "Slot",
    "Store",
    "Subscription",
    "TeamPost",
    "Unrecorded",
    "Webhooks",
    "engine_url",
    "head_revision",
    "sqlite_path",
]


class Store:
    """Every table of the app over one database and one clock.

    >>> store = Store("sqlite:///toggl_bot.db", clock=Clock()); store.migrate()  # doctest: +SKIP
    >>> store.people.get("T1", "U1")  # doctest: +SKIP
    """

    def __init__(
        self, database: Database | str, *, clock: Clock, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW
    ) -> None:
        self.db = (
            database
            if isinstance(database, Database)
            else Database(database, pool_size=pool_size, max_overflow=max_overflow)
        )
        self.clock = clock
        """Stamps rows and leases: the same clock the service and the digest runner read."""
        self.people = People(self.db, clock)
        self.subscriptions = Subscriptions(self.db, clock)
        self.personal = PersonalSchedules(self.db, clock)
        self.cache = Cache(self.db, clock)
        self.seen = SeenRequests(self.db, clock)
        self.slack = SlackState(self.db, clock)
        self.webhooks = Webhooks(self.db, clock)
        self.team = TeamPosts(self.db, clock)
        self.retention = retention.Retention(self.db, clock)
        """Deletes what has been kept long enough (the scheduler runs it hourly)."""

    def __repr__(self) -> str:
        return f"Store({self.db!r})"

    def migrate(self) -> None:
        """Bring the schema up to date; call once at start (several processes at once is safe)."""
        self.db.migrate()

    def forget(self, *, team_id: str | None = None, user_id: str | None = None) -> dict[str, int]:
        """Forget a whole Slack workspace (`team_id`; the app was uninstalled): people, tokens, caches,
        subscriptions, personal messages, held requests, its installation: every table with a `team_id`
        (`bot.store.retention`). With `user_id`, forget that person only (in `team_id`, or in every workspace).

        Returns the rows deleted per table (tables with none left out).
        """
        with self.db.write() as conn:
            if user_id is None and team_id is not None:  # what the webhooks keep per Toggl workspace, first
                self.webhooks.forget_team(conn, team_id)
            return retention.forget(conn, team_id=team_id, user_id=user_id)

    def forget_team(self, team_id: str) -> int:
        """`forget(team_id=…)`, returning how many people, subscriptions, personal messages and team posts went."""
        removed = self.forget(team_id=team_id)
        return sum(removed.get(name, 0) for name in ("people", "subscriptions", "personal_schedules", "team_posts"))
