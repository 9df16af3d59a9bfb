"""The command code: a command and who asked, in; the Slack messages to answer with, out.

Both the Slack handlers and `toggl-bot ask` call `answer`, so what the CLI prints is exactly
what Slack would show. Every failure ends here as a friendly message, never an exception.
Words that need no Toggl data (help, a greeting, connect, disconnect, and the digest words that
only list or change settings) are answered without asking for a connection.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot import capture, mytime, personal, timers, toggl
from bot.alerts.hooks import release_person, resume_person
from bot.alerts.manage import answer_alerts
from bot.browse import filter_projects, pick_project_answer, projects_answer, tasks_answer, with_staleness
from bot.commands import (
    Command,
    Connect,
    DeleteEntry,
    DigestAlerts,
    DigestCommand,
    DigestMute,
    DigestSubscribe,
    Disconnect,
    EditEntry,
    Greet,
    Help,
    Invalid,
    ListProjects,
    ListTasks,
    ListWorkspaces,
    LogTime,
    MyTime,
    PickProject,
    Reminder,
    ShowMe,
    ShowTimer,
    StartTimer,
    StopTimer,
    SwitchWorkspace,
    TeamCommand,
    WeeklySummary,
)
from bot.digest.manage import NEEDS_TOGGL, answer_digest
from bot.identity import Account, Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.service import Service
from bot.team.manage import NEEDS_TOGGL as TEAM_NEEDS_TOGGL
from bot.team.manage import answer_team
from bot.toggl.models import Me
from bot.tokens import NOT_A_TOKEN, clean_token, looks_like_token
from bot.views import account as account_views
from bot.views.common import Message, notice
from bot.views.digest_form import digest_form_prompt
from bot.views.errors import toggl_error_message, unexpected_error, write_refused
from bot.views.help import did_you_mean, help_message

log = logging.getLogger(__name__)

__all__ = ["Reply", "answer", "connect", "filter_projects", "from_copy", "with_staleness"]

READS = (ListProjects, ListTasks, PickProject, ShowTimer, MyTime, ShowMe, ListWorkspaces)
"""Words that only read: answered first from the app's copy when Toggl is slow (never a write: a copy cannot
start a timer)."""


WRITES: dict[type, str] = {StartTimer: "start", StopTimer: "stop", LogTime: "log", DeleteEntry: "undo", EditEntry: "edit"}
"""Commands that write to Toggl, and the verb their refusal at the quota names."""


@dataclass(frozen=True)
class Reply:
    """What to answer: messages to send, and whether to open the connect modal instead."""

    messages: list[Message] = field(default_factory=list)
    open_connect_modal: bool = False


TRY_LATER = "Please try again in a few minutes."


def answer(command: Command, asker: Asker, service: Service) -> Reply:
    """Run one command for one person; always returns something to say."""
    try:
        return _answer(command, asker, service)
    except NotConnected:
        return Reply([account_views.not_connected()])
    except ReconnectNeeded:
        return Reply([account_views.not_connected("Your Toggl connection needs renewing. Please connect again.")])
    except KeyMissing:  # this process lacks the key (logged): the token is fine, so no "connect again"
        return Reply(
            [notice("I cannot use your stored Toggl token right now: a problem on our side, not yours.", TRY_LATER)]
        )
    except toggl.TogglError as err:
        log.warning("Toggl failed for a %s command: %s", type(command).__name__, err)
        if isinstance(err, toggl.QuotaExceeded) and type(command) in WRITES:
            return Reply([write_refused(err, WRITES[type(command)])])
        return Reply([toggl_error_message(err)])
    except Exception:
        log.exception("Unexpected failure answering a %s command", type(command).__name__)
        return Reply([unexpected_error()])


def from_copy(command: Command, asker: Asker, service: Service) -> Reply | None:
    """The answer made from the app's copy alone, asking Toggl nothing, for a read; None when it cannot be made
    so (nothing kept, or not a read). Sent first while Toggl is slow; the fresh answer replaces it."""
    if not isinstance(command, READS):
        return None
    try:
        with toggl.copy_only():
            return _answer(command, asker, service)
    except Exception as err:  # nothing to show from the copy: the fresh answer alone will come
        log.debug("No answer from the copy for a %s command: %s", type(command).__name__, err)
        return None


def _answer(command: Command, asker: Asker, service: Service) -> Reply:
    match command:
        case Help(unknown=unknown, suggestion=suggestion) if unknown and suggestion:
            return Reply([did_you_mean(unknown, suggestion)])
        case Help(unknown=unknown):
            return Reply([help_message(unknown)])
        case Greet():
            person = service.accounts.person(asker.team_id, asker.user_id)
            connected_now = asker.token is not None or (person is not None and person.token_valid)
            return Reply([account_views.welcome(person.toggl_name if person else None, connected_now)])
        case Invalid(reason=reason, usage=usage):
            return Reply([notice(reason, f"Usage: {usage}" if usage else "")])
        case Connect(token=None):
            return Reply([account_views.connect_prompt()], open_connect_modal=True)
        case Connect(token=token):
            return Reply([connect(asker, service, token or "")])
        case Disconnect():
            if asker.team_id is None or asker.user_id is None:
                return Reply([notice("There is no stored connection to delete when a token is given directly.")])
            digests = service.subscriptions.of_person(asker.team_id, asker.user_id)
            own = len(service.personal.of_person(asker.team_id, asker.user_id))
            timer = timers.keeps_running(asker, service)  # asked before the token is gone
            release_person(service, asker.team_id, asker.user_id)  # its webhooks go while its token is here
            had_token = service.accounts.disconnect(asker.team_id, asker.user_id)
            return Reply([account_views.disconnected(had_token, digests, own, timer)])
        case DigestSubscribe() if command.bare and asker.channel_id:
            if service.accounts.person(asker.team_id, asker.user_id) is None and asker.token is None:
                raise NotConnected("a digest needs the asker's Toggl data")
            return Reply([digest_form_prompt(asker.channel_id)])
    if isinstance(command, DigestAlerts) and not (asker.team_id and asker.user_id and asker.channel_id):
        return Reply([notice("Alerts belong to a channel's digest: type `/toggl digest alerts on` in that channel.")])
    if command == DigestAlerts(on=False):
        return Reply([answer_alerts(command, asker, None, service)])
    if isinstance(command, DigestCommand) and not _needs_toggl(command):
        account = _account_if_any(asker, service)
        return Reply(answer_digest(command, asker, account, service))
    if isinstance(command, TeamCommand) and not isinstance(command, TEAM_NEEDS_TOGGL):  # the team lead's view
        return Reply(answer_team(command, asker, _account_if_any(asker, service), service))
    if command in (WeeklySummary(on=False), Reminder(at=None)):  # turning a message off needs no Toggl
        return Reply([personal.settings_answer(command, asker, _account_if_any(asker, service), service)])
    account = service.accounts.account(asker)
    try:
        return Reply(_with_account(command, asker, account, service))
    except toggl.TokenRejected:
        service.accounts.token_rejected(account)
        raise


def _needs_toggl(command: DigestCommand) -> bool:
    return isinstance(command, NEEDS_TOGGL) or (isinstance(command, DigestMute) and command.mute)


def _account_if_any(asker: Asker, service: Service) -> Account | None:
    try:
        return service.accounts.account(asker)
    except (NotConnected, ReconnectNeeded):
        return None


def connect(asker: Asker, service: Service, token: str, me: Me | None = None) -> Message:
    """Check and store a token; the modal's submission and `connect <token>` both end here."""
    if asker.team_id is None or asker.user_id is None:
        return notice("Connecting needs a Slack person; with `--toggl-token` the token is used directly.")
    token = clean_token(token)
    if not looks_like_token(token):  # said before Toggl is asked, and never repeated back
        return notice(NOT_A_TOKEN, account_views.TOKEN_HELP)
    paused = [s for s in service.subscriptions.of_person(asker.team_id, asker.user_id) if s.paused_reason]
    try:
        me, workspace = service.accounts.connect(asker.team_id, asker.user_id, token, me=me)
    except toggl.TokenRejected:
        return notice("Toggl did not accept that API token.", account_views.TOKEN_HELP)
    except toggl.TogglError as err:
        return toggl_error_message(err)
    resume_person(service, asker.team_id, asker.user_id)
    return account_views.connected(me, workspace, token_in_dm=asker.typed_in_dm, resumed=len(paused))


