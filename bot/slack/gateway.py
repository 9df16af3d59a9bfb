"""What the app asks of Slack outside a listener's reply: who a person is, and posting to channels and DMs.

Every call names the Slack team it is for. With one workspace (`SLACK_BOT_TOKEN`) that is always the
same bot; installed by many workspaces (OAuth), each team's own bot token comes from the installation
store, so a digest in one workspace is never posted with another's token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.views.common import Message

log = logging.getLogger(__name__)

CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "not_allowed_token_type"}
"""Slack's errors meaning the bot cannot post in that channel until someone invites it (or unarchives it)."""


class NotInstalled(Exception):
    """The team has no installation of the app (it was uninstalled, or never finished "Add to Slack")."""


@dataclass(frozen=True)
class SlackPerson:
    timezone: str | None = None
    is_admin: bool = False


ClientForTeam = Callable[[str], WebClient]
"""The WebClient holding a team's bot token; raises `NotInstalled` when the team has none."""


class SlackGateway:
    """A thin layer over each team's WebClient (with slack_sdk's rate-limit retry handler).

    >>> SlackGateway(WebClient(token="xoxb-…")).post("T1", "C1", {"text": "hi"})  # doctest: +SKIP
    '1700000000.000100'
    """

    def __init__(self, clients: WebClient | ClientForTeam) -> None:
        self._client_for: ClientForTeam = (lambda _team: clients) if isinstance(clients, WebClient) else clients

    def __repr__(self) -> str:
        return "SlackGateway(<clients>)"

    def client(self, team_id: str) -> WebClient:
        return self._client_for(team_id)

    def person(self, team_id: str, user_id: str) -> SlackPerson:
        """Time zone and admin flag from `users.info`; defaults (no zone, not admin) when Slack will not say."""
        try:
            user = self.client(team_id).users_info(user=user_id).get("user") or {}
        except (SlackApiError, NotInstalled) as err:
            log.warning("users.info failed: %s", describe(err))
            return SlackPerson()
        return SlackPerson(timezone=user.get("tz"), is_admin=bool(user.get("is_admin") or user.get("is_owner")))

    def post(self, team_id: str, channel: str, message: Message) -> str:
        """Post to a channel and return the message's `ts`; raises `SlackApiError` (see `CANNOT_POST`) or
        `NotInstalled` when it cannot be posted."""
        response = self.client(team_id).chat_postMessage(channel=channel, **message)
        return str(response.get("ts") or "")

    def dm(self, team_id: str, user_id: str, message: Message) -> bool:
        """Post into the person's DM with the app; logs and returns False when Slack refuses."""
        try:
            self.client(team_id).chat_postMessage(channel=user_id, **message)
        except (SlackApiError, NotInstalled) as err:
            log.warning("Could not DM a person: %s", describe(err))
            return False
        return True


def error_code(err: SlackApiError) -> str:
    return str(err.response.get("error") or "unknown_error")


def describe(err: Exception) -> str:
    if isinstance(err, SlackApiError):
        return error_code(err)
    if isinstance(err, NotInstalled):
        return "the app is not installed in that workspace"
    return type(err).__name__
