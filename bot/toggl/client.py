"""The Toggl Track client: one `requests.Session` per token, retries in the transport, errors as our own classes.

Retry policy lives in urllib3's `Retry`, mounted on the session: 429 honours `Retry-After`
(capped), 5xx and connection errors back off with jitter, and everything is bounded so that a
person never waits much more than ten seconds. The Reports API gets its own adapter that may
retry POST, since those POSTs are read-only queries; nothing else retries a POST or a PATCH: a
retried write (starting a timer) could happen twice.

Quota readings come in two buckets: everything under `/me` draws on a user quota of 30 requests an
hour on every plan, the rest on the workspace's hourly quota ("org"). Each is kept apart.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json as jsonlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests
from pydantic import ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot import __version__, metrics
from bot.clock import SYSTEM, Clock
from bot.toggl.errors import (
    AnswerTooLarge,
    BadResponse,
    Conflict,
    FeatureUnavailable,
    NotAsked,
    NotFound,
    NoWorkspaceAccess,
    QuotaExceeded,
    RateLimited,
    TogglError,
    TogglUnavailable,
    TokenRejected,
)
from bot.toggl.models import (
    Client,
    Me,
    Project,
    Quota,
    SummaryReport,
    Task,
    TimeEntry,
    TogglModel,
    WeeklyRow,
    Workspace,
    WorkspaceUser,
)

USER_AGENT = f"toggl-for-slack/{__version__} (+https://github.com/toggl-for-slack)"
PROJECTS_PER_PAGE = 200
"""Toggl's maximum; the default of 151 would cost more requests."""
TASKS_PER_PAGE = 200
MAX_PAGES = 500
"""A guard against a server that never sends a short page: 100,000 items."""
CREATED_WITH = "Toggl for Slack"
"""What Toggl records as the app that created a time entry (`created_with`, required on creation)."""
ME_PREFIX = "/api/v9/me"
"""Paths under it draw on the user quota of 30 requests an hour, apart from the workspace's."""

M = TypeVar("M", bound=TogglModel)
"""The model one answer is read into: each endpoint method returns its own type, not `Any`."""

MAX_BODY_BYTES = 8 * 1024 * 1024
"""The most of one answer we read (after gzip is undone), per request and so per page. A page of 200 projects
is 100 to 300 KB (about 520 bytes a project in the fake, up to 1.5 KB with long names and every field), so
8 MB is over 25 pages' worth; the unpaged answers (a person's time entries, a summary report of a month)
would need some 50,000 rows to reach it. Parsed, 8 MB of JSON is roughly 60 MB of Python objects: bounded,
where a 127 MB project list once took an instance from 110 to 967 MB."""
MAX_DEPTH = 32
"""How deeply an answer may nest. Toggl's deepest, the summary report (groups, sub-groups, rates), is 7 levels;
deeper than 32 is not Toggl's data, and past about 1,000 the JSON parser itself gives up with RecursionError."""
CHUNK_BYTES = 64 * 1024

TIMEOUT = (3.05, 4.0)

_COPY_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("toggl_copy_only", default=False)


@contextlib.contextmanager
def copy_only() -> Iterator[None]:
    """Within it, no request reaches Toggl: each raises `NotAsked`, so readers answer from the app's copy (for
    the answer sent first while Toggl is slow). Per thread, as a context variable."""
    token = _COPY_ONLY.set(True)
    try:
        yield
    finally:
        _COPY_ONLY.reset(token)


"""(connect, read) seconds. With one read retry and backoff, a slow Toggl costs about 9 s at worst."""


_SPARING: contextvars.ContextVar[bool] = contextvars.ContextVar("toggl_sparing", default=False)


@contextlib.contextmanager
def sparing() -> Iterator[None]:
    """Within it, a failed request is retried once at most: every retry is a request on the hourly quota, and
    the caller has a copy to show instead (a read on a quota running low)."""
    token = _SPARING.set(True)
    try:
        yield
    finally:
        _SPARING.reset(token)


class _Retry(Retry):
    """urllib3's Retry, retrying once at most within `sparing()` (it runs on the calling thread)."""

    def is_exhausted(self) -> bool:
        return super().is_exhausted() or (_SPARING.get() and len(self.history) > 1)


