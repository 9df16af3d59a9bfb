"""Time entries and reports, from Toggl or from what the app remembers: the running timer, starting and
stopping it, a person's time per project, and each project's recent pace.

The running timer lives under `/me`, which draws on a user quota of 30 requests an hour on every plan,
apart from the workspace's. So the app remembers the timer (the cache document `timer`): what Toggl last
said, and what the app itself started or stopped, with when. Then:

- within the freshness window `now` asks Toggl nothing (after `start` or `stop` the app knows already);
- after it, one request (`/me/time_entries/current`), and one more (the latest entries) only when nothing
  runs and the last entry is not known: ten `now` in a row cost at most two `/me` requests;
- `stop` stops the remembered entry without asking which one runs (a 409 or 404 says it had stopped, and
  only then is `/me` asked); a Stop button names its entry and stops that one alone;
- at the quota reserve, or with Toggl down, the remembered state is shown with its age.

My time (`today`, `week`) is one Reports v3 `summary/time_entries` request, on the workspace's quota,
kept for the freshness window. (The four-week pace of forecasts is `ReportsReader.pace`: the digest needs it.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from bot import toggl
from bot.identity import Account
from bot.timer import StopOutcome, TimerState
from bot.toggl.models import Project, TimeEntry
from bot.toggl_reader import TogglReader

log = logging.getLogger(__name__)

TIMER = "timer"
"""The cache document holding what the app knows of the person's timer."""


# -- the timer -----------------------------------------------------------------------------------


def remembered(reader: TogglReader, account: Account) -> TimerState | None:
    """What the app knows of the person's timer, however old, without asking Toggl; None if nothing."""
    found = reader.doc(account, TIMER)
    if found is None:
        return None
    try:
        data = json.loads(found[0])
        return TimerState(
            running=_entry(data.get("running")),
            last=_entry(data.get("last")),
            as_of=found[1],
            last_known=bool(data.get("last_known")),
            written=bool(data.get("written")),
        )
    except (ValueError, TypeError, AttributeError, ValidationError):  # an unreadable copy is no copy
        return None


def remember(reader: TogglReader, account: Account, state: TimerState) -> TimerState:
    """Keep `state` (stamped with its `as_of`) for the next `now`, on every instance; returns it."""
    data = {
        "running": _dump(state.running),
        "last": _dump(state.last),
        "last_known": state.last_known,
        "written": state.written,
    }
    reader.put_doc(account, TIMER, json.dumps(data), at=state.as_of)
    return state


def timer_state(
    reader: TogglReader, account: Account, *, max_age: float | None = None, want_last: bool = True
) -> TimerState:
    """The timer, from memory while younger than `max_age` (the freshness window by default), else from Toggl.

    `want_last` also finds the last entry when nothing runs (for `now` and its Restart button; the Home tab
    does without). Raises a `TogglError` only when Toggl fails and nothing is remembered.
    """
    memory = remembered(reader, account)
    window = reader.policy.fresh_seconds if max_age is None else max_age
    if memory is not None and memory.written:  # what the app started or stopped itself
        window = max(window, reader.policy.own_timer_seconds)
    if memory is not None and reader.clock.time() - memory.as_of < window:
        if memory.running is not None or memory.last_known or not want_last:
            return memory
        return _fallback(memory, lambda: _look_back(reader, account))
    if memory is not None:
        wait = reader.quota_wait(account, "me")
        if wait is not None:
            return dataclasses.replace(memory, stale="reserve", retry_in=wait)
    return _fallback(memory, lambda: _refresh(reader, account, memory, want_last))


