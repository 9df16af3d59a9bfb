"""A team post's figures: everyone in the workspace, their tracked time per project, and who is under the minimum.

Cost per post, on the admin's workspace quota: one Reports request (the weekly report, grouped by person
and project, never one per person), and one `/workspaces/{wid}/users` request when the app's copy of the
workspace's people is older than `USERS_SECONDS`. People are known as Slack people only if they connected
the app (`TeamPosts.connected`): no Slack scope is needed to match them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from bot import toggl
from bot.identity import Account
from bot.service import Service
from bot.team.period import Covered
from bot.toggl.models import WeeklyRow, WorkspaceUser

log = logging.getLogger(__name__)

USERS_SECONDS = 3600.0
"""How long the app's copy of a workspace's people is used before asking Toggl again."""
TOP_PROJECTS = 3
"""Projects named per person; the rest are counted."""


@dataclass(frozen=True)
class Member:
    """One person's line of a team post."""

    toggl_id: int
    name: str
    seconds: int
    billable_seconds: int | None
    """None where the report gives no billable split (a free plan)."""
    projects: list[tuple[str, int]]
    """(name, seconds), most first."""
    under: bool
    """Under the post's minimum for the period."""
    slack_id: str | None = None
    """The Slack person, if they connected the app."""
    mention: bool = False
    """They connected and said `team nudge on`: the post may mention them, and they are nudged."""


@dataclass(frozen=True)
class TeamReport:
    covered: Covered
    workspace_id: int
    workspace_name: str
    owner_id: str
    """The Slack admin whose Toggl data it is."""
    min_seconds: int | None
    members: list[Member] = field(default_factory=list)

    @property
    def under(self) -> list[Member]:
        return [m for m in self.members if m.under]

    @property
    def total_seconds(self) -> int:
        return sum(m.seconds for m in self.members)


def workspace_users(service: Service, account: Account, workspace_id: int, *, fresh: bool = False) -> list[WorkspaceUser]:
    """The workspace's people, from the app's copy while younger than `USERS_SECONDS`. Raises `NoWorkspaceAccess`
    when the token may not list them (not an admin, where Toggl hides the list from members)."""
    name = f"team:users:{workspace_id}"
    kept = None if fresh else service.reader.doc(account, name, max_age=USERS_SECONDS)
    if kept is not None:
        try:
            return [WorkspaceUser.model_validate(item) for item in json.loads(kept[0])]
        except ValueError:
            pass
    users = service.reader.client(account).workspace_users(workspace_id)
    service.reader.put_doc(account, name, json.dumps([u.model_dump(mode="json") for u in users]))
    return users


def toggl_id(service: Service, account: Account) -> int:
    """The asker's Toggl user id, from the store when it knows it."""
    person = account.person
    if person is not None and person.toggl_user_id:
        return person.toggl_user_id
    return service.reader.profile(account).id


def admins_of(service: Service, account: Account, workspace_id: int) -> tuple[bool, list[WorkspaceUser] | None]:
    """Whether the asker is an admin of the workspace, and its admins (None when the asker may not see them)."""
    try:
        users = workspace_users(service, account, workspace_id)
    except toggl.NoWorkspaceAccess:
        return False, None
    me = toggl_id(service, account)
    admins = [u for u in users if u.admin and u.current]
    return any(u.id == me for u in admins), admins


def team_report(
    service: Service,
    account: Account,
    *,
    team_id: str,
    owner_id: str,
    workspace_id: int,
    covered: Covered,
    min_seconds: int | None,
) -> TeamReport:
    """The figures of one post, with the admin's token: one Reports request, and the people list from the copy."""
    if service.reader.quota_wait(account) is not None:
        raise toggl.QuotaExceeded("kept in reserve: the hourly quota is nearly spent", resets_in=None, status=None)
    client = service.reader.client(account)
    start, end = covered.asked()
    rows = client.weekly_report(workspace_id, start, end)
    try:
        users = workspace_users(service, account, workspace_id)
    except toggl.TokenRejected:
        raise
    except toggl.TogglError as err:  # the report alone still names everyone who tracked something
        log.info("A team post goes without the workspace's people list: %s", err)
        users = []
    try:
        names = {w.id: w.name for w in service.reader.known_workspaces(account)}
    except toggl.TokenRejected:
        raise
    except toggl.TogglError:  # only the name is missing: the id will do
        names = {}
    return TeamReport(
        covered=covered,
        workspace_id=workspace_id,
        workspace_name=names.get(workspace_id) or str(workspace_id),
        owner_id=owner_id,
        min_seconds=min_seconds,
        members=members_of(rows, users, covered, min_seconds, service.team.connected(team_id)),
    )


def members_of(
    rows: list[WeeklyRow],
    users: list[WorkspaceUser],
    covered: Covered,
    min_seconds: int | None,
    connected: dict[int, tuple[str, bool]],
) -> list[Member]:
    """Each person's line, from the report's rows (only the covered days' columns) and the people list (who tracked
    nothing is in no row): those under the minimum first, least first, then everyone else by name."""
    days = covered.days
    time: dict[int, dict[int | None, list[int]]] = {}
    project_names: dict[int | None, str] = {None: "(no project)"}
    row_names: dict[int, str] = {}
    for row in rows:
        if row.user_id is None:
            continue
        seconds = sum(s or 0 for s in (row.seconds or [])[:days])
        billable = None if row.billable_seconds is None else sum(b or 0 for b in row.billable_seconds[:days])
        cell = time.setdefault(row.user_id, {}).setdefault(row.project_id, [0, -1])
        cell[0] += seconds
        if billable is not None:
            cell[1] = max(cell[1], 0) + billable
        if row.project_id is not None and row.project_name:
            project_names[row.project_id] = row.project_name
        if row.user_name:
            row_names[row.user_id] = row.user_name
    everyone = {u.id: u.fullname or u.email or f"Toggl user {u.id}" for u in users if u.current}
    for uid in time:
        everyone.setdefault(uid, row_names.get(uid) or f"Toggl user {uid}")
    members = []
    for uid, name in everyone.items():
        per_project = time.get(uid, {})
        seconds = sum(cell[0] for cell in per_project.values())
        known = [cell[1] for cell in per_project.values() if cell[1] >= 0]
        projects = sorted(
            ((project_names.get(pid) or f"Project {pid}", cell[0]) for pid, cell in per_project.items() if cell[0] > 0),
            key=lambda item: (-item[1], item[0].casefold()),
        )
        slack_id, allowed = connected.get(uid, (None, False))
        members.append(
            Member(
                toggl_id=uid,
                name=name,
                seconds=seconds,
                billable_seconds=sum(known) if known else None,
                projects=projects,
                under=min_seconds is not None and seconds < min_seconds,
                slack_id=slack_id,
                mention=allowed and slack_id is not None,
            )
        )
    members.sort(key=lambda m: (not m.under, m.seconds if m.under else 0, m.name.casefold(), m.toggl_id))
    return members
