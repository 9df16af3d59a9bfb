"""Typed views of Toggl's JSON. Every model tolerates nulls and unknown fields, as the real API sends both.

Units are settled here and nowhere else: every `*_seconds` field is seconds. Toggl's task
`tracked_seconds` is in milliseconds, so `Task.from_toggl` divides it once; a `Task` built from
our own cache (already seconds) goes through `Task.model_validate` and is never divided again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _lenient_date(value: Any) -> Any:
    """Toggl sends dates as `YYYY-MM-DD`, sometimes with a time, sometimes empty; keep the day or None."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return value


Day = Annotated[dt.date | None, BeforeValidator(_lenient_date)]


class TogglModel(BaseModel):
    """Base for every Toggl model: ignores fields we do not use, so Toggl can add fields freely."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Me(TogglModel):
    """The person a token belongs to (`GET /me`). Toggl also returns `api_token` here; we drop it."""

    id: int
    fullname: str | None = None
    email: str | None = None
    default_workspace_id: int | None = None
    timezone: str | None = None
    """An IANA zone such as `Europe/Berlin`, as set in the person's Toggl profile."""
    beginning_of_week: int | None = None


class Workspace(TogglModel):
    """A workspace the person can use (`GET /me/workspaces`)."""

    id: int
    name: str = ""
    organization_id: int | None = None
    premium: bool | None = None
    role: str | None = None


class Client(TogglModel):
    """A client of a workspace (`GET /workspaces/{wid}/clients`). Projects name theirs only by `client_id`."""

    id: int
    name: str = ""
    wid: int | None = None
    archived: bool = False
    at: dt.datetime | None = None
    server_deleted_at: dt.datetime | None = None
    """The spec's clients carry none; kept so the cache can treat clients like projects and tasks."""


class Period(TogglModel):
    """The current period of a recurring project: both ends are days, inclusive."""

    start_date: Day = None
    end_date: Day = None


class RecurringParameters(TogglModel):
    """How a recurring project repeats; `estimated_seconds` is the estimate for one period."""

    period: str | None = None
    custom_period: int | None = None
    estimated_seconds: int | None = None
    parameter_start_date: Day = None
    parameter_end_date: Day = None


class Project(TogglModel):
    """A project (`GET /workspaces/{wid}/projects`)."""

    id: int
    workspace_id: int | None = None
    name: str = ""
    client_id: int | None = None
    client_name: str | None = None
    """Not in Toggl's project list (it has `client_id` only): `Service.projects` fills it in from the clients."""
    active: bool = True
    """False when the project is archived."""
    status: str | None = None
    """One of upcoming, active, ended, archived, deleted; older answers leave it out."""
    pinned: bool = False
    billable: bool | None = None
    """Whether new time on it is billable by default (a paid plan's feature); entries take it only when told."""
    actual_seconds: int | None = None
    """All time ever tracked on the project, in seconds (use this, not the truncated `actual_hours`)."""
    estimated_seconds: int | None = None
    start_date: Day = None
    end_date: Day = None
    recurring: bool = False
    recurring_parameters: list[RecurringParameters] | None = None
    current_period: Period | None = None
    at: dt.datetime | None = None
    server_deleted_at: dt.datetime | None = None

    @property
    def period_estimate_seconds(self) -> int | None:
        """The estimate of one period of a recurring project, from its first recurring parameters."""
        for params in self.recurring_parameters or []:
            if params.estimated_seconds:
                return params.estimated_seconds
        return None

    @property
    def is_archived(self) -> bool:
        return not self.active or self.status == "archived"


class Task(TogglModel):
    """A task (`GET /workspaces/{wid}/tasks`). `tracked_seconds` is seconds, or None when unknown."""

    id: int
    name: str = ""
    project_id: int | None = None
    workspace_id: int | None = None
    active: bool = True
    """False when the task is done."""
    estimated_seconds: int | None = None
    tracked_seconds: int | None = None
    """Seconds; None where Toggl's figure is known to be wrong (tasks of recurring projects report 0)."""
    recurring: bool = False
    at: dt.datetime | None = None
    server_deleted_at: dt.datetime | None = None

    @classmethod
    def from_toggl(cls, data: Any) -> Task:
        """Build a task from Toggl's JSON, turning `tracked_seconds` from milliseconds into seconds."""
        if not isinstance(data, dict):
            return cls.model_validate(data)  # let pydantic say what is wrong with it
        fields = dict(data)
        tracked_ms = fields.pop("tracked_seconds", None)
        if fields.get("recurring"):
            fields["tracked_seconds"] = None
        elif isinstance(tracked_ms, int | float) and not isinstance(tracked_ms, bool):
            fields["tracked_seconds"] = round(tracked_ms / 1000)
        else:
            fields["tracked_seconds"] = tracked_ms
        return cls.model_validate(fields)


