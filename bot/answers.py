"""The command code: a command and who asked, in; the Slack messages to answer with, out.

Both the Slack handlers and `toggl-bot ask` call `answer`, so what the CLI prints is exactly
what Slack would show. Every failure ends here as a friendly message, never an exception.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import toggl
from bot.commands import (
    Command,
    Connect,
    DigestCommand,
    Disconnect,
    Help,
    Invalid,
    ListProjects,
    ListTasks,
    ListWorkspaces,
    ShowMe,
    SwitchWorkspace,
)
from bot.digest.manage import answer_digest
from bot.matching import find_project
from bot.service import Account, Asker, NotConnected, ReconnectNeeded, Service, Snapshot
from bot.toggl.models import Me, Project
from bot.views import account as account_views
from bot.views.common import Message, notice, stale_note, with_note
from bot.views.errors import toggl_error_message, unexpected_error
from bot.views.help import help_message
from bot.views.projects import projects_page
from bot.views.tasks import no_project, project_chooser, tasks_page

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """What to answer: messages to send, and whether to open the connect modal instead."""

    messages: list[Message] = field(default_factory=list)
    open_connect_modal: bool = False


def answer(command: Command, asker: Asker, service: Service) -> Reply:
    """Run one command for one person; always returns something to say."""
    try:
        return _answer(command, asker, service)
    except NotConnected:
        return Reply([account_views.not_connected()])
    except ReconnectNeeded:
        return Reply([account_views.not_connected("Your Toggl connection needs renewing. Please connect again.")])
    except toggl.TogglError as err:
        log.warning("Toggl failed for a %s command: %s", type(command).__name__, err)
        return Reply([toggl_error_message(err)])
    except Exception:
        log.exception("Unexpected failure answering a %s command", type(command).__name__)
        return Reply([unexpected_error()])


def _answer(command: Command, asker: Asker, service: Service) -> Reply:
    match command:
        case Help(unknown=unknown):
            return Reply([help_message(unknown)])
        case Invalid(reason=reason, usage=usage):
            return Reply([notice(reason, f"Usage: {usage}" if usage else "")])
        case Connect(token=None):
            return Reply([account_views.connect_prompt()], open_connect_modal=True)
        case Connect(token=token):
            return Reply([connect(asker, service, token or "")])
        case Disconnect():
            if asker.team_id is None or asker.user_id is None:
                return Reply([notice("There is no stored connection to delete when a token is given directly.")])
            return Reply([account_views.disconnected(service.disconnect(asker.team_id, asker.user_id))])
    account = service.account(asker)
    try:
        return Reply(_with_account(command, asker, account, service))
    except toggl.TokenRejected:
        service.token_rejected(account)
        raise


def connect(asker: Asker, service: Service, token: str, me: Me | None = None) -> Message:
    """Check and store a token; the modal's submission and `connect <token>` both end here."""
    if asker.team_id is None or asker.user_id is None:
        return notice("Connecting needs a Slack person; with `--toggl-token` the token is used directly.")
    try:
        me, workspace = service.connect(asker.team_id, asker.user_id, token, me=me)
    except toggl.TokenRejected:
        return notice("Toggl did not accept that API token.", account_views.TOKEN_HELP)
    except toggl.TogglError as err:
        return toggl_error_message(err)
    return account_views.connected(me, workspace)


def _with_account(command: Command, asker: Asker, account: Account, service: Service) -> list[Message]:
    match command:
        case ShowMe():
            me = service.me(account)
            workspace_id = account.workspace_id or me.default_workspace_id
            workspace = next((w for w in service.workspaces(account) if w.id == workspace_id), None)
            return [account_views.me_message(me, workspace)]
        case ListWorkspaces():
            workspaces = service.workspaces(account, fresh=True)  # asked for outright: show the current list
            current = account.workspace_id or service.me(account).default_workspace_id
            return [account_views.workspaces_message(workspaces, current)]
        case SwitchWorkspace(query=query):
            found = service.switch_workspace(account, query)
            if found is None:
                return [account_views.no_workspace(query, service.workspaces(account))]
            return [account_views.workspace_switched(found)]
        case ListProjects():
            snapshot = service.projects(account, service.workspace_id(account))
            page = projects_page(filter_projects(snapshot.items, command), command)
            return [with_staleness(page, snapshot, account)]
        case ListTasks():
            return [tasks_answer(command, account, service)]
        case _ if isinstance(command, DigestCommand):
            return answer_digest(command, asker, account, service)
    return [help_message()]


def with_staleness(message: Message, snapshot: Snapshot, account: Account) -> Message:
    """The message, with a note of the data's age when it could not be refreshed."""
    if snapshot.stale is None:
        return message
    zone = account.person.timezone if account.person and account.person.timezone else "UTC"
    try:
        as_of = dt.datetime.fromtimestamp(snapshot.as_of, ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        as_of = dt.datetime.fromtimestamp(snapshot.as_of, dt.UTC)
    return with_note(message, stale_note(as_of, snapshot.stale, snapshot.retry_in))


def filter_projects(projects: list[Project], command: ListProjects) -> list[Project]:
    """The projects the filters ask for; names and clients match in any case, by part (a client's
    whole name wins: `client:Acme` is Acme's projects, not also those of "Acme & Sons")."""
    shown = [p for p in projects if p.server_deleted_at is None and p.status != "deleted"]
    if command.status == "active":
        shown = [p for p in shown if not p.is_archived]
    elif command.status == "archived":
        shown = [p for p in shown if p.is_archived]
    if command.client:
        wanted = command.client.casefold()
        exact = [p for p in shown if (p.client_name or "").casefold() == wanted]
        shown = exact or [p for p in shown if wanted in (p.client_name or "").casefold()]
    if command.text:
        wanted = command.text.casefold()
        shown = [p for p in shown if wanted in p.name.casefold()]
    return shown


def tasks_answer(command: ListTasks, account: Account, service: Service) -> Message:
    workspace_id = service.workspace_id(account)
    projects = service.projects(account, workspace_id)
    match = find_project(command.project, projects.items)
    if match.choices:
        return project_chooser(command.project, match.choices, command)
    if match.project is None:
        return no_project(command.project, match.closest)
    project = match.project
    command = dataclasses.replace(command, project=str(project.id))  # later pages need no name lookup
    snapshot = service.tasks(account, project.workspace_id or workspace_id, project.id)
    tasks = [t for t in snapshot.items if t.active or command.include_done]
    period_tracked, note = service.period_tracked(account, project)
    page = tasks_page(project, tasks, command, period_tracked=period_tracked, period_note=note)
    return with_staleness(page, snapshot if snapshot.stale else projects, account)