def start_timer(
    reader: TogglReader,
    account: Account,
    workspace_id: int,
    *,
    description: str = "",
    project_id: int | None = None,
    task_id: int | None = None,
    billable: bool | None = None,
    tags: tuple[str, ...] = (),
) -> TimeEntry:
    """Start a running entry now (the reader's clock); Toggl stops whatever ran. Remembered at once."""
    entry = reader.client(account).start_entry(
        workspace_id,
        start=reader.clock.now(),
        description=description,
        project_id=project_id,
        task_id=task_id,
        billable=billable,
        tags=tags,
    )
    memory = remembered(reader, account)
    idle = memory is not None and memory.running is None
    last = memory.last if memory is not None and idle else None
    known = idle and bool(memory and memory.last_known)
    remember(reader, account, TimerState(entry, last, reader.clock.time(), known, written=True))
    _reports_changed(reader, account)
    return entry


def stop_timer(
    reader: TogglReader, account: Account, entry_id: int | None = None, workspace_id: int | None = None
) -> StopOutcome:
    """Stop the running entry (`entry_id`: that one only). The remembered entry is stopped without asking `/me`
    first; only when Toggl says it had stopped (409) or is gone (404) is the running one looked up."""
    client = reader.client(account)
    memory = remembered(reader, account)
    if entry_id is not None:
        try:
            stopped = client.stop_entry(workspace_id or reader.workspace_id(account), entry_id)
        except (toggl.Conflict, toggl.NotFound):
            if memory is not None and memory.running is not None and memory.running.id == entry_id:
                remember(reader, account, dataclasses.replace(memory, running=None, last_known=False))
            return StopOutcome(already=True)
        return StopOutcome(stopped=_stopped(reader, account, stopped))
    if memory is not None and memory.running is not None:
        try:
            wid = memory.running.workspace_id or reader.workspace_id(account)
            return StopOutcome(stopped=_stopped(reader, account, client.stop_entry(wid, memory.running.id)))
        except (toggl.Conflict, toggl.NotFound):
            log.info("The remembered timer had stopped already; asking Toggl which one runs")
    running = client.current_entry()
    if running is None:
        idle = memory is not None and memory.running is None
        last = memory.last if memory is not None and idle else None
        known = bool(idle and memory and memory.last_known)
        return StopOutcome(state=remember(reader, account, TimerState(None, last, reader.clock.time(), known)))
    wid = running.workspace_id or reader.workspace_id(account)
    return StopOutcome(stopped=_stopped(reader, account, client.stop_entry(wid, running.id)))


def _refresh(reader: TogglReader, account: Account, memory: TimerState | None, want_last: bool) -> TimerState:
    client = reader.client(account)
    running = client.current_entry()
    last, known = (memory.last, memory.last_known) if memory is not None else (None, False)
    if memory is not None and memory.running is not None and (running is None or running.id != memory.running.id):
        last, known = None, False  # what ran has stopped since, at a moment only Toggl knows
    if running is None and want_last and not known:
        last, known = _latest_stopped(client.time_entries()), True
    return remember(reader, account, TimerState(running, last, reader.clock.time(), known))


def _look_back(reader: TogglReader, account: Account) -> TimerState:
    """Nothing runs, as of a moment ago, and the last entry is unknown: the latest entries tell both."""
    entries = reader.client(account).time_entries()
    running = next((e for e in entries if e.running), None)
    return remember(reader, account, TimerState(running, _latest_stopped(entries), reader.clock.time(), True))


def _fallback(memory: TimerState | None, fetch: Callable[[], TimerState]) -> TimerState:
    """`fetch()`, or the remembered state with why it could not be refreshed (the error stands without one)."""
    try:
        return fetch()
    except toggl.QuotaExceeded as err:
        if memory is None:
            raise
        return dataclasses.replace(memory, stale="quota", retry_in=err.resets_in)
    except toggl.NotAsked:  # the first answer while Toggl is slow: the copy alone
        if memory is None:
            raise
        return dataclasses.replace(memory, stale="slow")
    except (toggl.TogglUnavailable, toggl.RateLimited):
        if memory is None:
            raise
        return dataclasses.replace(memory, stale="unavailable")


