"""The composition root: builds the app's parts once and hands each caller the narrow part it uses.

| part                    | does                                                                     |
| ----------------------- | ------------------------------------------------------------------------ |
| `service.accounts`      | connect, disconnect, who a person is, their workspace (`bot.accounts`)   |
| `service.reader`        | Toggl data through the app's copy, quota, time zone (`bot.toggl_reader`) |
| `service.reports`       | pace and period figures from the Reports API (`bot.reports_reader`)      |
| `service.subscriptions` | channel digests (the store's own interface)                             |
| `service.personal`      | weekly summaries and reminders (the store's own interface)               |
| `service.team`          | team posts and each person's say (the store's own interface)             |
| `service.seen`          | request signatures and event ids already handled                         |
| `service.slack_state`   | workspaces whose bot Slack refuses; where a form confirms                |
| `service.webhooks`      | Toggl webhook subscriptions and real-time alerts' state (`bot.alerts`)   |
| `service.slack`         | Slack for work without a request (`None` where no bot token is set)      |
| `service.database`      | the database, for the health check and Slack's installation stores      |

Handlers, answers and runners call these parts; only the composition code (`bot.app`, `bot.serve`, the CLI)
touches `store`, `cipher` and `clients` themselves.
"""

from __future__ import annotations

import copy

from cryptography.fernet import Fernet

from bot import toggl
from bot.accounts import Accounts
from bot.clock import SYSTEM, Clock
from bot.crypto import SAMPLE, TokenCipher, cipher_from
from bot.reports_reader import ReportsReader
from bot.settings import Settings
from bot.slack import SlackGateway
from bot.store import MEMORY_URL, Store
from bot.store.dbclock import DatabaseClock
from bot.store.held import HeldAnswers
from bot.toggl_reader import CachePolicy, TogglReader


class Service:
    """The parts, built over one store, one cipher, one set of Toggl clients and one clock."""

    def __init__(
        self,
        store: Store,
        cipher: TokenCipher,
        clients: toggl.TogglClients,
        slack: SlackGateway | None = None,
        policy: CachePolicy | None = None,
        public_url: str | None = None,
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.clients = clients
        self.clock = store.clock
        """The one clock: the store stamps rows with it, the cache and the quota reserve read it."""
        self.schedule_clock = DatabaseClock(store.db) if store.clock.reads_wall else store.clock
        """What decides whether a slot is due and whose lease has run out: the database's clock, which every
        scheduler shares whatever its host's clock says (a test's frozen clock stands in for it)."""
        self.policy = policy or CachePolicy()
        self.reader = TogglReader(store.cache, clients, store.clock, self.policy)
        self.reports = ReportsReader(self.reader)
        self.accounts = Accounts(store, cipher, self.reader)
        self.subscriptions = store.subscriptions
        self.personal = store.personal
        self.team = store.team
        """Team posts, their slots, and who lets them mention and nudge them (issue 21)."""
        self.seen = store.seen
        self.held = HeldAnswers(store.db, self.schedule_clock)
        """Requests acknowledged and not yet answered, under leases judged by the database's clock (`bot.handover`)."""
        self.slack_state = store.slack
        self.webhooks = store.webhooks
        """The app's Toggl webhook subscriptions, what deliveries told, and each alert's crossing (`bot.alerts`)."""
        self.public_url = public_url.rstrip("/") if public_url else None
        """Where Toggl reaches the app (`PUBLIC_URL`); None: no webhooks, alerts come from a periodic check."""
        self.database = store.db
        """The database itself, for what speaks to it directly: the health check, Slack's installation stores."""
        self._slack = slack

    @property
    def slack(self) -> SlackGateway | None:
        """Slack for work without a request (channel posts, time zones, admin checks); None where none is set."""
        return self._slack

    def with_slack(self, slack: SlackGateway) -> Service:
        """This service with a way to reach Slack (channel posts, time zones, admin checks), its parts shared.

        A copy rather than a field set later: whoever holds the service without Slack keeps it that way.
        """
        reaching = copy.copy(self)
        reaching._slack = slack
        return reaching

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = SYSTEM, min_interval: float = 0.0) -> Service:
        """The service as configured: the database migrated, the key loaded (or its file made).

        `min_interval` paces each token's requests (the digest uses about one a second).
        """
        store = Store(
            settings.database_url,
            clock=clock,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )
        store.migrate()
        key = settings.token_encryption_key.get_secret_value() if settings.token_encryption_key else None
        stored = [person.token_ciphertext for person in store.people.sample(SAMPLE)]
        cipher = cipher_from(key, settings.database_path, stored)
        clients = toggl.TogglClients(
            settings.toggl_api_url, clock=clock, min_interval=min_interval, webhooks_url=settings.toggl_webhooks_url
        )
        return cls(store, cipher, clients, policy=_policy(settings), public_url=settings.public_url)

    @classmethod
    def ephemeral(cls, settings: Settings, *, clock: Clock = SYSTEM) -> Service:
        """A service that leaves nothing behind: an in-memory database and a throwaway key.

        For `toggl-bot ask --toggl-token`, a one-off look-up that must create no file and warn about nothing.
        """
        store = Store(MEMORY_URL, clock=clock)
        store.migrate()
        clients = toggl.TogglClients(settings.toggl_api_url, clock=clock)
        return cls(store, TokenCipher([Fernet.generate_key()]), clients, policy=_policy(settings))


def _policy(settings: Settings) -> CachePolicy:
    return CachePolicy(fresh_seconds=settings.cache_fresh_seconds, quota_reserve=settings.quota_reserve)
