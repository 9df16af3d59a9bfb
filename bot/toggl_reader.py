"""The Toggl reader: a person's Toggl data through the app's copy, the one place that chooses copy or Toggl.

- within the freshness window (`CachePolicy.fresh_seconds`) an answer makes no request at all;
- after it, a refresh asks only for what changed (`since=` Toggl's clock at the last fetch, less
  an overlap) and merges it, dropping what comes back with `server_deleted_at`;
- on a quota running low (the free plan's 30 an hour), the window is `thrifty_seconds` instead, and a
  failing refresh is retried once at most (each retry is a request on the quota);
- when the token's hourly quota is down to the reserve, or Toggl answers 402 or is down, the
  cached copy is shown with a note of its age (`Snapshot.stale`); with no copy, the error stands;
- within `toggl.copy_only()` (the first answer while Toggl is slow) nothing is asked: the copy, noted "slow".

Documents (`doc`, `put_doc`) hold what is not a list: the profile, the workspaces, the timer
(`bot.tracking`), report figures (`bot.reports_reader`). One time-zone rule for every answer is `zone`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import SQLAlchemyError

from bot import toggl
from bot.clock import Clock
from bot.identity import Account
from bot.store import CacheState
from bot.store.cache import Cache
from bot.toggl.models import Client, Me, Project, Quota, Task, Workspace

log = logging.getLogger(__name__)

T = TypeVar("T", Project, Task, Client)


@dataclass(frozen=True)
class CachePolicy:
    """How long copies stay fresh, and how many requests of the hourly quota to keep in reserve."""

    fresh_seconds: float = 60
    overlap_seconds: float = 60
    me_seconds: float = 3600
    workspaces_seconds: float = 900
    clients_seconds: float = 3600
    """Client names change seldom: a list this young is used unless a project names a client it lacks (then it
    is fetched again, at most once per freshness window)."""
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
    """At this many requests left (or fewer) on a quota, reads answer from the copy with its age: the last ones are
    kept for starting and stopping timers, which still go through."""
    thrift_below: int = 60
    """With fewer requests than this left on the workspace quota (the free plan's 30 always are), lists and tasks
    are kept `thrifty_seconds` instead of the freshness window, so a whole hour of use fits the quota."""
    thrifty_seconds: float = 900
    thrifty_home_seconds: float = 3600
    """The Home tab on such a quota: its projects up to an hour old (it says as of when; Refresh asks sooner)."""
    names_seconds: float = 3600
    """Finding a project by name (`tasks <name>`, `start … project:<name>`) uses the copy up to this old: names
    change seldom, and a name the copy lacks still makes a refresh."""
    own_timer_seconds: float = 900
    """A timer the app started or stopped itself is known without asking `/me` for this long (unless changed
    in Toggl meanwhile, which the app cannot see; the answer says when it last knew)."""
    slow_seconds: float = 1.5
    """When Toggl has not answered a read within this, the answer from the app's copy goes first (saying how old
    it is), and the fresh one replaces it when it comes (`handlers.deps.Deps.later`)."""
    pages_per_answer: int = 5
    """The most pages of 200 projects one answer fetches for a list it does not have yet. A workspace of 20,000
    projects needs 100 pages, more than a free plan's hourly quota: it is listed 1,000 at a time, kept as it
    comes, and finished over the next answers. A normal workspace (450 projects: 3 pages) is whole at once."""


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """Items with the time they were fetched; `stale` says why they could not be refreshed, if they were not."""

    items: list[T]
    as_of: float
    stale: str | None = None
    """None, "quota" (the hourly limit; see `retry_in`), "reserve" (the last requests of it, kept for timers),
    "unavailable" (Toggl down or rate limiting), "slow" (sent first while Toggl is slow to answer) or
    "partial" (a large list, fetched so far only in part; the rest comes with the next answers)."""
    retry_in: int | None = None


class TogglReader:
    """Cache-backed reads of one person's Toggl data, and the quota bookkeeping every request goes through."""

    def __init__(self, cache: Cache, clients: toggl.TogglClients, clock: Clock, policy: CachePolicy) -> None:
        if clients.clock is not clock:
            raise ValueError("the store and the Toggl clients must share one clock")
        self.cache = cache
        self.clients = clients
        self.clock = clock
        self.policy = policy
        clients.on_quota = self.remember_quota  # every instance sees the latest reading of each token

    def client(self, account: Account) -> toggl.TogglClient:
        return self.clients.for_token(account.token.get_secret_value())

    def me(self, account: Account) -> Me:
        """The person's Toggl profile, cached for an hour: `/me` has its own small quota."""
        cached = self.doc(account, "me", self.policy.me_seconds)
        if cached is not None:
            return Me.model_validate_json(cached[0])
        me = self.client(account).me()
        self.put_doc(account, "me", me.model_dump_json())
        return me

    def zone(self, account: Account) -> ZoneInfo:
        """The person's time zone, one rule for every answer: their Toggl profile as last fetched, else the zone
        stored when they connected, else UTC. Asks Toggl nothing (timers and my time once disagreed)."""
        cached = self.doc(account, "me")
        name = Me.model_validate_json(cached[0]).timezone if cached is not None else None
        name = name or (account.person.timezone if account.person is not None else None)
        try:
            return ZoneInfo(name or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def profile(self, account: Account) -> Me:
        """The person's Toggl profile as last fetched, up to `profile_seconds` old: for their time zone and week
        start, which change seldom, so that my time and personal messages do not spend the `/me` quota."""
        cached = self.doc(account, "me", self.policy.profile_seconds)
        return Me.model_validate_json(cached[0]) if cached is not None else self.me(account)

    def workspaces(self, account: Account, *, fresh: bool = False) -> list[Workspace]:
        """The person's workspaces by name, cached for a quarter of an hour unless `fresh` is asked for."""
        cached = None if fresh else self.doc(account, "workspaces", self.policy.workspaces_seconds)
        if cached is not None:
            found = [Workspace.model_validate(w) for w in json.loads(cached[0])]
        else:
            found = self.client(account).workspaces()
            self.put_doc(account, "workspaces", dump_workspaces(found))
        return sorted(found, key=lambda w: w.name.casefold())

    def known_workspaces(self, account: Account) -> list[Workspace]:
        """The workspaces as last fetched, however long ago (only names are wanted); fetched if never.

        `/me/workspaces` draws on the small `/me` quota, so naming the workspace in a list header must not spend it.
        """
        found = self.doc(account, "workspaces")
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

    def kept_workspace_id(self, account: Account) -> int | None:
        """The chosen workspace, or the default one from the profile as last fetched however long ago: asks Toggl
        nothing (a webhook delivery must cost no request); None when neither is known."""
        if account.workspace_id is not None:
            return account.workspace_id
        cached = self.doc(account, "me")
        return Me.model_validate_json(cached[0]).default_workspace_id if cached is not None else None

    def projects(self, account: Account, workspace_id: int, *, max_age: float | None = None) -> Snapshot[Project]:
        """Every project of the workspace, archived ones too, each with its client's name filled in.

        Filters are applied by the caller. `max_age` stretches the freshness window (the Home tab's).
        """
        client = self.client(account)
        limit = self.policy.pages_per_answer if account.person is not None else None  # a bare token keeps nothing
        resume = self._projects_resume(account, workspace_id)
        if resume is not None:
            snapshot = self._more_projects(account, workspace_id, client, resume)
        else:
            stopped: list[int] = []

            def fetch(since: int | None) -> toggl.Listing:
                found = client.projects(
                    workspace_id, active="both", since=since, page_limit=limit if since is None else None
                )
                if found.next_page is not None:
                    stopped.append(found.next_page)
                return found

            snapshot = self._snapshot(account, workspace_id, "projects", Project, fetch, max_age=max_age)
            if stopped:
                self.put_doc(account, _resume_doc(workspace_id), str(stopped[0]))
                snapshot = dataclasses.replace(snapshot, stale="partial")
        return dataclasses.replace(snapshot, items=self._with_client_names(account, workspace_id, snapshot.items))

    def kept_projects(self, account: Account, workspace_id: int) -> Snapshot[Project] | None:
        """The copy of the projects up to `names_seconds` old, asking Toggl nothing: for finding a project by name.
        None when there is no such copy (or only part of a large list): then `projects` is the way."""
        person = account.person
        if person is None or self._projects_resume(account, workspace_id) is not None:
            return None
        state = self.cache.state(person.team_id, person.user_id, workspace_id, "projects")
        if state is None or self.clock.time() - state.fetched_at >= self.policy.names_seconds:
            return None
        return Snapshot(self.cached_projects(person.team_id, person.user_id, workspace_id), state.fetched_at)

    def home_freshness(self, account: Account) -> float:
        """How old the Home tab's projects may be before it asks Toggl: longer on a quota running low."""
        if self.freshness(account) > self.policy.fresh_seconds:
            return max(self.policy.home_seconds, self.policy.thrifty_home_seconds)
        return self.policy.home_seconds

    def _projects_resume(self, account: Account, workspace_id: int) -> int | None:
        """The page a partly fetched project list goes on from, if it is partly fetched."""
        found = self.doc(account, _resume_doc(workspace_id))
        return int(found[0]) if found is not None and found[0].isdigit() else None

    def _more_projects(self, account: Account, workspace_id: int, client: toggl.TogglClient, page: int) -> Snapshot[Project]:
        """The next pages of a partly fetched project list, merged into the copy; while the quota is short or
        Toggl is away, the copy as it is. Changes to pages already read come later with the `since` refresh
        (from the first page's clock), so nothing that moved meanwhile is lost for good."""
        assert account.person is not None  # only a person's list is kept, so only theirs can be partial
        key = (account.person.team_id, account.person.user_id, workspace_id, "projects")
        state = self.cache.state(*key)

        def kept(retry_in: int | None = None) -> Snapshot[Project]:
            items = [Project.model_validate_json(data) for data in self.cache.items(*key)]
            return Snapshot(items, state.fetched_at if state is not None else self.clock.time(), "partial", retry_in)

        if state is None:  # the copy went (a disconnect, a clear): start again from the first page
            self.forget_docs(account, _resume_doc(workspace_id))
            return self.projects(account, workspace_id)
        wait = self.quota_wait(account)
        if wait is not None:
            return kept(wait)
        try:
            more = client.projects(workspace_id, active="both", first_page=page, page_limit=self.policy.pages_per_answer)
        except toggl.QuotaExceeded as err:
            return kept(err.resets_in)
        except (toggl.TogglUnavailable, toggl.RateLimited):
            return kept()
        upserts = {item.id: item.model_dump_json() for item in more if item.server_deleted_at is None}
        now = self.clock.time()
        self.cache.merge(
            *key,
            upserts=upserts,
            deletes=[],
            state=CacheState(server_time=state.server_time, fetched_at=now),  # deltas count from the first page
            replace=False,
        )
        if more.next_page is not None:
            self.put_doc(account, _resume_doc(workspace_id), str(more.next_page))
            return kept()
        self.forget_docs(account, _resume_doc(workspace_id))
        items = [Project.model_validate_json(data) for data in self.cache.items(*key)]
        return Snapshot(items, now)

    def cached_projects(self, team_id: str, user_id: str, workspace_id: int) -> list[Project]:
        """The projects as last fetched, however long ago, without asking Toggl anything.

        For answers that must come within Slack's 3 seconds, such as a select menu's type-ahead.
        """
        items = [Project.model_validate_json(d) for d in self.cache.items(team_id, user_id, workspace_id, "projects")]
        clients = self.cache.items(team_id, user_id, workspace_id, "clients")
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
        """Every task of one project (or, with no project, of the whole workspace), done ones too.

        A project's tasks come from the copy of the whole workspace's tasks when those fit one page (one request
        then serves every project's tasks, and a `since` refresh keeps it); a workspace with more is asked
        per project from then on (noted for a day).
        """
        client = self.client(account)
        if project_id is not None:
            whole = self._workspace_tasks(account, workspace_id, client)
            if whole is not None:
                return dataclasses.replace(whole, items=[t for t in whole.items if t.project_id == project_id])
        scope = f"tasks:{project_id}" if project_id is not None else "tasks"
        return self._snapshot(
            account,
            workspace_id,
            scope,
            Task,
            lambda since: client.tasks(workspace_id, project_id=project_id, active="both", since=since),
        )

    def _workspace_tasks(self, account: Account, workspace_id: int, client: toggl.TogglClient) -> Snapshot[Task] | None:
        """The whole workspace's tasks, when they fit one page; None when they do not (or when Toggl cannot say
        now and there is no copy: the project's own copy may still answer)."""
        marker = f"tasks-per-project:{workspace_id};"
        if account.person is None or self.doc(account, marker, self.policy.profile_seconds) is not None:
            return None

        def fetch(since: int | None) -> toggl.Listing:
            found = client.tasks(workspace_id, active="both", since=since, page_limit=None if since is not None else 1)
            if found.next_page is not None:
                raise _TooMany
            return found

        try:
            return self._snapshot(account, workspace_id, "tasks", Task, fetch)
        except _TooMany:
            self.put_doc(account, marker, "1")
            return None
        except (toggl.QuotaExceeded, toggl.TogglUnavailable, toggl.RateLimited):
            return None

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
            items = [model.model_validate_json(data) for data in self.cache.items(*key)]
            return Snapshot(items, state.fetched_at, stale, retry_in)

        state = self.cache.state(*key)
        fresh_for = self.freshness(account) if max_age is None else max_age
        if state is not None and now - state.fetched_at < fresh_for:
            # kept longer only to spare the quota: at the reserve, the answer says how old it is
            spared = now - state.fetched_at >= self.policy.fresh_seconds
            wait = self.quota_wait(account) if spared else None
            return cached(state) if wait is None else cached(state, "reserve", wait)
        wait = self.quota_wait(account)
        if wait is not None:
            if state is not None:
                return cached(state, "reserve", wait)
            raise toggl.QuotaExceeded("kept in reserve: the hourly quota is nearly spent", resets_in=wait, status=None)
        spare = state is not None and self.freshness(account) > self.policy.fresh_seconds
        try:
            since = int(state.server_time - self.policy.overlap_seconds) if state is not None and not full else None
            with toggl.sparing() if spare else contextlib.nullcontext():  # retries cost quota; the copy can answer
                fresh = fetch(since)
        except toggl.QuotaExceeded as err:
            if state is None:
                raise
            return cached(state, "quota", err.resets_in)
        except toggl.NotAsked:  # the first answer while Toggl is slow: the copy alone
            if state is None:
                raise
            return cached(state, "slow")
        except (toggl.TogglUnavailable, toggl.RateLimited):
            if state is None:
                raise
            return cached(state, "unavailable")
        upserts = {item.id: item.model_dump_json() for item in fresh if item.server_deleted_at is None}
        deletes = [item.id for item in fresh if item.server_deleted_at is not None]
        new_state = CacheState(server_time=fresh.server_time or now, fetched_at=now)
        replace = state is None or full
        self.cache.merge(*key, upserts=upserts, deletes=deletes, state=new_state, replace=replace)
        if replace:
            return Snapshot([item for item in fresh if item.server_deleted_at is None], now)
        return cached(new_state)

    def freshness(self, account: Account) -> float:
        """How long a kept list is used without asking Toggl: the freshness window, or on a quota running low (the
        free plan's, say) `thrifty_seconds`, so that the requests left go to what the person asks for anew."""
        quota = self.cache.quota(toggl.TogglClients.key_of(account.token.get_secret_value()))
        if quota is not None and quota.remaining is not None and quota.remaining < self.policy.thrift_below:
            left = quota.seen_at + (quota.resets_in or 0) - self.clock.time()
            if left > 0:  # the reading still holds: the hour it counts has not reset
                return max(self.policy.fresh_seconds, self.policy.thrifty_seconds)
        return self.policy.fresh_seconds

    def remember_quota(self, token_key: str, quota: Quota) -> None:
        try:
            self.cache.put_quota(token_key, quota)
        except SQLAlchemyError as err:  # a reading is advice; the answer that carried it still counts
            log.warning("Could not keep a Toggl quota reading: %s", type(err).__name__)

    def quota_wait(self, account: Account, bucket: str = "org") -> int | None:
        """Seconds until the quota resets, when it is down to the reserve; else None.

        `bucket` is "org" (the workspace's hourly quota) or "me" (the user quota of everything under `/me`).
        """
        token = account.token.get_secret_value()
        key = toggl.TogglClients.me_key_of(token) if bucket == "me" else toggl.TogglClients.key_of(token)
        quota = self.cache.quota(key)
        if quota is None or quota.remaining is None or quota.remaining > self.policy.quota_reserve:
            return None
        left = quota.seen_at + (quota.resets_in or 0) - self.clock.time()  # the client stamps quotas with the same clock
        return math.ceil(left) if left > 0 else None

    def doc(self, account: Account, name: str, max_age: float = math.inf) -> tuple[str, float] | None:
        """A cached document of the person and when it was stored; None when there is none younger than
        `max_age`, or no Slack person to keep it for."""
        if account.person is None:
            return None
        found = self.cache.doc(account.person.team_id, account.person.user_id, name)
        if found is None or self.clock.time() - found[1] >= max_age:
            return None
        return found

    def put_doc(self, account: Account, name: str, data: str, at: float | None = None) -> None:
        """Keep a document for the person, stamped `at` (now by default); nothing is kept for a bare token."""
        if account.person is not None:
            stamp = self.clock.time() if at is None else at
            self.cache.put_doc(account.person.team_id, account.person.user_id, name, data, stamp)

    def forget_docs(self, account: Account, prefix: str) -> None:
        """Drop the person's documents whose name starts with `prefix` (a timer or reports now out of date)."""
        if account.person is not None:
            self.cache.forget_docs(account.person.team_id, account.person.user_id, prefix)


class _TooMany(Exception):
    """The workspace has more tasks than one page: they are asked per project."""


def _resume_doc(workspace_id: int) -> str:
    """The document that holds the next page of a partly fetched project list."""
    return f"projects-resume:{workspace_id};"  # the ";" keeps workspace 1 from matching 12 as a prefix


def _named(project: Project, names: dict[int, str]) -> Project:
    """The project with its client's name, when Toggl named only the id."""
    if project.client_name or project.client_id is None or project.client_id not in names:
        return project
    return project.model_copy(update={"client_name": names[project.client_id]})


def dump_workspaces(models: list[Workspace]) -> str:
    return json.dumps([m.model_dump(mode="json") for m in models])