def _stopped(reader: TogglReader, account: Account, entry: TimeEntry) -> TimeEntry:
    remember(reader, account, TimerState(None, entry, reader.clock.time(), True, written=True))
    _reports_changed(reader, account)
    return entry


def forget_timer(reader: TogglReader, account: Account) -> None:
    """Forget what the app remembered of the timer: the next look asks Toggl (after a write with no answer)."""
    reader.forget_docs(account, TIMER)


def _reports_changed(reader: TogglReader, account: Account) -> None:
    """A timer started or stopped here changes `today` and `week`: their kept reports must not hide it."""
    reader.forget_docs(account, REPORTS)


def _latest_stopped(entries: list[TimeEntry]) -> TimeEntry | None:
    stopped = [e for e in entries if not e.running]
    return max(stopped, key=lambda e: e.start, default=None)


def _entry(data: Any) -> TimeEntry | None:
    return None if data is None else TimeEntry.model_validate(data)


def _dump(entry: TimeEntry | None) -> Any:
    return None if entry is None else entry.model_dump(mode="json")


# -- capture: entries after the fact, edits, undo (issue 20) -----------------------------------------------


def log_entry(
    reader: TogglReader,
    account: Account,
    workspace_id: int,
    *,
    start: dt.datetime,
    seconds: int,
    description: str = "",
    project_id: int | None = None,
    task_id: int | None = None,
    billable: bool | None = None,
    tags: tuple[str, ...] = (),
) -> TimeEntry:
    """One stopped entry, after the fact: a single write on the workspace quota, never retried. `today` and `week`
    forget their kept reports, which no longer count everything."""
    entry = reader.client(account).create_entry(
        workspace_id,
        start=start,
        seconds=seconds,
        description=description,
        project_id=project_id,
        task_id=task_id,
        billable=billable,
        tags=tags,
    )
    _reports_changed(reader, account)
    return entry


def delete_entry(reader: TogglReader, account: Account, workspace_id: int, entry_id: int) -> bool:
    """Delete that entry (an Undo); False when Toggl no longer has it. The remembered timer forgets it too."""
    try:
        reader.client(account).delete_entry(workspace_id, entry_id)
    except toggl.NotFound:
        return False
    memory = remembered(reader, account)
    if memory is not None and entry_id in {e.id for e in (memory.running, memory.last) if e is not None}:
        forget_timer(reader, account)
    _reports_changed(reader, account)
    return True


def edit_entry(
    reader: TogglReader,
    account: Account,
    workspace_id: int,
    entry_id: int,
    *,
    description: str,
    project_id: int | None,
    task_id: int | None,
    billable: bool | None,
    tags: tuple[str, ...],
) -> TimeEntry:
    """Change the entry (the running one, from Edit); what the app remembers of the timer follows."""
    entry = reader.client(account).update_entry(
        workspace_id,
        entry_id,
        description=description,
        project_id=project_id,
        task_id=task_id,
        billable=billable,
        tags=tags,
    )
    memory = remembered(reader, account)
    if memory is not None and memory.running is not None and memory.running.id == entry.id:
        remember(reader, account, dataclasses.replace(memory, running=entry, as_of=reader.clock.time()))
    elif memory is not None and memory.last is not None and memory.last.id == entry.id:
        remember(reader, account, dataclasses.replace(memory, last=entry, as_of=reader.clock.time()))
    _reports_changed(reader, account)
    return entry


CHANNEL_PROJECT = "channel-project:"
"""The cache documents holding, per channel, the project the person last started a timer on there."""


def remember_channel_project(
    reader: TogglReader, account: Account, channel_id: str, workspace_id: int, project_id: int
) -> None:
    """The project last used in this channel, offered first by the next "Start a Toggl timer" there."""
    reader.put_doc(account, CHANNEL_PROJECT + channel_id, json.dumps({"ws": workspace_id, "pid": project_id}))


