"""The app's one service: who is asking, their Toggl client, and the store. The only place that calls Toggl.

Handlers and the CLI never talk to Toggl or the database directly; they call `bot.answers`,
which calls this.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field

from pydantic import SecretStr

from bot import toggl
from bot.crypto import TokenCipher, UnreadableToken, cipher_from
from bot.digest.rules import needs_period_figure
from bot.settings import Settings
from bot.slack import SlackGateway
from bot.store import Person, Store
from bot.toggl.models import Me, Project, Task, Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkspaceData:
    """What a digest is computed from: one person's projects and open tasks in one workspace."""

    workspace_id: int
    workspace_name: str
    projects: list[Project]
    tasks: list[Task]
    period_tracked: dict[int, int | str]
    """Recurring project id -> seconds this period, or the reason the figure is missing."""


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


@dataclass(frozen=True)
class Account:
    """A usable Toggl identity: the token in clear (never shown), and the workspace chosen, if any."""

    token: SecretStr = field(repr=False)
    workspace_id: int | None = None
    person: Person | None = None


class Service:
    """Everything the commands need, over the store and one Toggl client per token."""

    def __init__(
        self, store: Store, cipher: TokenCipher, clients: toggl.TogglClients, slack: SlackGateway | None = None
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.clients = clients
        self.slack = slack
        """Set when a Slack bot token is configured: time zones, admin checks and channel posts."""

    @classmethod
    def from_settings(cls, settings: Settings) -> Service:
        """The service as configured: the database migrated, the key loaded (or its file made)."""
        store = Store(settings.database_path)
        store.migrate()
        key = settings.token_encryption_key.get_secret_value() if settings.token_encryption_key else None
        cipher = cipher_from(key, settings.database_path)
        return cls(store, cipher, toggl.TogglClients(settings.toggl_api_url))

    # -- identities ----------------------------------------------------------------------------

    def account(self, asker: Asker) -> Account:
        """The account to use; raises `NotConnected` or `ReconnectNeeded`."""
        if asker.token is not None:
            return Account(token=asker.token)
        if not (asker.team_id and asker.user_id):
            raise NotConnected("no Slack person and no token")
        person = self.store.get_person(asker.team_id, asker.user_id)
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
        return self.clients.quick_me(token.strip())

    def connect(self, team_id: str, user_id: str, token: str, me: Me | None = None) -> tuple[Me, Workspace | None]:
        """Check the token with Toggl (`/me`, unless `me` was just fetched), then store it encrypted.

        Raises `TokenRejected` if Toggl refuses it.
        """
        token = token.strip()
        client = self.clients.for_token(token)
        me = me or client.me()
        workspace = None
        try:
            workspaces = client.workspaces()
            default = [w for w in workspaces if w.id == me.default_workspace_id]
            workspace = (default or workspaces or [None])[0]
        except toggl.TogglError as err:  # the token works; the workspace can be chosen later
            log.info("Could not list workspaces while connecting: %s", err)
        self.store.save_person(
            team_id,
            user_id,
            token_ciphertext=self.cipher.encrypt(token),
            toggl_user_id=me.id,
            toggl_name=me.fullname,
            workspace_id=workspace.id if workspace else me.default_workspace_id,
            timezone=me.timezone,
        )
        self.store.resume_subscriptions_of(team_id, user_id)
        return me, workspace

    def disconnect(self, team_id: str, user_id: str) -> bool:
        """Delete the person's token; True if there was one."""
        person = self.store.get_person(team_id, user_id)
        if person is not None:
            with contextlib.suppress(UnreadableToken):
                self.clients.forget(self.cipher.decrypt(person.token_ciphertext))
        return self.store.delete_person(team_id, user_id)

    def token_rejected(self, account: Account) -> None:
        """Toggl refused the token: mark it, so the person is asked to reconnect rather than failing again."""
        if account.person is not None:
            self.store.mark_token_invalid(account.person.team_id, account.person.user_id)

    # -- Toggl data ----------------------------------------------------------------------------

    def me(self, account: Account) -> Me:
        return self.client(account).me()

    def workspaces(self, account: Account) -> list[Workspace]:
        return sorted(self.client(account).workspaces(), key=lambda w: w.name.casefold())

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
        workspaces = self.workspaces(account)
        wanted = query.strip().casefold()
        found = next((w for w in workspaces if str(w.id) == wanted), None)
        found = found or next((w for w in workspaces if w.name.casefold() == wanted), None)
        partial = [w for w in workspaces if wanted in w.name.casefold()]
        found = found or (partial[0] if len(partial) == 1 else None)
        if found is not None and account.person is not None:
            self.store.set_workspace(account.person.team_id, account.person.user_id, found.id)
        return found

    def projects(self, account: Account, workspace_id: int, *, active: bool | str = "both") -> list[Project]:
        return self.client(account).projects(workspace_id, active=active)

    def tasks(self, account: Account, workspace_id: int, project_id: int) -> list[Task]:
        return self.client(account).tasks(workspace_id, project_id=project_id, active="both")

    def digest_data(self, account: Account, today: dt.date) -> WorkspaceData:
        """Everything a digest needs, fetched once per person however many channels they subscribed."""
        workspace_id = self.workspace_id(account)
        client = self.client(account)
        projects = client.projects(workspace_id, active=True)
        tasks = client.tasks(workspace_id, active=True)
        period: dict[int, int | str] = {}
        for project in projects:
            if needs_period_figure(project, today):
                seconds, note = self.period_tracked(account, project)
                period[project.id] = seconds if seconds is not None else note
        name = next((w.name for w in self.workspaces(account) if w.id == workspace_id), f"id {workspace_id}")
        return WorkspaceData(workspace_id, name, projects, tasks, period)

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
