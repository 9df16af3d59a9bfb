"""The app's one service: who is asking, their Toggl client, the store, and the cache between them.

Handlers and the CLI never talk to Toggl or the database directly; they call `bot.answers`,
which calls this. It (with `bot.tracking`, which does the same for time entries and reports, over
this) is the only place that chooses between the cache and Toggl:

- within the freshness window (`CachePolicy.fresh_seconds`) a command makes no request at all;
- after it, a refresh asks only for what changed (`since=` Toggl's clock at the last fetch, less
  an overlap) and merges it, dropping what comes back with `server_deleted_at`;
- when the token's hourly quota is down to the reserve, or Toggl answers 402 or is down, the
  cached copy is shown with a note of its age (`Snapshot.stale`); with no copy, the error stands.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy.exc import SQLAlchemyError

from bot import toggl
from bot.clock import SYSTEM, Clock
from bot.crypto import SAMPLE, TokenCipher, UnreadableToken, cipher_from
from bot.digest.rules import needs_period_figure
from bot.forecast import PACE_DAYS, pace
from bot.settings import Settings
from bot.slack import SlackGateway
from bot.store import MEMORY_URL, CacheState, Person, Store, Subscription
from bot.toggl.models import Client, Me, Project, Quota, Task, Workspace
from bot.tokens import clean_token

log = logging.getLogger(__name__)

T = TypeVar("T", Project, Task, Client)


@dataclass(frozen=True)
class CachePolicy:
    """How long copies stay fresh, and how many requests of the hourly quota to keep in reserve."""

    fresh_seconds: float = 60
    overlap_seconds: float = 60
    me_seconds: float = 3600
    workspaces_seconds: float = 900
    clients_seconds: float = 900
    """Client names change seldom: a list this young is used unless a project names a client it lacks."""
    period_seconds: float = 600
    """A recurring project's figure for this period, from the Reports API (one request per project)."""
    home_seconds: float = 900
    """The Home tab opens often: it shows projects (and the timer) up to this old before it spends a request."""
    profile_seconds: float = 86400
    """The time zone and week start of `/me`, for my time and personal messages: a day old is fine (they
    seldom change, and `/me` has its own small quota)."""
    pace_seconds: float = 3600
    """Each project's time over the last four weeks, for forecasts (one Reports request per workspace)."""
    quota_reserve: int = 2


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """Items with the time they were fetched; `stale` says why they could not be refreshed, if they were not."""

    items: list[T]
    as_of: float
    stale: str | None = None
    """None, "quota" (the hourly limit; see `retry_in`) or "unavailable" (Toggl down or rate limiting)."""
    retry_in: int | None = None


@dataclass(frozen=True)
class WorkspaceData:
    """What a digest is computed from: one person's projects and open tasks in one workspace."""

    workspace_id: int
    workspace_name: str
    projects: list[Project]
    tasks: list[Task]
    period_tracked: dict[int, int | str]
    """Recurring project id -> seconds this period, or the reason the figure is missing."""
    pace: dict[int, float] = field(default_factory=dict)
    """Project id -> seconds a day over the last four weeks, for forecasts (empty: none could be had)."""


DEFAULT_THRESHOLD = 80
"""Percent of the estimate from which a project is at risk, unless the person's digest says otherwise."""
QUOTA_RESERVED = "this period's time is unavailable: Toggl's hourly limit is nearly used up"
NOT_FETCHED = "not fetched, to spare your Toggl quota: `tasks <name>` shows it"


DISCONNECTED = "you disconnected your Toggl account"
WELCOMED = "welcomed"


class NotConnected(Exception):
    """The Slack person has not connected a Toggl account."""


class ReconnectNeeded(Exception):
    """The stored token was rejected by Toggl earlier, or can no longer be decrypted."""


@dataclass(frozen=True)
class Asker:
    """Who is asking: a Slack person (team and user ids), or for `toggl-bot ask`, a bare token."""

    team_id: str | None = None
    user_id: str | None = None
    token: SecretStr | None = None
    channel_id: str | None = None
    """Where they asked; the digest words act on this channel."""
    typed_in_dm: bool = False
    """The words were a message in a DM, so they stay in that conversation (a pasted token does too)."""