def channel_project(reader: TogglReader, account: Account, channel_id: str) -> tuple[int, int] | None:
    """(workspace, project) last used in this channel by this person; None when none is remembered."""
    found = reader.doc(account, CHANNEL_PROJECT + channel_id)
    if found is None:
        return None
    try:
        data = json.loads(found[0])
        return int(data["ws"]), int(data["pid"])
    except (ValueError, TypeError, KeyError):
        return None


# -- end of capture -------------------------------------------------------------------------------------------


# -- names and zones -------------------------------------------------------------------------------


def project_of(reader: TogglReader, account: Account, workspace_id: int | None, project_id: int | None) -> Project | None:
    """The project an entry is on, from the copy of the projects (a refresh only when it is not in it)."""
    if project_id is None or workspace_id is None:
        return None
    if account.person is not None:
        person = account.person
        cached = reader.cached_projects(person.team_id, person.user_id, workspace_id)
        found = next((p for p in cached if p.id == project_id), None)
        if found is not None:
            return found
    try:
        return next((p for p in reader.projects(account, workspace_id).items if p.id == project_id), None)
    except toggl.TokenRejected:
        raise
    except toggl.TogglError as err:  # the entry is still worth showing, without its project's name
        log.info("No project name for a time entry: %s", err)
        return None


# -- reports -------------------------------------------------------------------------------------


REPORTS = "mytime:"
"""The prefix of the documents `tracked` keeps its reports under."""


@dataclasses.dataclass(frozen=True)
class Kept:
    """Why figures are the app's copy rather than Toggl's word just now (as `Snapshot.stale`), and from when."""

    as_of: float
    why: str
    retry_in: int | None = None


def tracked(
    reader: TogglReader, account: Account, workspace_id: int, start: dt.date, end: dt.date, name: str
) -> dict[int | None, tuple[int, int | None]]:
    """(seconds, billable seconds) per project the person tracked from `start` to `end`, both days included, in
    one Reports request; kept as the document `name` for the freshness window. Running entries are not in it.
    The billable seconds are None where the report gives no billable split (a free plan's reports)."""
    return tracked_with_age(reader, account, workspace_id, start, end, name)[0]


def tracked_with_age(
    reader: TogglReader, account: Account, workspace_id: int, start: dt.date, end: dt.date, name: str
) -> tuple[dict[int | None, tuple[int, int | None]], Kept | None]:
    """`tracked`, and when the figures are an older copy (the quota at its reserve, Toggl slow or away), why."""
    key = f"{workspace_id}:{start.isoformat()}:{end.isoformat()}"
    found = reader.doc(account, name)
    kept = None
    if found is not None:
        data = json.loads(found[0])
        if data.get("key") == key:
            kept = {(None if pid is None else int(pid)): (seconds, billable) for pid, seconds, billable in data["rows"]}
            if reader.clock.time() - found[1] < reader.policy.fresh_seconds:
                return kept, None
    wait = reader.quota_wait(account)
    if wait is not None:
        if kept is None or found is None:
            raise toggl.QuotaExceeded("kept in reserve: the hourly quota is nearly spent", resets_in=wait, status=None)
        return kept, Kept(found[1], "reserve", wait)
    person = account.person
    try:
        user_id = person.toggl_user_id if person is not None and person.toggl_user_id else reader.profile(account).id
        per = reader.client(account).summary(workspace_id, start, end, user_ids=[user_id]).per_project()
    except (toggl.QuotaExceeded, toggl.TogglUnavailable, toggl.RateLimited) as err:
        if kept is None or found is None:
            raise
        why = (
            "quota" if isinstance(err, toggl.QuotaExceeded) else "slow" if isinstance(err, toggl.NotAsked) else "unavailable"
        )
        return kept, Kept(found[1], why, err.resets_in if isinstance(err, toggl.QuotaExceeded) else None)
    rows = [[pid, seconds, billable] for pid, (seconds, billable) in per.items()]
    reader.put_doc(account, name, json.dumps({"key": key, "rows": rows}))
    return per, None