class TimeEntry(TogglModel):
    """A time entry (`/me/time_entries`, `POST /workspaces/{wid}/time_entries`, `PATCH …/stop`).

    `duration` is seconds, negative while the entry runs (Toggl sends minus the start's UNIX time, or -1):
    never read a running entry's length from it, use `seconds_at`.
    """

    id: int
    workspace_id: int | None = None
    project_id: int | None = None
    task_id: int | None = None
    user_id: int | None = None
    description: str | None = None
    start: dt.datetime
    """When it started, in UTC."""
    stop: dt.datetime | None = None
    """None while it runs."""
    duration: int = 0
    """Seconds; negative while the entry runs."""
    billable: bool = False
    tags: list[str] | None = None
    at: dt.datetime | None = None
    server_deleted_at: dt.datetime | None = None

    @property
    def running(self) -> bool:
        return self.stop is None and self.duration < 0

    def seconds_at(self, now: dt.datetime) -> int:
        """How long it ran, or has run by `now` while it still runs."""
        if self.running:
            return max(0, int((now - self.start).total_seconds()))
        if self.stop is not None and self.duration <= 0:
            return max(0, int((self.stop - self.start).total_seconds()))
        return max(0, self.duration)


class SummaryRate(TogglModel):
    """One rate's share of a summary row (Reports v3 `base.BillableHourlyRate`)."""

    billable_seconds: int | None = None
    currency: str | None = None
    hourly_rate_in_cents: int | None = None


class SummarySubGroup(TogglModel):
    """A summary row inside a group: with the default sub-grouping, one description's time entries."""

    id: int | None = None
    title: str | None = None
    seconds: int = 0
    rates: list[SummaryRate] | None = None

    @property
    def billable_seconds(self) -> int | None:
        """Billable seconds, or None when the row carries no `rates`: Toggl gives no billable split there (billable
        time is a paid-plan feature, so a free workspace's reports carry none), which is not the same as none billable."""
        if self.rates is None:
            return None
        return sum(rate.billable_seconds or 0 for rate in self.rates)


class SummaryGroup(TogglModel):
    """A summary group; grouped by project, `id` is the project's id (None for time without a project)."""

    id: int | None = None
    sub_groups: list[SummarySubGroup] | None = None

    @property
    def seconds(self) -> int:
        return sum(sub.seconds for sub in self.sub_groups or [])

    @property
    def billable_seconds(self) -> int | None:
        """The rows' billable seconds; None when no row gives a billable split."""
        return _known_sum(sub.billable_seconds for sub in self.sub_groups or [])


class SummaryReport(TogglModel):
    """`POST /reports/api/v3/workspace/{wid}/summary/time_entries`: tracked time per group (`summary.ReportData`).

    Only stopped entries count: a running timer is in no report until it stops.
    """

    groups: list[SummaryGroup] | None = None

    def per_project(self) -> dict[int | None, tuple[int, int | None]]:
        """(seconds, billable seconds) by project id; None holds the time tracked without a project. The billable
        seconds are None where the report gives no billable split (see `SummarySubGroup.billable_seconds`)."""
        found: dict[int | None, tuple[int, int | None]] = {}
        for group in self.groups or []:
            seconds, billable = found.get(group.id, (0, None))
            found[group.id] = (seconds + group.seconds, _known_sum([billable, group.billable_seconds]))
        return found


def _known_sum(values: Iterable[int | None]) -> int | None:
    """The sum of the known values, or None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


class Quota(TogglModel):
    """The latest `X-Toggl-Quota-*` headers seen for one token."""

    remaining: int | None = None
    resets_in: int | None = None
    """Seconds until the hourly quota refills, as of `seen_at`."""
    seen_at: float = Field(default=0.0)
    """UNIX seconds, by the client's clock, when the headers arrived."""


# -- the team lead's view (issue 21) -------------------------------------------------------------------


class WorkspaceUser(TogglModel):
    """`GET /api/v9/workspaces/{wid}/users` (`models.SimpleWorkspaceUser`): a person of the workspace."""

    id: int
    """The Toggl user id (as in reports' `user_id`)."""
    fullname: str | None = None
    email: str | None = None
    is_admin: bool | None = None
    """Deprecated in the spec in favour of `role`; read both."""
    role: str | None = None
    inactive: bool | None = None
    """Deactivated by a workspace admin."""
    is_active: bool | None = None
    """Has joined the workspace (accepted the invitation)."""

    @property
    def admin(self) -> bool:
        return bool(self.is_admin) or (self.role or "").casefold() in ("admin", "owner")

    @property
    def current(self) -> bool:
        """In the team today: not deactivated, and joined (a pending invitation tracks nothing)."""
        return not self.inactive and self.is_active is not False


class WeeklyRow(TogglModel):
    """A row of `POST /reports/api/v3/workspace/{wid}/weekly/time_entries` (`weekly.DataRow`): one person's time on
    one project, day by day from the report's start date."""

    user_id: int | None = None
    user_name: str | None = None
    project_id: int | None = None
    """None for time without a project."""
    project_name: str | None = None
    seconds: list[int | None] | None = None
    billable_seconds: list[int | None] | None = None
    """None where the report gives no billable split (a free plan's reports carry none)."""