@dataclass(frozen=True)
class Account:
    """A usable Toggl identity: the token in clear (never shown), and the workspace chosen, if any."""

    token: SecretStr = field(repr=False)
    workspace_id: int | None = None
    person: Person | None = None


class Service:
    """Everything the commands need, over the store and one Toggl client per token."""

    def __init__(
        self,
        store: Store,
        cipher: TokenCipher,
        clients: toggl.TogglClients,
        slack: SlackGateway | None = None,
        policy: CachePolicy | None = None,
    ) -> None:
        if clients.clock is not store.clock:
            raise ValueError("the store and the Toggl clients must share one clock")
        self.store = store
        self.cipher = cipher
        self.clients = clients
        self.slack = slack
        """Set when a Slack bot token is configured: time zones, admin checks and channel posts."""
        self.policy = policy or CachePolicy()
        self.clock = store.clock
        """The one clock: the store stamps rows with it, the cache and the quota reserve read it."""
        clients.on_quota = self._remember_quota  # every instance sees the latest reading of each token
        self._visits = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = SYSTEM, min_interval: float = 0.0) -> Service:
        """The service as configured: the database migrated, the key loaded (or its file made).

        `min_interval` paces each token's requests (the digest uses about one a second).
        """
        store = Store(settings.database_url, clock=clock, pool_size=settings.database_pool_size)
        store.migrate()
        key = settings.token_encryption_key.get_secret_value() if settings.token_encryption_key else None
        stored = [person.token_ciphertext for person in store.people.sample(SAMPLE)]
        cipher = cipher_from(key, settings.database_path, stored)
        clients = toggl.TogglClients(settings.toggl_api_url, clock=clock, min_interval=min_interval)
        return cls(store, cipher, clients, policy=_policy(settings))

    @classmethod
    def ephemeral(cls, settings: Settings, *, clock: Clock = SYSTEM) -> Service:
        """A service that leaves nothing behind: an in-memory database and a throwaway key.

        For `toggl-bot ask --toggl-token`, a one-off look-up that must create no file and warn about nothing.
        """
        store = Store(MEMORY_URL, clock=clock)
        store.migrate()
        clients = toggl.TogglClients(settings.toggl_api_url, clock=clock)
        return cls(store, TokenCipher([Fernet.generate_key()]), clients, policy=_policy(settings))

    # -- identities ----------------------------------------------------------------------------

    def account(self, asker: Asker) -> Account:
        """The account to use; raises `NotConnected` or `ReconnectNeeded`."""
        if asker.token is not None:
            return Account(token=asker.token)
        if not (asker.team_id and asker.user_id):
            raise NotConnected("no Slack person and no token")
        person = self.store.people.get(asker.team_id, asker.user_id)
        if person is None:
            raise NotConnected("not connected")
        if not person.token_valid:
            raise ReconnectNeeded("Toggl rejected the stored token")
        try:
            token = self.cipher.decrypt(person.token_ciphertext)
        except UnreadableToken as err:
            raise ReconnectNeeded(str(err)) from None
        return Account(token=SecretStr(token), workspace_id=person.workspace_id, person=person)

    def client(self, account: Account) -> toggl.TogglClient:
        return self.clients.for_token(account.token.get_secret_value())

    def check_token(self, token: str) -> Me:
        """Who owns this token, asked quickly (no retries), for the connect form's 3-second answer."""
        return self.clients.quick_me(clean_token(token))

    def connect(self, team_id: str, user_id: str, token: str, me: Me | None = None) -> tuple[Me, Workspace | None]:
        """Check the token with Toggl (`/me`, unless `me` was just fetched), then store it encrypted.

        Raises `TokenRejected` if Toggl refuses it.
        """
        token = clean_token(token)
        client = self.clients.for_token(token)
        me = me or client.me()
        workspace = None
        try:
            workspaces = client.workspaces()
            default = [w for w in workspaces if w.id == me.default_workspace_id]
            workspace = next(iter(default or workspaces), None)
        except toggl.TogglError as err:  # the token works; the workspace can be chosen later
            log.info("Could not list workspaces while connecting: %s", err)
        self.store.people.save(
            team_id,
            user_id,
            token_ciphertext=self.cipher.encrypt(token),
            toggl_user_id=me.id,
            toggl_name=me.fullname,
            workspace_id=workspace.id if workspace else me.default_workspace_id,
            timezone=me.timezone,
        )
        self.store.subscriptions.resume_of(team_id, user_id)
        self.store.personal.pause_of(team_id, user_id, None)
        welcomed = self.store.cache.doc(team_id, user_id, WELCOMED)
        self.store.cache.clear(team_id, user_id)  # it may be another Toggl account now
        if welcomed is not None:  # the person was greeted already, whichever account they connect
            self.store.cache.put_doc(team_id, user_id, WELCOMED, *welcomed)
        now = self.clock.time()
        self.store.cache.put_doc(team_id, user_id, "me", me.model_dump_json(), now)
        if workspace is not None:
            self.store.cache.put_doc(team_id, user_id, "workspaces", _dump(workspaces), now)
        return me, workspace

    def disconnect(self, team_id: str, user_id: str) -> bool:
        """Delete the person's token and pause their digests (connecting again resumes them); True if there was one.

        Paused at once, rather than failing at their next run: a digest cannot be computed without the token.
        """
        person = self.store.people.get(team_id, user_id)
        if person is not None:
            with contextlib.suppress(UnreadableToken):
                token = self.cipher.decrypt(person.token_ciphertext)
                self.clients.forget(token)
                self.store.cache.forget_quota(toggl.TogglClients.key_of(token))
                self.store.cache.forget_quota(toggl.TogglClients.me_key_of(token))
            self.store.subscriptions.pause_of(team_id, user_id, DISCONNECTED)
            self.store.personal.pause_of(team_id, user_id, DISCONNECTED)
        self.store.cache.clear(team_id, user_id)
        return self.store.people.delete(team_id, user_id)

    def person(self, team_id: str | None, user_id: str | None) -> Person | None:
        """The connected person, from the store alone (no Toggl request), or None."""
        if not (team_id and user_id):
            return None
        return self.store.people.get(team_id, user_id)

    def subscriptions_of(self, team_id: str, user_id: str) -> list[Subscription]:
        """Every digest the person subscribed, in any channel, oldest first."""
        return self.store.subscriptions.of_person(team_id, user_id)

    def subscription_by_id(self, team_id: str, subscription_id: int) -> Subscription | None:
        """A subscription of this Slack workspace by id (a button carries it), or None when it is gone."""
        found = self.store.subscriptions.by_id(subscription_id)
        return found if found is not None and found.team_id == team_id else None

    def risk_threshold(self, team_id: str | None, user_id: str | None, channel_id: str | None = None) -> int:
        """From which percent a project is at risk for this person: their digest's threshold here, else
        the lowest of their digests' thresholds, else 80%."""
        if not (team_id and user_id):
            return DEFAULT_THRESHOLD
        here = self.store.subscriptions.get(team_id, channel_id, user_id) if channel_id else None
        if here is not None:
            return here.threshold
        return min((s.threshold for s in self.subscriptions_of(team_id, user_id)), default=DEFAULT_THRESHOLD)

    def first_visit(self, team_id: str, user_id: str) -> bool:
        """True once per person: the first time they open the app's Messages tab (they get a welcome).

        Kept as a cache document, which needs no schema change; losing it only means one more welcome.
        The lock makes two quick opens in this process welcome once (across processes, rarely twice).
        """
        with self._visits:
            if self.store.cache.doc(team_id, user_id, WELCOMED) is not None:
                return False
            self.store.cache.put_doc(team_id, user_id, WELCOMED, "1", self.clock.time())
            return True

    def token_rejected(self, account: Account) -> None:
        """Toggl refused the token: mark it, so the person is asked to reconnect rather than failing again."""
        if account.person is not None:
            self.store.people.mark_token_invalid(account.person.team_id, account.person.user_id)

    # -- Toggl data ----------------------------------------------------------------------------

    def me(self, account: Account) -> Me:
        """The person's Toggl profile, cached for an hour: `/me` has its own small quota."""
        cached = self._doc(account, "me", self.policy.me_seconds)
        if cached is not None:
            return Me.model_validate_json(cached)
        me = self.client(account).me()
        self._put_doc(account, "me", me.model_dump_json())
        return me

    def zone(self, account: Account) -> ZoneInfo:
        """The person's time zone, one rule for every answer: their Toggl profile as last fetched, else the zone
        stored when they connected, else UTC. Asks Toggl nothing (timers and my time once disagreed)."""
        cached = self._doc(account, "me", math.inf)
        name = Me.model_validate_json(cached).timezone if cached is not None else None
        name = name or (account.person.timezone if account.person is not None else None)
        try:
            return ZoneInfo(name or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def profile(self, account: Account) -> Me:
        """The person's Toggl profile as last fetched, up to `profile_seconds` old: for their time zone and week
        start, which change seldom, so that my time and personal messages do not spend the `/me` quota."""
        cached = self._doc(account, "me", self.policy.profile_seconds)
        return Me.model_validate_json(cached) if cached is not None else self.me(account)

    def workspaces(self, account: Account, *, fresh: bool = False) -> list[Workspace]:
        """The person's workspaces by name, cached for a quarter of an hour unless `fresh` is asked for."""
        cached = None if fresh else self._doc(account, "workspaces", self.policy.workspaces_seconds)
        if cached is not None:
            found = [Workspace.model_validate(w) for w in json.loads(cached)]
        else:
            found = self.client(account).workspaces()
            self._put_doc(account, "workspaces", _dump(found))
        return sorted(found, key=lambda w: w.name.casefold())

    def known_workspaces(self, account: Account) -> list[Workspace]:
        """The workspaces as last fetched, however long ago (only names are wanted); fetched if never.

        `/me/workspaces` draws on the small `/me` quota, so naming the workspace in a list header must not spend it.
        """
        if account.person is not None:
            found = self.store.cache.doc(account.person.team_id, account.person.user_id, "workspaces")
            if found is not None:
                return sorted((Workspace.model_validate(w) for w in json.loads(found[0])), key=lambda w: w.name.casefold())
        return self.workspaces(account)

    def workspace_id(self, account: Account) -> int:
        """The chosen workspace, or the person's default one in Toggl."""
        if account.workspace_id is not None:
            return account.workspace_id
        default = self.me(account).default_workspace_id
        if default is None:
            raise toggl.NotFound("This Toggl account has no default workspace")
        return default

    def switch_workspace(self, account: Account, query: str) -> Workspace | None:
        """Find the workspace by id or name and make it the person's default; None when none matches."""
        found = _find_workspace(self.workspaces(account), query)
        if found is None:  # maybe one they were added to since the list was cached
            found = _find_workspace(self.workspaces(account, fresh=True), query)
        if found is not None and account.person is not None:
            self.store.people.set_workspace(account.person.team_id, account.person.user_id, found.id)
        return found

    def projects(self, account: Account, workspace_id: int, *, max_age: float | None = None) -> Snapshot[Project]:
        """Every project of the workspace, archived ones too, each with its client's name filled in.

        Filters are applied by the caller. `max_age` stretches the freshness window (the Home tab's).
        """
        client = self.client(account)

        def fetch(since: int | None) -> toggl.Listing:
            return client.projects(workspace_id, active="both", since=since)

        snapshot = self._snapshot(account, workspace_id, "projects", Project, fetch, max_age=max_age)
        return dataclasses.replace(snapshot, items=self._with_client_names(account, workspace_id, snapshot.items))

    def cached_projects(self, team_id: str, user_id: str, workspace_id: int) -> list[Project]:
        """The projects as last fetched, however long ago, without asking Toggl anything.

        For answers that must come within Slack's 3 seconds, such as a select menu's type-ahead.
        """
        items = [Project.model_validate_json(d) for d in self.store.cache.items(team_id, user_id, workspace_id, "projects")]
        clients = self.store.cache.items(team_id, user_id, workspace_id, "clients")
        names = {c.id: c.name for c in (Client.model_validate_json(d) for d in clients)}
        return [_named(p, names) for p in items]

    def client_names(self, account: Account, workspace_id: int, wanted: set[int] | None = None) -> dict[int, str]:
        """Client names by id: the spec's project list names a client only by `client_id`.

        The list is kept `clients_seconds`; it is fetched again sooner only when a project names a client
        it lacks (a client made since), and at most once per freshness window.
        """
        client = self.client(account)

        def fetch(since: int | None) -> toggl.Listing:
            return client.clients(workspace_id)  # no `since` on this endpoint: always the whole (small) list

        found = self._snapshot(
            account, workspace_id, "clients", Client, fetch, max_age=self.policy.clients_seconds, full=True
        )
        names = {c.id: c.name for c in found.items}
        too_old = self.clock.time() - found.as_of >= self.policy.fresh_seconds
        if wanted and wanted - names.keys() and found.stale is None and too_old:
            found = self._snapshot(account, workspace_id, "clients", Client, fetch, full=True)
            names = {c.id: c.name for c in found.items}
        return names

    def _with_client_names(self, account: Account, workspace_id: int, projects: list[Project]) -> list[Project]:
        wanted = {p.client_id for p in projects if p.client_id is not None and not p.client_name}
        if not wanted:
            return projects
        try:
            names = self.client_names(account, workspace_id, wanted)
        except toggl.TokenRejected:
            raise
        except toggl.TogglError as err:  # the projects are still worth showing, without their clients' names
            log.info("No client names for workspace %s: %s", workspace_id, err)
            names = {}
        return [_named(p, names) for p in projects]

    def tasks(self, account: Account, workspace_id: int, project_id: int | None = None) -> Snapshot[Task]:
        """Every task of one project (or, with no project, of the whole workspace), done ones too."""
        client = self.client(account)
        scope = f"tasks:{project_id}" if project_id is not None else "tasks"
        return self._snapshot(
            account,
            workspace_id,
            scope,
            Task,
            lambda since: client.tasks(workspace_id, project_id=project_id, active="both", since=since),
        )

    def digest_data(self, account: Account, today: dt.date) -> WorkspaceData:
        """Everything a digest needs, fetched once per person however many channels they subscribed."""
        workspace_id = self.workspace_id(account)
        projects = self.projects(account, workspace_id).items
        tasks = [t for t in self.tasks(account, workspace_id).items if t.active]
        period = self.period_figures(account, [p for p in projects if needs_period_figure(p, today)])
        name = next((w.name for w in self.known_workspaces(account) if w.id == workspace_id), f"id {workspace_id}")
        return WorkspaceData(workspace_id, name, projects, tasks, period, self.pace(account, workspace_id, today))

    def pace(self, account: Account, workspace_id: int, today: dt.date, *, fetch: bool = True) -> dict[int, float]:
        """Seconds a day tracked on each project over the last four weeks, by anyone, for forecasts: one Reports
        request per workspace, kept `pace_seconds`. Empty (no forecasts) when it cannot be had: `fetch` off and
        nothing kept, the quota at its reserve, or Toggl refusing (a plan without reports, say)."""
        name = f"pace:{workspace_id}"
        cached = self._doc(account, name, self.policy.pace_seconds)
        if cached is not None:
            return {int(pid): per_day for pid, per_day in json.loads(cached).items()}
        if not fetch or self._quota_wait(account) is not None:
            return {}
        start = today - dt.timedelta(days=PACE_DAYS - 1)
        try:
            report = self.client(account).summary(workspace_id, start, today)
        except toggl.TokenRejected:
            raise
        except toggl.TogglError as err:
            log.info("No pace for the forecasts of workspace %s: %s", workspace_id, err)
            return {}
        per_day = {pid: pace(seconds) for pid, (seconds, _) in report.per_project().items() if pid is not None}
        self._put_doc(account, name, json.dumps({str(pid): value for pid, value in per_day.items()}))
        return per_day

    def period_figures(self, account: Account, projects: list[Project], *, limit: int | None = None) -> dict[int, int | str]:
        """This period's seconds of each recurring project given, or the reason there is none.

        One Reports request per project not already known (a figure is kept `period_seconds`), and at most
        `limit` of them: the rest say they were not fetched. No request is made at the quota reserve.
        """
        figures: dict[int, int | str] = {}
        spent = 0
        for project in projects:
            if not project.recurring:
                continue
            key = _period_key(project)
            cached = self._doc(account, key, self.policy.period_seconds) if key else None
            if cached is not None:
                figures[project.id] = int(cached)
                continue
            if limit is not None and spent >= limit:
                figures[project.id] = NOT_FETCHED
                continue
            if self._quota_wait(account) is not None:
                figures[project.id] = QUOTA_RESERVED
                continue
            spent += 1
            seconds, note = self.period_tracked(account, project)
            if seconds is None:
                figures[project.id] = note
            else:
                figures[project.id] = seconds
                if key:
                    self._put_doc(account, key, str(seconds))
        return figures

    def cached_period_figures(self, account: Account, projects: list[Project]) -> dict[int, int | str]:
        """The figures already known, asking nothing (for the Home tab)."""
        figures: dict[int, int | str] = {}
        for project in projects:
            key = _period_key(project) if project.recurring else None
            cached = self._doc(account, key, self.policy.period_seconds) if key else None
            if cached is not None:
                figures[project.id] = int(cached)
        return figures

    def period_tracked(self, account: Account, project: Project) -> tuple[int | None, str]:
        """Seconds tracked on a recurring project in its current period, or None and the reason why not."""
        period = project.current_period
        if not project.recurring:
            return None, ""
        if period is None or period.start_date is None or period.end_date is None:
            return None, "Toggl gave no current period"
        workspace_id = project.workspace_id or self.workspace_id(account)
        client = self.client(account)
        try:
            seconds = client.project_tracked_seconds(workspace_id, project.id, period.start_date, period.end_date)
        except toggl.TokenRejected:
            raise
        except toggl.TogglError as err:
            log.info("No period figure for project %s: %s", project.id, err)
            return None, "this period's time is unavailable: " + _reason(err)
        return seconds, ""

    # -- the cache -----------------------------------------------------------------------------

    def _snapshot(
        self,
        account: Account,
        workspace_id: int,
        scope: str,
        model: type[T],
        fetch: Callable[[int | None], toggl.Listing],
        *,
        max_age: float | None = None,
        full: bool = False,
    ) -> Snapshot[T]:
        """The cached copy while younger than `max_age` (the freshness window by default), else a refresh:
        a `since` delta merged in, or with `full`, the whole list replacing the copy."""
        person = account.person
        now = self.clock.time()
        if person is None:  # a bare token (toggl-bot ask): nothing is kept
            return Snapshot(list(fetch(None)), now)
        key = (person.team_id, person.user_id, workspace_id, scope)

        def cached(state: CacheState, stale: str | None = None, retry_in: int | None = None) -> Snapshot[T]:
            items = [model.model_validate_json(data) for data in self.store.cache.items(*key)]
            return Snapshot(items, state.fetched_at, stale, retry_in)

        state = self.store.cache.state(*key)
        fresh_for = self.policy.fresh_seconds if max_age is None else max_age
        if state is not None and now - state.fetched_at < fresh_for:
            return cached(state)
        wait = self._quota_wait(account)
        if wait is not None:
            if state is not None:
                return cached(state, "quota", wait)
            raise toggl.QuotaExceeded("kept in reserve: the hourly quota is nearly spent", resets_in=wait, status=None)
        try:
            since = int(state.server_time - self.policy.overlap_seconds) if state is not None and not full else None
            fresh = fetch(since)
        except toggl.QuotaExceeded as err:
            if state is None:
                raise
            return cached(state, "quota", err.resets_in)
        except (toggl.TogglUnavailable, toggl.RateLimited):
            if state is None:
                raise
            return cached(state, "unavailable")
        upserts = {item.id: item.model_dump_json() for item in fresh if item.server_deleted_at is None}
        deletes = [item.id for item in fresh if item.server_deleted_at is not None]
        new_state = CacheState(server_time=fresh.server_time or now, fetched_at=now)
        replace = state is None or full
        self.store.cache.merge(*key, upserts=upserts, deletes=deletes, state=new_state, replace=replace)
        if replace:
            return Snapshot([item for item in fresh if item.server_deleted_at is None], now)
        return cached(new_state)

    def _remember_quota(self, token_key: str, quota: Quota) -> None:
        try:
            self.store.cache.put_quota(token_key, quota)
        except SQLAlchemyError as err:  # a reading is advice; the answer that carried it still counts
            log.warning("Could not keep a Toggl quota reading: %s", type(err).__name__)

    def _quota_wait(self, account: Account) -> int | None:
        return self.quota_wait(account)

    def quota_wait(self, account: Account, bucket: str = "org") -> int | None:
        """Seconds until the quota resets, when it is down to the reserve; else None.

        `bucket` is "org" (the workspace's hourly quota) or "me" (the user quota of everything under `/me`).
        """
        token = account.token.get_secret_value()
        key = toggl.TogglClients.me_key_of(token) if bucket == "me" else toggl.TogglClients.key_of(token)
        quota = self.store.cache.quota(key)
        if quota is None or quota.remaining is None or quota.remaining > self.policy.quota_reserve:
            return None
        left = quota.seen_at + (quota.resets_in or 0) - self.clock.time()  # the client stamps quotas with the same clock
        return math.ceil(left) if left > 0 else None

    def doc(self, account: Account, name: str, max_age: float = math.inf) -> tuple[str, float] | None:
        """A cached document of the person (`bot.tracking` keeps its own here) and when it was stored; None
        when there is none younger than `max_age`, or no Slack person to keep it for."""
        if account.person is None:
            return None
        found = self.store.cache.doc(account.person.team_id, account.person.user_id, name)
        if found is None or self.clock.time() - found[1] >= max_age:
            return None
        return found

    def put_doc(self, account: Account, name: str, data: str, at: float | None = None) -> None:
        """Keep a document for the person, stamped `at` (now by default); nothing is kept for a bare token."""
        if account.person is not None:
            stamp = self.clock.time() if at is None else at
            self.store.cache.put_doc(account.person.team_id, account.person.user_id, name, data, stamp)

    def _doc(self, account: Account, name: str, max_age: float) -> str | None:
        if account.person is None:
            return None
        found = self.store.cache.doc(account.person.team_id, account.person.user_id, name)
        if found is None or self.clock.time() - found[1] >= max_age:
            return None
        return found[0]

    def _put_doc(self, account: Account, name: str, data: str) -> None:
        if account.person is not None:
            self.store.cache.put_doc(account.person.team_id, account.person.user_id, name, data, self.clock.time())


def _policy(settings: Settings) -> CachePolicy:
    return CachePolicy(fresh_seconds=settings.cache_fresh_seconds, quota_reserve=settings.quota_reserve)


def _named(project: Project, names: dict[int, str]) -> Project:
    """The project with its client's name, when Toggl named only the id."""
    if project.client_name or project.client_id is None or project.client_id not in names:
        return project
    return project.model_copy(update={"client_name": names[project.client_id]})


def _period_key(project: Project) -> str | None:
    """The cache document holding a recurring project's figure for its current period."""
    period = project.current_period
    if period is None or period.start_date is None or period.end_date is None:
        return None
    return f"period:{project.id}:{period.start_date.isoformat()}:{period.end_date.isoformat()}"


def _find_workspace(workspaces: list[Workspace], query: str) -> Workspace | None:
    """By id, exact name, or a part of the name that only one workspace has."""
    wanted = query.strip().casefold()
    found = next((w for w in workspaces if str(w.id) == wanted), None)
    found = found or next((w for w in workspaces if w.name.casefold() == wanted), None)
    partial = [w for w in workspaces if wanted in w.name.casefold()]
    return found or (partial[0] if len(partial) == 1 else None)


def _dump(models: list[Workspace]) -> str:
    return json.dumps([m.model_dump(mode="json") for m in models])


def _reason(error: toggl.TogglError) -> str:
    match error:
        case toggl.QuotaExceeded():
            return "Toggl's hourly limit is used up"
        case toggl.FeatureUnavailable():
            return "reports need a paid Toggl plan"
        case toggl.NoWorkspaceAccess():
            return "no access to reports"
        case _:
            return "Toggl's reports did not answer"
