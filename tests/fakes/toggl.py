"""A fake Toggl Track on loopback, faithful to the v9 and Reports v3 specs and to design.md's facts.

It pages projects as bare arrays (per_page at most 200, default 151), each naming its client by
`client_id` only (as the seed's field list of that endpoint does: no `client_name`), and serves the
clients at `/workspaces/{wid}/clients` (a bare array; `status` and `name` filters; no paging and no
`since`, as the spec has none there). Tasks come wrapped in
`{data, total_count, ...}` (default 50); task `tracked_seconds` is in milliseconds, and is 0 for
tasks of recurring projects (the bug Toggl users reported in January 2026). Every answer carries
`X-Toggl-Quota-*` headers; a spent quota answers 402; an unknown token gets 401 with an empty
body; a workspace the token cannot see gets 403. Faults are scripted per path: any status, slow
answers, malformed or truncated JSON, and dropped connections.

Time entries follow the v9 spec's `TimeEntry`: `duration` in seconds, minus the start's UNIX time
while running, `stop` null then; `GET /me/time_entries/current` answers the running one or `null`;
`POST /workspaces/{wid}/time_entries` needs `created_with` and `start` and stops the running entry;
`PATCH …/{id}/stop` answers 409 for an entry already stopped. Everything under `/me` draws on a
user quota of its own (30 an hour, as on every plan), answering 402 when spent, apart from the
workspace quota. Reports v3 `summary/time_entries` groups stopped entries by project (`groups`,
each with `sub_groups` per description carrying `seconds` and `rates[].billable_seconds`; `rates` is null
where nothing is billable, and always in a workspace without `premium`, where billable time is no feature), the
days read in each entry's owner's Toggl time zone, both ends included. Time entries use the fake's
`now` (give it the test's clock), not the wall clock.

The team lead's view (issue 21): `GET /workspaces/{wid}/users` lists the workspace's people as
`models.SimpleWorkspaceUser` (`role` from `roles`, "admin" unless set; a member gets 403 when
`members_see_users` is off), and Reports v3 `weekly/time_entries` answers `weekly.DataRow`s, one per person
and project, `seconds` and `billable_seconds` day by day from `start_date` (at most 7 days, both ends included,
each entry's owner's zone; `billable_seconds` null without `premium`).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from bot.toggl.client import default_retry
from tests.fakes.server import LoopbackServer
from tests.fakes.toggl_webhooks import PREFIX as WEBHOOKS_PREFIX
from tests.fakes.toggl_webhooks import FakeWebhooks


@dataclass
class Fault:
    """What to do instead of answering, for requests whose path contains `path` (the next `times` of them)."""

    path: str = ""
    status: int = 500
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    kind: str = "status"
    """status | malformed | truncated | reset | slow (answers normally after `delay`) | huge (a JSON array of
    projects `size` bytes long, 64 MB by default, streamed with no Content-Length) | deep (`size` nested lists,
    100,000 by default)."""
    times: int = 1
    size: int = 0
    quota_headers: bool = True
    """False answers without `X-Toggl-Quota-*`, as Reports does for a missing plan feature."""


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    token: str | None
    body: Any = None
    user_agent: str = ""


NO_BACKOFF = functools.partial(default_retry, backoff_factor=0)
"""The production retry policy without its backoff waits, for clients of this fake: the same retries, and a
"Toggl is down" test takes milliseconds instead of urllib3's real 1.8 s or more (Retry-After is still honoured)."""

ME_QUOTA = 30
"""Requests an hour under `/me`, on every plan."""


@dataclass
class Person:
    token: str
    me: dict
    workspace_ids: list[int]
    quota_left: int | None = None
    """The workspace quota. None: unlimited (headers still sent, counting down from 600)."""
    quota_used: int = 0
    me_quota_left: int = ME_QUOTA
    """The user quota of everything under `/me`."""