def default_retry(methods: Iterable[str] = ("GET",), backoff_factor: float = 0.3) -> Retry:
    """The retry policy for Toggl: 429 and 5xx retried with jittered backoff, all waits capped."""
    return _Retry(
        total=4,
        connect=2,
        read=1,
        status=3,
        other=0,
        allowed_methods=frozenset(methods),
        status_forcelist=frozenset({429, 500, 502, 503, 504}),
        backoff_factor=backoff_factor,
        backoff_jitter=0.3 if backoff_factor else 0.0,
        backoff_max=3,
        respect_retry_after_header=True,
        retry_after_max=3,
        raise_on_status=False,
    )


def no_retry(methods: Iterable[str] = ("GET",)) -> Retry:
    """No retries at all: for a check that must finish inside Slack's 3 seconds."""
    return Retry(total=0, allowed_methods=frozenset(methods), respect_retry_after_header=False, raise_on_status=False)


def _usable(token: str) -> str:
    """The token, if it can be one: Toggl's are printable ASCII. Anything else cannot even go into a Basic
    auth header (requests would fail to encode it), so it is refused as Toggl would refuse it."""
    if not token or not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise TokenRejected("That is not a Toggl API token")
    return token


class Listing(list[Any]):
    """A list of models plus `server_time`: Toggl's clock (UNIX seconds) when the first page was answered.

    The next `since=` refresh starts from this, minus an overlap, so changes made while we paged are not lost.
    """

    server_time: float | None = None
    next_page: int | None = None
    """Where to go on, when the listing stopped early (a page limit, or the quota spent after some pages)."""