def _with_account(command: Command, asker: Asker, account: Account, service: Service) -> list[Message]:
    match command:
        case ShowMe():
            me = service.reader.me(account)
            workspace_id = account.workspace_id or me.default_workspace_id
            workspace = next((w for w in service.reader.workspaces(account) if w.id == workspace_id), None)
            return [account_views.me_message(me, workspace)]
        case ListWorkspaces():
            workspaces = service.reader.workspaces(account, fresh=True)  # asked for outright: show the current list
            current = account.workspace_id or service.reader.me(account).default_workspace_id
            return [account_views.workspaces_message(workspaces, current)]
        case SwitchWorkspace(query=query):
            found = service.accounts.switch_workspace(account, query)
            if found is None:
                return [account_views.no_workspace(query, service.reader.workspaces(account))]
            return [account_views.workspace_switched(found)]
        case ListProjects():
            return [projects_answer(command, asker, account, service)]
        case ListTasks():
            return [tasks_answer(command, account, service)]
        case PickProject():
            return [pick_project_answer(command, account, service)]
        case StartTimer():
            return [timers.start_answer(command, account, service, channel_id=asker.channel_id)]
        case LogTime():  # capture (issue 20)
            return [capture.log_answer(command, account, service)]
        case DeleteEntry():
            return [capture.delete_answer(command, account, service)]
        case EditEntry():
            return [capture.edit_answer(command, account, service)]
        case StopTimer():
            return [timers.stop_answer(command, account, service)]
        case ShowTimer():
            return [timers.now_answer(command, account, service)]
        case MyTime():
            return [mytime.my_time_answer(command, account, service)]
        case WeeklySummary() | Reminder():
            return [personal.settings_answer(command, asker, account, service)]
        case DigestAlerts():
            return [answer_alerts(command, asker, account, service)]
        case _ if isinstance(command, DigestCommand):
            return answer_digest(command, asker, account, service)
        case _ if isinstance(command, TeamCommand):  # the team lead's view
            return answer_team(command, asker, account, service)
    return [help_message()]