class FakeToggl:
    """The state the server serves, and the record of every request it got."""

    def __init__(
        self,
        latency: float = 0.0,
        quota_resets_in: int = 1800,
        per_token_per_second: float | None = None,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        """Toggl's clock for time entries (starting, stopping); tests hand it their frozen clock's `now`."""
        self.people: dict[str, Person] = {}
        self.time_entries: dict[int, dict] = {}
        self.workspaces: dict[int, dict] = {}
        self.projects: dict[int, dict[int, dict]] = {}
        self.tasks: dict[int, dict[int, dict]] = {}
        self.clients: dict[int, dict[int, dict]] = {}
        self.report_seconds: dict[tuple[int, int], int] = {}
        self.faults: list[Fault] = []
        self.webhooks = FakeWebhooks(self)
        """The Webhooks API, at `{url}/webhooks/api/v1` (`tests/fakes/toggl_webhooks.py`)."""
        self.requests: list[Recorded] = []
        self.latency = latency
        self.quota_resets_in = quota_resets_in
        self.per_token_per_second = per_token_per_second
        """Toggl's leaky bucket: a token asking faster than this gets 429 with Retry-After."""
        self.last_seen: dict[str, float] = {}
        self.too_fast = 0
        self.lock = threading.Lock()
        self.huge_sent = 0
        """Bytes of 'huge' answers written before the reader hung up: how far a client read on."""
        self.server = LoopbackServer(_handler_for(self))
        self._next_id = 1000
        # -- the team lead's view (issue 21) --
        self.roles: dict[tuple[int, int], str] = {}
        """(workspace id, Toggl user id) -> role in the workspace users list; unset: "admin"."""
        self.members_see_users = True
        """Whether a member (not an admin) may read `/workspaces/{wid}/users`; off: 403."""

    # -- set-up ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> FakeToggl:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def new_id(self) -> int:
        with self.lock:
            self._next_id += 1
            return self._next_id

    def add_workspace(self, name: str = "Acme", wid: int | None = None) -> int:
        wid = wid or self.new_id()
        self.workspaces[wid] = {"id": wid, "name": name, "organization_id": 9, "premium": True, "role": "admin"}
        self.projects.setdefault(wid, {})
        self.tasks.setdefault(wid, {})
        self.clients.setdefault(wid, {})
        return wid

    def add_person(
        self, token: str, *, name: str = "Ada Lovelace", workspaces: list[int] | None = None, quota: int | None = None
    ) -> Person:
        wids = workspaces or [self.add_workspace()]
        me = {
            "id": self.new_id(),
            "api_token": token,
            "email": f"{name.split()[0].lower()}@example.com",
            "fullname": name,
            "default_workspace_id": wids[0],
            "timezone": "Europe/Berlin",
            "beginning_of_week": 1,
            "at": "2026-01-01T00:00:00+00:00",
        }
        person = Person(token=token, me=me, workspace_ids=wids, quota_left=quota)
        self.people[token] = person
        return person

    def add_client(self, wid: int, name: str, *, archived: bool = False, cid: int | None = None) -> dict:
        cid = cid or self.new_id()
        client = {"id": cid, "wid": wid, "name": name, "archived": archived, "at": _now(), "creator_id": 1}
        self.clients[wid][cid] = client
        return client

    def client_id(self, wid: int, name: str) -> int:
        """The id of the workspace's client with this name, made on first use."""
        found = next((c["id"] for c in self.clients[wid].values() if c["name"] == name), None)
        return found if found is not None else self.add_client(wid, name)["id"]

    def delete_client(self, wid: int, cid: int) -> None:
        """Toggl drops a deleted client from the list, and its projects lose their `client_id`."""
        del self.clients[wid][cid]
        for project in self.projects[wid].values():
            if project["client_id"] == cid:
                project.update(client_id=None, cid=None, at=_now())

    def add_project(self, wid: int, name: str, **fields: Any) -> dict:
        """A project; `client_name=` is a convenience: it names (or makes) the client, the project keeps its id."""
        pid = fields.pop("id", None) or self.new_id()
        client_name = fields.pop("client_name", None)
        if client_name is not None:
            fields["client_id"] = self.client_id(wid, client_name)
        project: dict[str, Any] = {
            "id": pid,
            "workspace_id": wid,
            "wid": wid,
            "name": name,
            "active": True,
            "status": "active",
            "pinned": False,
            "client_id": None,
            "cid": None,
            "actual_hours": None,
            "actual_seconds": None,
            "estimated_hours": None,
            "estimated_seconds": None,
            "start_date": "2026-01-01",
            "end_date": None,
            "recurring": False,
            "recurring_parameters": None,
            "current_period": None,
            "billable": False,
            "is_private": False,
            "color": "#06aaf5",
            "rate": None,
            "at": _now(),
            "created_at": "2026-01-01T00:00:00+00:00",
        }
        project.update(fields)
        project["cid"] = project["client_id"]
        if project["actual_seconds"] is not None:
            project["actual_hours"] = project["actual_seconds"] // 3600
        self.projects[wid][pid] = project
        return project

    def add_task(self, wid: int, pid: int, name: str, *, tracked_ms: int = 0, **fields: Any) -> dict:
        tid = fields.pop("id", None) or self.new_id()
        project = self.projects[wid][pid]
        task = {
            "id": tid,
            "name": name,
            "project_id": pid,
            "workspace_id": wid,
            "active": True,
            "estimated_seconds": None,
            "tracked_seconds": tracked_ms,
            "recurring": bool(project.get("recurring")),
            "user_id": None,
            "project_name": project["name"],
            "client_name": self.client_name(wid, project.get("client_id")),
            "at": _now(),
        }
        task.update(fields)
        self.tasks[wid][tid] = task
        return task

    def add_time_entry(
        self,
        token: str,
        wid: int,
        description: str | None,
        start: dt.datetime,
        stop: dt.datetime | None = None,
        *,
        project_id: int | None = None,
        billable: bool = False,
        created_with: str = "Toggl Track web",
    ) -> dict:
        """A time entry of the person with `token`; without `stop`, a running one."""
        return self._store_entry(
            self.people[token],
            wid,
            {"description": description, "project_id": project_id, "billable": billable, "created_with": created_with},
            start,
            stop,
        )

    def track(self, token: str, wid: int, pid: int, seconds: int, *, action: str = "created") -> dict:
        """Time tracked in Toggl's own app: a stopped entry of `seconds` on the project, its total grown, and the
        event delivered to the workspace's webhook subscriptions."""
        stop = self.now()
        entry = self.add_time_entry(token, wid, "tracked", stop - dt.timedelta(seconds=seconds), stop, project_id=pid)
        project = self.projects[wid][pid]
        project["actual_seconds"] = (project.get("actual_seconds") or 0) + seconds
        project["actual_hours"] = project["actual_seconds"] // 3600
        project["at"] = _now()
        self.webhooks.emit(wid, "time_entry", action, dict(entry))
        return entry

    def running_entry(self, token: str) -> dict | None:
        uid = self.people[token].me["id"]
        running = (e for e in self.time_entries.values() if e["user_id"] == uid and e["stop"] is None)
        return next((e for e in running if not e.get("server_deleted_at")), None)

    def _store_entry(self, person: Person, wid: int, fields: dict, start: dt.datetime, stop: dt.datetime | None) -> dict:
        tid = self.new_id()
        pid = fields.get("project_id")
        entry = {
            "id": tid,
            "workspace_id": wid,
            "wid": wid,
            "project_id": pid,
            "pid": pid,
            "task_id": fields.get("task_id"),
            "tid": fields.get("task_id"),
            "user_id": person.me["id"],
            "uid": person.me["id"],
            "description": fields.get("description"),
            "start": _stamp(start),
            "stop": None,
            "duration": -int(start.timestamp()),
            "duronly": True,
            "billable": bool(fields.get("billable")),
            "tags": fields.get("tags") or [],
            "tag_ids": [],
            "at": _stamp(self.now()),
            "server_deleted_at": None,
            "permissions": None,
            "shared_with": None,
            "expense_ids": [],
        }
        if stop is not None:
            _stopped(entry, stop)
        self.time_entries[tid] = entry
        return entry

    def client_name(self, wid: int, cid: int | None) -> str | None:
        return self.clients[wid][cid]["name"] if cid in self.clients.get(wid, {}) else None

    def age(self, stamp: str = "2026-01-01T00:00:00+00:00") -> None:
        """Make every project and task look last changed at `stamp`, as long-lived data does."""
        for items in (*self.projects.values(), *self.tasks.values()):
            for item in items.values():
                item["at"] = stamp

    def change_project(self, wid: int, pid: int, **fields: Any) -> None:
        self.projects[wid][pid].update(fields, at=_now())

    def delete_project(self, wid: int, pid: int) -> None:
        self.projects[wid][pid].update(server_deleted_at=_now(), at=_now(), status="deleted")

    def fail(self, path: str = "", **fault: Any) -> Fault:
        """Script a fault for the next request(s) whose path contains `path`."""
        scripted = Fault(path=path, **fault)
        with self.lock:
            self.faults.append(scripted)
        return scripted

    def count(self, path_part: str = "", token: str | None = None) -> int:
        """How many requests reached paths containing `path_part` (for one token, if given)."""
        return sum(1 for r in self.requests if path_part in r.path and (token is None or r.token == token))

    # -- serving ---------------------------------------------------------------------------------

    def over_rate(self, token: str | None) -> bool:
        """True (and counted) when this token came back sooner than the bucket allows."""
        if self.per_token_per_second is None or token is None:
            return False
        now = time.monotonic()
        with self.lock:
            last = self.last_seen.get(token)
            self.last_seen[token] = now
            if last is not None and now - last < 0.95 / self.per_token_per_second:
                self.too_fast += 1
                return True
        return False

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path in path and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def answer(self, method: str, path: str, query: dict[str, list[str]], token: str | None, body: Any) -> tuple[int, Any]:
        person = self.people.get(token or "")
        if person is None:
            return 401, None
        routes: list[tuple[str, str, Callable[..., tuple[int, Any]]]] = [
            ("GET", r"/api/v9/me", lambda: (200, person.me)),
            ("GET", r"/api/v9/me/workspaces", lambda: (200, [self.workspaces[w] for w in person.workspace_ids])),
            ("GET", r"/api/v9/workspaces/(\d+)/projects", lambda wid: self._projects(person, int(wid), query)),
            ("GET", r"/api/v9/workspaces/(\d+)/projects/(\d+)", lambda wid, pid: self._project(person, int(wid), int(pid))),
            ("GET", r"/api/v9/workspaces/(\d+)/tasks", lambda wid: self._tasks(person, int(wid), query)),
            ("GET", r"/api/v9/workspaces/(\d+)/clients", lambda wid: self._clients(person, int(wid), query)),
            (
                "POST",
                r"/reports/api/v3/workspace/(\d+)/projects/(\d+)/summary",
                lambda wid, pid: self._summary(person, int(wid), int(pid), body),
            ),
            ("GET", r"/api/v9/me/time_entries/current", lambda: (200, self.running_entry(person.token) or "null")),
            ("GET", r"/api/v9/me/time_entries", lambda: self._my_entries(person, query)),
            ("POST", r"/api/v9/workspaces/(\d+)/time_entries", lambda wid: self._start(person, int(wid), body)),
            (
                "PATCH",
                r"/api/v9/workspaces/(\d+)/time_entries/(\d+)/stop",
                lambda wid, tid: self._stop(person, int(wid), int(tid)),
            ),
            (
                "POST",
                r"/reports/api/v3/workspace/(\d+)/summary/time_entries",
                lambda wid: self._summary_entries(person, int(wid), body),
            ),
            # -- the team lead's view (issue 21) --
            ("GET", r"/api/v9/workspaces/(\d+)/users", lambda wid: self._workspace_users(person, int(wid))),
            (
                "POST",
                r"/reports/api/v3/workspace/(\d+)/weekly/time_entries",
                lambda wid: self._weekly(person, int(wid), body),
            ),
            # capture (issue 20): an entry changed or deleted
            (
                "PUT",
                r"/api/v9/workspaces/(\d+)/time_entries/(\d+)",
                lambda wid, tid: self._update(person, int(wid), int(tid), body),
            ),
            (
                "DELETE",
                r"/api/v9/workspaces/(\d+)/time_entries/(\d+)",
                lambda wid, tid: self._delete(person, int(wid), int(tid)),
            ),
        ]
        for verb, pattern, route in routes:
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                return route(*match.groups())
        return 404, "Not found"

    def _can_see(self, person: Person, wid: int) -> bool:
        return wid in person.workspace_ids and wid in self.workspaces

    def _projects(self, person: Person, wid: int, query: dict[str, list[str]]) -> tuple[int, Any]:
        if not self._can_see(person, wid):
            return 403, "User does not have access to this resource."
        q = {k: v[-1] for k, v in query.items()}
        per_page = min(int(q.get("per_page", 151)), 200)
        page = max(1, int(q.get("page", 1)))
        items = list(self.projects[wid].values())
        since = int(q["since"]) if "since" in q else None
        if since is None:
            items = [p for p in items if not p.get("server_deleted_at")]
        else:
            items = [p for p in items if _epoch(p["at"]) >= since]
        active = q.get("active", "true")
        if active in ("true", "false"):
            items = [p for p in items if bool(p["active"]) == (active == "true") or p.get("server_deleted_at")]
        if q.get("statuses"):
            wanted = set(q["statuses"].split(","))
            items = [p for p in items if p.get("status") in wanted]
        needle = (q.get("name") or q.get("search") or "").casefold()
        if needle:
            items = [p for p in items if needle in p["name"].casefold()]
        pinned_first = q.get("sort_pinned") == "true"
        items.sort(key=lambda p: ((not p["pinned"]) if pinned_first else False, p["name"].casefold(), p["id"]))
        return 200, items[(page - 1) * per_page : page * per_page]

    def _clients(self, person: Person, wid: int, query: dict[str, list[str]]) -> tuple[int, Any]:
        if not self._can_see(person, wid):
            return 403, "User does not have access to this resource."
        q = {k: v[-1] for k, v in query.items()}
        status = q.get("status", "active")
        if status not in ("active", "archived", "both"):
            return 400, "Client status is invalid"
        items = list(self.clients[wid].values())
        if status != "both":
            items = [c for c in items if c["archived"] == (status == "archived")]
        needle = (q.get("name") or "").casefold()
        if needle:
            items = [c for c in items if needle in c["name"].casefold()]
        return 200, sorted(items, key=lambda c: (c["name"].casefold(), c["id"]))

    def _project(self, person: Person, wid: int, pid: int) -> tuple[int, Any]:
        if not self._can_see(person, wid):
            return 403, "User does not have access to this resource."
        project = self.projects[wid].get(pid)
        return (200, project) if project and not project.get("server_deleted_at") else (404, "Project not found")

    def _tasks(self, person: Person, wid: int, query: dict[str, list[str]]) -> tuple[int, Any]:
        if not self._can_see(person, wid):
            return 403, "User does not have access to this resource."
        q = {k: v[-1] for k, v in query.items()}
        per_page = int(q.get("per_page", 50))
        page = max(1, int(q.get("page", 1)))
        items = list(self.tasks[wid].values())
        if "pid" in q:
            items = [t for t in items if t["project_id"] == int(q["pid"])]
        if "since" in q:
            items = [t for t in items if _epoch(t["at"]) >= int(q["since"])]
        else:
            items = [t for t in items if not t.get("server_deleted_at")]
        active = q.get("active", "true")
        if active in ("true", "false"):
            items = [t for t in items if bool(t["active"]) == (active == "true")]
        items.sort(key=lambda t: (t["name"].casefold(), t["id"]))
        shown = []
        for task in items[(page - 1) * per_page : page * per_page]:
            project = self.projects[wid].get(task["project_id"], {})
            shown.append({**task, "tracked_seconds": 0} if project.get("recurring") else task)
        return 200, {
            "data": shown,
            "page": page,
            "per_page": per_page,
            "sort_field": q.get("sort_field", "name"),
            "sort_order": q.get("sort_order", "ASC"),
            "total_count": len(items),
        }

    def _summary(self, person: Person, wid: int, pid: int, body: Any) -> tuple[int, Any]:
        if not self._can_see(person, wid):
            return 403, "Workspace not found/accessible"
        if not isinstance(body, dict) or "start_date" not in body or "end_date" not in body:
            return 400, "The start_date parameter is required"
        return 200, {"seconds": self.report_seconds.get((wid, pid), 0), "tracked_days": 3, "resolution": "day"}

    # -- time entries ----------------------------------------------------------------------------

    def _my_entries(self, person: Person, query: dict[str, list[str]]) -> tuple[int, Any]:
        q = {k: v[-1] for k, v in query.items()}
        if ("start_date" in q) != ("end_date" in q):
            return 400, "start_date and end_date must be given together"
        uid = person.me["id"]
        items = [e for e in self.time_entries.values() if e["user_id"] == uid]
        if "since" in q:
            items = [e for e in items if _epoch(e["at"]) >= int(q["since"])]
        else:
            items = [e for e in items if not e.get("server_deleted_at")]
        if "start_date" in q:
            try:
                low, high = _moment(q["start_date"]), _moment(q["end_date"])
            except ValueError:
                return 400, "Invalid start_date or end_date"
            items = [e for e in items if low <= _moment(e["start"]) < high]
        if "before" in q:
            items = [e for e in items if _moment(e["start"]) < _moment(q["before"])]
        return 200, sorted(items, key=lambda e: e["start"], reverse=True)

    def _start(self, person: Person, wid: int, body: Any) -> tuple[int, Any]:
        if not self._can_see(person, wid):
            return 403, "User does not have access to this resource."
        if not isinstance(body, dict):
            return 400, "JSON is not valid"
        if not body.get("created_with"):
            return 400, "created_with needs to be provided a valid value"
        if not body.get("start"):
            return 400, "start needs to be provided a valid value"
        if body.get("workspace_id") not in (None, wid):
            return 400, "workspace_id does not match the path"
        pid = body.get("project_id")
        problem = self._bad_project_or_task(wid, pid, body.get("task_id"))
        if problem:
            return 400, problem
        start = _moment(body["start"])
        duration: Any = body.get("duration")  # an int, or absent when "stop" is given
        if duration is None and not body.get("stop"):
            return 400, "duration or stop needs to be provided"
        running = isinstance(duration, int) and duration < 0 and not body.get("stop")
        if running:
            before = self.running_entry(person.token)
            if before is not None:
                _stopped(before, max(start, _moment(before["start"])))
                before["at"] = _stamp(self.now())
            stop = None
        else:
            stop = _moment(body["stop"]) if body.get("stop") else start + dt.timedelta(seconds=int(duration))
        entry = self._store_entry(person, wid, body, start, stop)
        return 200, entry

    # -- capture (issue 20) ------------------------------------------------------------------------------

    def _own_entry(self, person: Person, wid: int, tid: int) -> dict | None:
        entry = self.time_entries.get(tid)
        if entry is None or entry["workspace_id"] != wid or entry["user_id"] != person.me["id"]:
            return None
        return None if entry.get("server_deleted_at") else entry

    def _bad_project_or_task(self, wid: int, pid: Any, tid: Any) -> str | None:
        """Toggl's 400 for a project that is gone or archived, or a task not of that project."""
        if pid is not None:
            project = self.projects[wid].get(pid)
            if project is None or project.get("server_deleted_at"):
                return "Invalid project_id"
            if not project["active"]:
                return "Cannot track time on an archived project"
        if tid is not None:
            task = self.tasks[wid].get(tid)
            if task is None or task["project_id"] != pid:
                return "Invalid task_id"
        return None

    def _update(self, person: Person, wid: int, tid: int, body: Any) -> tuple[int, Any]:
        """`PUT …/time_entries/{id}`: the fields given replace the entry's (tags by name)."""
        if not self._can_see(person, wid):
            return 403, "User does not have access to this resource."
        entry = self._own_entry(person, wid, tid)
        if entry is None:
            return 404, "Time entry not found"
        if not isinstance(body, dict):
            return 400, "JSON is not valid"
        pid = body.get("project_id", entry["project_id"])
        task_id = body.get("task_id", entry["task_id"])
        problem = self._bad_project_or_task(wid, pid, task_id)
        if problem:
            return 400, problem
        for key in ("description", "billable", "tags"):
            if key in body:
                entry[key] = body[key] if key != "tags" else list(body[key] or [])
        entry.update(project_id=pid, pid=pid, task_id=task_id, tid=task_id, at=_stamp(self.now()))
        return 200, entry

    def _delete(self, person: Person, wid: int, tid: int) -> tuple[int, Any]:
        if not self._can_see(person, wid):
            return 403, "User does not have access to this resource."
        entry = self._own_entry(person, wid, tid)
        if entry is None:
            return 404, "Time entry not found"
        entry.update(server_deleted_at=_stamp(self.now()), at=_stamp(self.now()))
        return 200, None

    # -- end of capture ------------------------------------------------------------------------------

    def _stop(self, person: Person, wid: int, tid: int) -> tuple[int, Any]:
        if not self._can_see(person, wid):
            return 403, "User does not have access to this resource."
        entry = self.time_entries.get(tid)
        if entry is None or entry["workspace_id"] != wid or entry["user_id"] != person.me["id"]:
            return 404, "Time entry not found"
        if entry["stop"] is not None:
            return 409, "Time entry already stopped"
        _stopped(entry, max(self.now(), _moment(entry["start"])))
        entry["at"] = _stamp(self.now())
        return 200, entry

    def _summary_entries(self, person: Person, wid: int, body: Any) -> tuple[int, Any]:
        """Reports v3 summary: stopped entries from start_date to end_date (both included, each owner's zone)."""
        if not self._can_see(person, wid):
            return 403, "Workspace not found/accessible"
        if not isinstance(body, dict) or "start_date" not in body or "end_date" not in body:
            return 400, "At least one parameter must be set"
        try:
            first, last = dt.date.fromisoformat(body["start_date"]), dt.date.fromisoformat(body["end_date"])
        except (TypeError, ValueError):
            return 400, "Invalid 'start_date' value"
        if last <= first:
            return 400, "end_date should be greater than start_date"
        if body.get("grouping", "projects") != "projects" or body.get("sub_grouping", "time_entries") != "time_entries":
            return 400, "Invalid 'grouping' value, allowed values are: 'projects' (this fake)"
        users = body.get("user_ids")
        zones = {p.me["id"]: p.me.get("timezone") or "UTC" for p in self.people.values()}
        groups: dict[int | None, dict[str, list[int]]] = {}
        for entry in self.time_entries.values():
            if entry["workspace_id"] != wid or entry["stop"] is None or entry.get("server_deleted_at"):
                continue
            if users is not None and entry["user_id"] not in users:
                continue
            local = _moment(entry["start"]).astimezone(ZoneInfo(zones.get(entry["user_id"], "UTC"))).date()
            if not first <= local <= last:
                continue
            rows = groups.setdefault(entry["project_id"], {})
            seconds, billable = rows.get(entry["description"] or "", [0, 0])
            rows[entry["description"] or ""] = [
                seconds + entry["duration"],
                billable + (entry["duration"] if entry["billable"] else 0),
            ]
        answer = []
        premium = bool(self.workspaces.get(wid, {}).get("premium"))  # billable time is a paid-plan feature
        for pid, rows in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0)):
            subs = []
            for title, (seconds, billable) in sorted(rows.items()):
                rates = (
                    [{"billable_seconds": billable, "currency": "EUR", "hourly_rate_in_cents": 5000}]
                    if billable and premium
                    else None
                )
                subs.append({"id": None, "title": title, "seconds": seconds, "ids": None, "rates": rates})
            answer.append(
                {"id": pid, "ids": None, "project_color": "#06aaf5", "project_hex_color": "#06aaf5", "sub_groups": subs}
            )
        return 200, {"groups": answer}

    # -- the team lead's view (issue 21) ---------------------------------------------------------

    def join(self, token: str, wid: int, role: str = "user") -> None:
        """Make the person with `token` a member of workspace `wid` with this role."""
        person = self.people[token]
        if wid not in person.workspace_ids:
            person.workspace_ids.append(wid)
        self.roles[(wid, person.me["id"])] = role

    def _role(self, wid: int, uid: int) -> str:
        return self.roles.get((wid, uid), "admin")

    def _workspace_users(self, person: Person, wid: int) -> tuple[int, Any]:
        if not self._can_see(person, wid):
            return 403, "User does not have access to this resource."
        if not self.members_see_users and self._role(wid, person.me["id"]) != "admin":
            return 403, "User does not have access to this resource."
        users = []
        for other in self.people.values():
            if wid in other.workspace_ids:
                role = self._role(wid, other.me["id"])
                users.append(
                    {
                        "id": other.me["id"],
                        "fullname": other.me["fullname"],
                        "email": other.me["email"],
                        "is_admin": role == "admin",
                        "role": role,
                        "inactive": False,
                        "is_active": True,
                    }
                )
        return 200, sorted(users, key=lambda u: u["id"])

    def _weekly(self, person: Person, wid: int, body: Any) -> tuple[int, Any]:
        """Reports v3 weekly: stopped entries from start_date to end_date (both included, at most 7 days), one
        row per person and project, seconds per day in each entry's owner's zone."""
        if not self._can_see(person, wid):
            return 403, "Workspace not found/accessible"
        if not isinstance(body, dict) or "start_date" not in body or "end_date" not in body:
            return 400, "At least one parameter must be set"
        try:
            first, last = dt.date.fromisoformat(body["start_date"]), dt.date.fromisoformat(body["end_date"])
        except (TypeError, ValueError):
            return 400, "Invalid 'start_date' value"
        days = (last - first).days + 1
        if days < 2 or days > 7:
            return 400, "end_date should be greater than start_date, and the range at most 7 days"
        if body.get("grouping", "users") not in ("users", "projects"):
            return 400, "Invalid 'grouping' value, allowed values are: 'users', 'projects'"
        people = {p.me["id"]: p.me for p in self.people.values()}
        rows: dict[tuple[int, int | None], dict[str, Any]] = {}
        premium = bool(self.workspaces.get(wid, {}).get("premium"))
        for entry in self.time_entries.values():
            if entry["workspace_id"] != wid or entry["stop"] is None or entry.get("server_deleted_at"):
                continue
            me = people.get(entry["user_id"], {})
            local = _moment(entry["start"]).astimezone(ZoneInfo(me.get("timezone") or "UTC")).date()
            index = (local - first).days
            if not 0 <= index < days:
                continue
            pid = entry["project_id"]
            project = self.projects.get(wid, {}).get(pid) if pid is not None else None
            row = rows.setdefault(
                (entry["user_id"], pid),
                {
                    "user_id": entry["user_id"],
                    "user_name": me.get("fullname"),
                    "project_id": pid,
                    "project_name": project["name"] if project else None,
                    "client_name": self.client_name(wid, project.get("client_id")) if project else None,
                    "project_color": "#06aaf5",
                    "project_hex_color": "#06aaf5",
                    "seconds": [0] * days,
                    "billable_seconds": [0] * days if premium else None,
                },
            )
            row["seconds"][index] += entry["duration"]
            if premium and entry["billable"]:
                row["billable_seconds"][index] += entry["duration"]
        return 200, [rows[key] for key in sorted(rows, key=lambda k: (k[0], k[1] is None, k[1] or 0))]

    def quota_headers(self, token: str | None, path: str = "") -> tuple[dict[str, str], bool]:
        """Headers for this answer, and whether the quota is spent (a 402 is due); `/me` paths have their own."""
        person = self.people.get(token or "")
        if person is None:
            return {}, False
        if path == "/api/v9/me" or path.startswith("/api/v9/me/"):
            with self.lock:
                spent = person.me_quota_left <= 0
                person.me_quota_left = max(0, person.me_quota_left - 1)
                remaining = person.me_quota_left
            headers = {"X-Toggl-Quota-Remaining": str(remaining), "X-Toggl-Quota-Resets-In": str(self.quota_resets_in)}
            return headers, spent
        with self.lock:
            person.quota_used += 1
            if person.quota_left is None:
                remaining = max(0, 600 - person.quota_used)
                spent = False
            else:
                spent = person.quota_left <= 0
                person.quota_left = max(0, person.quota_left - 1)
                remaining = person.quota_left
        headers = {"X-Toggl-Quota-Remaining": str(remaining), "X-Toggl-Quota-Resets-In": str(self.quota_resets_in)}
        return headers, spent


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _stamp(moment: dt.datetime) -> str:
    """As Toggl writes times: UTC, `2026-11-23T08:30:00+00:00`."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _moment(text: str) -> dt.datetime:
    """A `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time, as an aware datetime."""
    if len(text) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
    found = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if found.tzinfo is None:
        raise ValueError("a time without a zone")
    return found


def _stopped(entry: dict, stop: dt.datetime) -> None:
    entry["stop"] = _stamp(stop)
    entry["duration"] = int((stop - _moment(entry["start"])).total_seconds())


def _epoch(stamp: str) -> int:
    return int(dt.datetime.fromisoformat(stamp).timestamp())


def _handler_for(fake: FakeToggl) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PATCH(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def _token(self) -> str | None:
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Basic "):
                return None
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            return user if password == "api_token" else None

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            parts = urlsplit(self.path)
            token = self._token()
            with fake.lock:
                fake.requests.append(
                    Recorded(
                        self.command, parts.path, parse_qs(parts.query), token, body, self.headers.get("User-Agent", "")
                    )
                )
            if fake.latency:
                time.sleep(fake.latency)
            if fake.over_rate(token):
                return self._send(429, b"Too Many Requests", {"Retry-After": "1"})
            fault = fake.take_fault(parts.path)
            hooks = parts.path.startswith(WEBHOOKS_PREFIX + "/")
            headers, spent = fake.quota_headers(token, parts.path) if not hooks else ({}, False)
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.kind == "reset":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault.kind == "malformed":
                    return self._send(200, b'{"id": 1, "name": "broken', headers)
                if fault.kind == "truncated":
                    return self._send(200, b'[{"id": 1, "na', headers, length=500)
                if fault.kind == "huge":
                    return self._send_huge(fault.size or 64 * 1024 * 1024, headers)
                if fault.kind == "deep":
                    depth = fault.size or 100_000
                    return self._send(200, b"[" * depth + b"]" * depth, headers)
                if fault.kind == "status":
                    return self._send(
                        fault.status, fault.body, {**(headers if fault.quota_headers else {}), **fault.headers}
                    )
            if hooks:  # its own API: no quota of the v9 kind
                status, payload = fake.webhooks.answer(self.command, parts.path, token, body)
                data = (
                    b""
                    if payload is None
                    else (payload.encode() if isinstance(payload, str) else json.dumps(payload).encode())
                )
                return self._send(status, data, {})
            if spent:
                return self._send(402, b"Quota exceeded", headers)
            status, payload = fake.answer(self.command, parts.path, parse_qs(parts.query), token, body)
            if payload is None:
                data = b""
            elif isinstance(payload, str):
                data = payload.encode()
            else:
                data = json.dumps(payload).encode()
            self._send(status, data, headers if status != 401 else {})

        def _send_huge(self, size: int, headers: dict[str, str]) -> None:
            """A project list that goes on and on, the end marked only by closing the connection."""
            one = json.dumps({"id": 1, "workspace_id": 1, "name": "x" * 400, "active": True}).encode() + b","
            chunk = one * (64 * 1024 // len(one))
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.close_connection = True
                self.wfile.write(b"[")
                sent = 1
                while sent < size:
                    self.wfile.write(chunk)
                    sent += len(chunk)
                    with fake.lock:
                        fake.huge_sent += len(chunk)
                self.wfile.write(one[:-1] + b"]")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _send(self, status: int, data: bytes, headers: dict[str, str], length: int | None = None) -> None:
            try:
                self.send_response(status)
                content_type = (
                    "application/json" if data[:1] in (b"{", b"[") or data == b"null" else "text/plain; charset=utf-8"
                )
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(length if length is not None else len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                if length is not None:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler


def standard_world(fake: FakeToggl, token: str = "ada0ada0ada0ada0ada0ada0ada0ada0", projects: int = 0) -> dict[str, Any]:
    """A person with one workspace, a 'Website redesign' project with tasks, and `projects` more projects."""
    person = fake.add_person(token)
    wid = person.workspace_ids[0]
    website = fake.add_project(
        wid, "Website redesign", client_name="Acme & Sons", estimated_seconds=36_000, actual_seconds=19_800
    )
    fake.add_task(wid, website["id"], "Design <mockups>", tracked_ms=19_800_000, estimated_seconds=36_000)
    fake.add_task(wid, website["id"], "Launch", tracked_ms=0, active=False)
    for n in range(projects):
        fake.add_project(wid, f"Project {n:04d}", actual_seconds=n * 60, estimated_seconds=3600 if n % 3 else None)
    return {"token": token, "wid": wid, "person": person, "website": website}