def _server_time(response: requests.Response) -> float | None:
    try:
        return parsedate_to_datetime(response.headers["Date"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return None


def _int_header(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class _Answer:
    body: Any
    server_time: float | None


class TogglClient:
    """One person's Toggl, reached with their API token. Safe to share between threads for reads.

    >>> client = TogglClient("0123abcd", base_url="https://api.track.toggl.com")
    >>> client.me().fullname  # doctest: +SKIP
    'Ada Lovelace'
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str,
        timeout: tuple[float, float] = TIMEOUT,
        retry: Callable[[Iterable[str]], Retry] = default_retry,
        min_interval: float = 0.0,
        clock: Clock = SYSTEM,
        on_quota: Callable[[str, Quota], None] | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self._on_quota = on_quota
        self._timeout = timeout
        self._min_interval = min_interval
        self._next_at = 0.0
        self._pace_lock = threading.Lock()
        self._session = requests.Session()
        self._session.auth = (_usable(token), "api_token")
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.mount(self._base_url + "/", HTTPAdapter(max_retries=retry(("GET",))))
        self._session.mount(self._base_url + "/reports/", HTTPAdapter(max_retries=retry(("GET", "POST"))))
        self.quota = Quota()
        """The latest quota headers Toggl sent for this token's workspace requests."""
        self.me_quota = Quota()
        """The latest quota headers of the user quota (requests under `/me`)."""

    def __repr__(self) -> str:
        return f"TogglClient(base_url={self._base_url!r}, token=<hidden>)"

    def close(self) -> None:
        self._session.close()

    # -- the endpoints ---------------------------------------------------------------------------

    def me(self) -> Me:
        """The token's owner. Raises `TokenRejected` on 401 and on 403, which `/me` also uses for a bad token."""
        return self._model(Me, self._request("GET", "/api/v9/me", me=True))

    def workspaces(self) -> list[Workspace]:
        """Every workspace the person can use."""
        return self._models(Workspace, self._request("GET", "/api/v9/me/workspaces", me=True))

    def projects(
        self,
        workspace_id: int,
        *,
        active: bool | str = "both",
        statuses: Iterable[str] | None = None,
        name: str | None = None,
        client_ids: Iterable[int] | None = None,
        since: int | None = None,
        first_page: int = 1,
        page_limit: int | None = None,
    ) -> Listing:
        """Every project of a workspace matching the filters, fetching all pages of 200.

        `active` is True, False or "both"; `since` is UNIX time and returns deleted ones too.
        Pinned projects come first, as Toggl sorts them. With `page_limit`, at most that many pages from
        `first_page` are fetched, and a 402 after the first of them keeps what came: `next_page` says where
        to go on.
        """
        params: dict[str, Any] = {"per_page": PROJECTS_PER_PAGE, "sort_pinned": "true", "active": _flag(active)}
        if statuses:
            params["statuses"] = ",".join(statuses)
        if name:
            params["name"] = name
        if client_ids:
            params["client_ids"] = ",".join(str(c) for c in client_ids)
        if since is not None:
            params["since"] = since
        return self._all_pages(
            f"/api/v9/workspaces/{workspace_id}/projects",
            params,
            PROJECTS_PER_PAGE,
            _projects_of,
            first_page=first_page,
            page_limit=page_limit,
        )

    def clients(self, workspace_id: int, *, status: str = "both") -> Listing:
        """Every client of a workspace, archived ones too by default: one request, a bare array.

        The spec gives this endpoint neither paging nor `since`, so a refresh is a full list (it is small).
        """
        answer = self._call("GET", f"/api/v9/workspaces/{workspace_id}/clients", params={"status": status})
        listing = Listing(self._models(Client, answer.body or []))
        listing.server_time = answer.server_time
        return listing

    def project(self, workspace_id: int, project_id: int) -> Project:
        """One project; raises `NotFound` when it does not exist."""
        return self._model(Project, self._request("GET", f"/api/v9/workspaces/{workspace_id}/projects/{project_id}"))

    def tasks(
        self,
        workspace_id: int,
        *,
        project_id: int | None = None,
        active: bool | str = "both",
        since: int | None = None,
        page_limit: int | None = None,
    ) -> Listing:
        """Every task of a workspace (or of one project), fetching all pages (at most `page_limit`: then
        `next_page` says whether there were more); times in seconds."""
        params: dict[str, Any] = {"per_page": TASKS_PER_PAGE, "active": _flag(active), "sort_field": "name"}
        if project_id is not None:
            params["pid"] = project_id
        if since is not None:
            params["since"] = since
        return self._all_pages(
            f"/api/v9/workspaces/{workspace_id}/tasks", params, TASKS_PER_PAGE, _tasks_of, page_limit=page_limit
        )

    def project_tracked_seconds(self, workspace_id: int, project_id: int, start: dt.date, end: dt.date) -> int:
        """Seconds tracked on a project from `start` to `end` (inclusive days), from the Reports API v3.

        This is how recurring projects are measured: their tasks' `tracked_seconds` come back as 0.
        """
        if end <= start:
            end = start + dt.timedelta(days=1)
        body = self._request(
            "POST",
            f"/reports/api/v3/workspace/{workspace_id}/projects/{project_id}/summary",
            json={"start_date": start.isoformat(), "end_date": end.isoformat()},
        )
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise BadResponse("Toggl's report had no tracked seconds", path="/reports")
        return int(seconds)

    # -- time entries: under /me (the user quota), writes in the workspace ---------------------

    def current_entry(self) -> TimeEntry | None:
        """The running time entry, or None (Toggl answers `null`)."""
        body = self._request("GET", "/api/v9/me/time_entries/current", me=True)
        return None if body is None else self._model(TimeEntry, body)

    def time_entries(
        self, start: dt.datetime | dt.date | None = None, end: dt.datetime | dt.date | None = None
    ) -> list[TimeEntry]:
        """The person's latest entries, newest first, the running one included; with `start` and `end`
        (both or neither: Toggl wants them together) only those that started in between."""
        params: dict[str, Any] = {}
        if start is not None and end is not None:
            params = {"start_date": _rfc3339(start), "end_date": _rfc3339(end)}
        body = self._request("GET", "/api/v9/me/time_entries", params=params, me=True)
        entries = [e for e in self._models(TimeEntry, body or []) if e.server_deleted_at is None]
        return sorted(entries, key=lambda e: e.start, reverse=True)

    def start_entry(
        self,
        workspace_id: int,
        *,
        start: dt.datetime,
        description: str = "",
        project_id: int | None = None,
        task_id: int | None = None,
        billable: bool | None = None,
        tags: Iterable[str] = (),
    ) -> TimeEntry:
        """Start a running entry (duration -1) at `start`. Toggl stops whatever was running. Never retried."""
        body: dict[str, Any] = {
            "created_with": CREATED_WITH,
            "workspace_id": workspace_id,
            "start": _rfc3339(start),
            "duration": -1,
            "description": description,
        }
        body.update(_entry_fields(project_id, task_id, billable, tags))
        return self._model(TimeEntry, self._request("POST", f"/api/v9/workspaces/{workspace_id}/time_entries", json=body))

    def stop_entry(self, workspace_id: int, entry_id: int) -> TimeEntry:
        """Stop a running entry now (Toggl's clock). Raises `Conflict` when it was already stopped. Never retried."""
        path = f"/api/v9/workspaces/{workspace_id}/time_entries/{entry_id}/stop"
        return self._model(TimeEntry, self._request("PATCH", path))

    # -- capture: entries after the fact, edits and undo (issue 20); never retried, like every write -----

    def create_entry(
        self,
        workspace_id: int,
        *,
        start: dt.datetime,
        seconds: int,
        description: str = "",
        project_id: int | None = None,
        task_id: int | None = None,
        billable: bool | None = None,
        tags: Iterable[str] = (),
    ) -> TimeEntry:
        """A stopped entry of `seconds` from `start` (`log`). Never retried: a resent create makes two entries."""
        body: dict[str, Any] = {
            "created_with": CREATED_WITH,
            "workspace_id": workspace_id,
            "start": _rfc3339(start),
            "duration": int(seconds),
            "stop": _rfc3339(start + dt.timedelta(seconds=int(seconds))),
            "description": description,
        }
        body.update(_entry_fields(project_id, task_id, billable, tags))
        return self._model(TimeEntry, self._request("POST", f"/api/v9/workspaces/{workspace_id}/time_entries", json=body))

    def update_entry(
        self,
        workspace_id: int,
        entry_id: int,
        *,
        description: str,
        project_id: int | None,
        task_id: int | None,
        billable: bool | None,
        tags: Iterable[str],
    ) -> TimeEntry:
        """Change an entry's description, project, task, billable flag and tags (`PUT`: the tags given replace
        its tags). Never retried."""
        body: dict[str, Any] = {"description": description, "project_id": project_id, "task_id": task_id}
        body["tags"] = list(tags)
        if billable is not None:
            body["billable"] = billable
        path = f"/api/v9/workspaces/{workspace_id}/time_entries/{entry_id}"
        return self._model(TimeEntry, self._request("PUT", path, json=body))

    def delete_entry(self, workspace_id: int, entry_id: int) -> None:
        """Delete one entry (an Undo). Raises `NotFound` when it is gone already. Never retried."""
        self._request("DELETE", f"/api/v9/workspaces/{workspace_id}/time_entries/{entry_id}")

    # -- end of capture ---------------------------------------------------------------------------------

    def summary(
        self, workspace_id: int, start: dt.date, end: dt.date, *, user_ids: Iterable[int] | None = None
    ) -> SummaryReport:
        """Time per project from `start` to `end` (days, inclusive, in each person's Toggl time zone) from the
        Reports API v3, one request; only `user_ids`' time when given. Running entries are not counted.

        The spec asks for an end after the start, so a single day is asked as that day and the next
        (which, being the future, adds nothing).
        """
        if end <= start:
            end = start + dt.timedelta(days=1)
        body: dict[str, Any] = {
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "grouping": "projects",
            "sub_grouping": "time_entries",
        }
        if user_ids is not None:
            body["user_ids"] = list(user_ids)
        answer = self._request("POST", f"/reports/api/v3/workspace/{workspace_id}/summary/time_entries", json=body)
        return self._model(SummaryReport, answer if answer is not None else {})

    # -- the team lead's view (issue 21) ---------------------------------------------------------

    def workspace_users(self, workspace_id: int) -> list[WorkspaceUser]:
        """Everyone in a workspace, deleted ones left out: one request, a bare array. A member who may not see
        the list gets `NoWorkspaceAccess` (403)."""
        body = self._request("GET", f"/api/v9/workspaces/{workspace_id}/users", params={"exclude_deleted": "true"})
        return self._models(WorkspaceUser, body or [])

    def weekly_report(self, workspace_id: int, start: dt.date, end: dt.date) -> list[WeeklyRow]:
        """Everyone's time per person and project, day by day from `start` (index 0) to `end`, from the Reports API
        v3 weekly report: one request for the whole workspace, never one per person. Running entries are not
        counted. Each row's `seconds[i]` is day `start + i`, so a one-day figure is exact whichever way Toggl reads
        `end_date` (inclusive or not): the caller asks for more days than it reads."""
        body = {"start_date": start.isoformat(), "end_date": end.isoformat(), "grouping": "users"}
        answer = self._request("POST", f"/reports/api/v3/workspace/{workspace_id}/weekly/time_entries", json=body)
        return self._models(WeeklyRow, answer if answer is not None else [])

    def _all_pages(
        self,
        path: str,
        params: dict[str, Any],
        per_page: int,
        read: Callable[[Any], tuple[list[Any], int | None]],
        *,
        first_page: int = 1,
        page_limit: int | None = None,
    ) -> Listing:
        """Every page, until one comes back short (or `total_count` is reached); items keyed by id, so an
        item that moves between pages while we read is kept once. With `page_limit`, a bounded part of it."""
        found: dict[int, Any] = {}
        listing = Listing()
        last = MAX_PAGES if page_limit is None else first_page + page_limit - 1
        for page in range(first_page, last + 1):
            try:
                answer = self._call("GET", path, params={**params, "page": page})
            except QuotaExceeded:
                if page_limit is None or page == first_page:
                    raise
                listing.next_page = page  # the pages already read were paid for: keep them
                break
            listing.server_time = listing.server_time or answer.server_time
            items, total = read(answer.body)
            for item in items:
                found[item.id] = item
            if len(items) < per_page or (total is not None and len(found) >= total):
                break
        else:
            if page_limit is not None:
                listing.next_page = last + 1
        listing.extend(found.values())
        return listing

    # -- the one place that speaks HTTP ----------------------------------------------------------

    def _request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None, me: bool = False
    ) -> Any:
        return self._call(method, path, params=params, json=json, me=me).body

    def _call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None, me: bool = False
    ) -> _Answer:
        """The one HTTP call: pacing, timeout, error mapping, quota headers, JSON decoding.

        The body is streamed and read at most `MAX_BODY_BYTES` of it: a bigger one is refused (`AnswerTooLarge`)
        without the rest ever reaching memory, as is one nested deeper than `MAX_DEPTH`.
        """
        if _COPY_ONLY.get():
            raise NotAsked("answering from the app's copy alone", path=path)
        self._pace()
        try:
            response = self._session.request(
                method, self._base_url + path, params=params, json=json, timeout=self._timeout, stream=True
            )
        except requests.Timeout as err:
            metrics.toggl_answered(path, "timeout")
            raise TogglUnavailable("Toggl did not answer in time", path=path) from err
        except requests.RequestException as err:
            metrics.toggl_answered(path, "unreachable")
            raise TogglUnavailable("Toggl could not be reached", path=path) from err
        finally:
            self._next_at = time.monotonic() + self._min_interval
        metrics.toggl_answered(path, response.status_code)
        with response:  # closing a body we did not finish drops its connection rather than reading on
            self._note_quota(response, _bucket(path))
            if response.status_code >= 400:
                raise self._error_for(response, path, me=me)
            content = _read_capped(response, path)
        if not content:
            return _Answer(None, _server_time(response))
        try:
            body = jsonlib.loads(content)
        except RecursionError as err:
            raise AnswerTooLarge(f"Toggl sent an answer nested deeper than {MAX_DEPTH} levels", path=path) from err
        except ValueError as err:
            raise BadResponse("Toggl sent a reply that is not valid JSON", status=response.status_code, path=path) from err
        if _deeper_than(body, MAX_DEPTH):
            raise AnswerTooLarge(f"Toggl sent an answer nested deeper than {MAX_DEPTH} levels", path=path)
        return _Answer(body, _server_time(response))

    def _pace(self) -> None:
        """Wait until `min_interval` seconds after this token's last answer (Toggl's ~1 a second bucket).

        Counting from the answer, not the request, keeps the gap at Toggl's end even when a request is slow.
        """
        if not self._min_interval:
            return
        with self._pace_lock:
            wait = self._next_at - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    def _note_quota(self, response: requests.Response, bucket: str) -> None:
        remaining = _int_header(response, "X-Toggl-Quota-Remaining")
        resets_in = _int_header(response, "X-Toggl-Quota-Resets-In")
        if remaining is not None or resets_in is not None:
            quota = Quota(remaining=remaining, resets_in=resets_in, seen_at=self._clock.time())
            if bucket == "me":
                self.me_quota = quota
            else:
                self.quota = quota
            if self._on_quota is not None:
                self._on_quota(bucket, quota)

    def _error_for(self, response: requests.Response, path: str, *, me: bool) -> TogglError:
        """Map a failed answer to our error tree; the message names the status and path, never the token."""
        status = response.status_code
        where = f"{response.request.method} {path}"
        if status == 401 or (status == 403 and me):
            return TokenRejected(f"Toggl rejected the API token ({status} on {where})", status=status, path=path)
        if status == 402:
            resets_in = _int_header(response, "X-Toggl-Quota-Resets-In")
            has_quota_headers = resets_in is not None or "X-Toggl-Quota-Remaining" in response.headers
            if path.startswith("/reports/") and not has_quota_headers:
                return FeatureUnavailable(f"Toggl's plan lacks this report (402 on {where})", status=status, path=path)
            bucket = _bucket(path)
            metrics.quota_refused(bucket)
            which = "user quota" if bucket == "me" else "quota"
            return QuotaExceeded(
                f"Toggl's hourly {which} is spent (402 on {where})", resets_in=resets_in, path=path, bucket=bucket
            )
        if status == 403:
            return NoWorkspaceAccess(f"No access to this in Toggl (403 on {where})", status=status, path=path)
        if status == 404:
            return NotFound(f"Toggl has no such thing (404 on {where})", status=status, path=path)
        if status == 409:
            return Conflict(f"Toggl says that changed meanwhile (409 on {where})", status=status, path=path)
        if status == 429:
            retry_after = _int_header(response, "Retry-After")
            return RateLimited(f"Toggl is rate limiting (429 on {where})", retry_after=retry_after, path=path)
        if status >= 500:
            return TogglUnavailable(f"Toggl is unavailable ({status} on {where})", status=status, path=path)
        return TogglError(f"Toggl refused the request ({status} on {where})", status=status, path=path)

    @staticmethod
    def _model(cls: type[M], data: Any) -> M:
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise BadResponse(f"Toggl sent a {cls.__name__.lower()} we could not read") from err

    @classmethod
    def _models(cls, model: type[M], data: Any) -> list[M]:
        if not isinstance(data, list):
            raise BadResponse(f"Toggl sent {model.__name__.lower()}s in an unexpected shape")
        return [cls._model(model, item) for item in data]


def _read_capped(response: requests.Response, path: str) -> bytes:
    """The body, decoded, refusing it once it passes `MAX_BODY_BYTES`: a declared length over the cap is refused
    before reading, and a body that runs on (chunked, or gzip that inflates) is cut off where it passes the cap."""
    declared = _int_header(response, "Content-Length")
    encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    if declared is not None and declared > MAX_BODY_BYTES and not encoded:
        raise AnswerTooLarge(f"Toggl announced an answer of {declared:,} bytes, over our cap", path=path)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise AnswerTooLarge(f"Toggl sent an answer over {MAX_BODY_BYTES:,} bytes; we stopped reading", path=path)
            chunks.append(chunk)
    except requests.Timeout as err:
        raise TogglUnavailable("Toggl did not finish its answer in time", path=path) from err
    except requests.RequestException as err:
        raise TogglUnavailable("Toggl's answer broke off", path=path) from err
    return b"".join(chunks)


def _deeper_than(body: Any, limit: int) -> bool:
    """Whether parsed JSON nests more than `limit` lists and objects deep; iterative, so depth cannot hurt it."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[Any] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _bucket(path: str) -> str:
    """Which hourly quota a path draws on: "me" (the user quota) or "org" (the workspace's)."""
    return "me" if path == ME_PREFIX or path.startswith(ME_PREFIX + "/") else "org"


def _rfc3339(moment: dt.datetime | dt.date) -> str:
    """`2026-11-23T08:30:00Z` (UTC, whole seconds) for a moment; `2026-11-23` for a day."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            raise ValueError("Toggl needs an aware datetime")
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()


def _projects_of(body: Any) -> tuple[list[Project], None]:
    """Projects come as a bare array, with no paging headers."""
    return TogglClient._models(Project, body or []), None


def _tasks_of(body: Any) -> tuple[list[Task], int | None]:
    """Tasks come wrapped: `{data, page, per_page, total_count, ...}`, with `tracked_seconds` in milliseconds."""
    if not isinstance(body, dict) or not isinstance(body.get("data") or [], list):
        raise BadResponse("Toggl sent tasks in an unexpected shape", path="/tasks")
    try:
        tasks = [Task.from_toggl(item) for item in body.get("data") or []]
    except ValidationError as err:
        raise BadResponse("Toggl sent a task we could not read", path="/tasks") from err
    total = body.get("total_count")
    return tasks, total if isinstance(total, int) and not isinstance(total, bool) else None


def _entry_fields(project_id: int | None, task_id: int | None, billable: bool | None, tags: Iterable[str]) -> dict[str, Any]:
    """The optional fields of a new entry, only those given (Toggl takes a missing one as its default)."""
    fields: dict[str, Any] = {}
    if project_id is not None:
        fields["project_id"] = project_id
    if task_id is not None:
        fields["task_id"] = task_id
    if billable is not None:
        fields["billable"] = billable
    names = list(tags)
    if names:
        fields["tags"] = names
    return fields


def _flag(value: bool | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class TogglClients:
    """Hands out one `TogglClient` per token and keeps it, so sessions and quota readings survive between commands.

    Tokens are keyed by their SHA-256, so this registry holds no token in a key or a repr.
    """

    def __init__(
        self, base_url: str, *, clock: Clock, max_clients: int = 1000, webhooks_url: str | None = None, **client_options: Any
    ) -> None:
        self.base_url = base_url
        self.webhooks_url = (webhooks_url or base_url.rstrip("/") + "/webhooks/api/v1").rstrip("/")
        """Toggl's Webhooks API (`TOGGL_WEBHOOKS_URL`); unset, it is beside `base_url`, as Toggl serves it."""
        self.clock = clock
        """Stamps quota readings; the service computes the quota reserve against the same clock."""
        self._options = {**client_options, "clock": clock}
        self.on_quota: Callable[[str, Quota], None] | None = None
        """Called with (token key, reading) after each answer that carries quota headers; the user quota's
        readings under `me_key_of(token)`, the workspace's under `key_of(token)`."""
        self._max = max_clients
        self._clients: OrderedDict[str, TogglClient] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TogglClients(base_url={self.base_url!r}, clients={len(self._clients)})"

    @staticmethod
    def key_of(token: str) -> str:
        """How a token is named where it must not appear: its SHA-256, in hex."""
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def me_key_of(token: str) -> str:
        """Where the readings of a token's user quota (requests under `/me`) are kept: another SHA-256."""
        return hashlib.sha256(b"me\0" + token.encode()).hexdigest()

    def for_token(self, token: str) -> TogglClient:
        """The client for this token, made on first use."""
        key = self.key_of(token)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = TogglClient(token, base_url=self.base_url, on_quota=self._quota_seen(token), **self._options)
                self._clients[key] = client
                while len(self._clients) > self._max:
                    _, old = self._clients.popitem(last=False)
                    old.close()
            self._clients.move_to_end(key)
            return client

    def _quota_seen(self, token: str) -> Callable[[str, Quota], None]:
        keys = {"org": self.key_of(token), "me": self.me_key_of(token)}  # the keys, not the token, are kept

        def seen(bucket: str, quota: Quota) -> None:
            if self.on_quota is not None:
                self.on_quota(keys[bucket], quota)

        return seen

    @property
    def options(self) -> dict[str, Any]:
        """What every client of these is made with (clock, retry policy, pacing): `bot.toggl.webhooks` uses them too."""
        return dict(self._options)

    def quick_me(self, token: str, timeout: tuple[float, float] = (1.0, 1.6)) -> Me:
        """`/me` with short timeouts and no retry, for checks that must end within Slack's 3-second ack."""
        client = TogglClient(token, base_url=self.base_url, timeout=timeout, retry=no_retry, clock=self.clock)
        try:
            return client.me()
        finally:
            client.close()

    def forget(self, token: str) -> None:
        """Drop a token's client, as when a person disconnects."""
        key = self.key_of(token)
        with self._lock:
            client = self._clients.pop(key, None)
        if client is not None:
            client.close()
