"""What the app asks of Slack outside a listener's reply: who a person is, and posting to channels and DMs.

Every call names the Slack team it is for. With one workspace (`SLACK_BOT_TOKEN`) that is always the
same bot; installed by many workspaces (OAuth), each team's own bot token comes from the installation
store, so a digest in one workspace is never posted with another's token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.slack.message import Message

log = logging.getLogger(__name__)

CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "not_allowed_token_type"}
"""Slack's errors meaning the bot cannot post in that channel until someone invites it (or unarchives it)."""


BOT_REFUSED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "team_disabled"}
"""Slack's errors meaning it refuses the bot token itself, for every call, until something changes."""


class NotInstalled(Exception):
    """The team has no installation of the app (it was uninstalled, or never finished "Add to Slack")."""


class BotRefused(NotInstalled):
    """Slack refuses the team's bot token (`BOT_REFUSED`); calls are held until it is tried again and accepted."""


class Refusals(Protocol):
    """Where refusals are kept (`bot.store.slack_state.SlackState`): shared, so each is logged once."""

    def refused(self, team_id: str, error: str) -> bool: ...
    def accepted(self, team_id: str) -> bool: ...
    def hold(self, team_id: str) -> str | None: ...


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

    def __init__(self, clients: WebClient | ClientForTeam, refusals: Refusals | None = None) -> None:
        self._client_for: ClientForTeam = (lambda _team: clients) if isinstance(clients, WebClient) else clients
        self.refusals = refusals

    def __repr__(self) -> str:
        return "SlackGateway(<clients>)"

    def client(self, team_id: str) -> WebClient:
        return self._client_for(team_id)

    def person(self, team_id: str, user_id: str) -> SlackPerson:
        """Time zone and admin flag from `users.info`; defaults (no zone, not admin) when Slack will not say."""
        try:
            user = self._call(team_id, lambda client: client.users_info(user=user_id)).get("user") or {}
        except (SlackClientError, NotInstalled, OSError) as err:
            log.warning("users.info failed: %s", describe(err))
            return SlackPerson()
        return SlackPerson(timezone=user.get("tz"), is_admin=bool(user.get("is_admin") or user.get("is_owner")))

    def post(self, team_id: str, channel: str, message: Message) -> str:
        """Post to a channel and return the message's `ts`; raises `SlackApiError` (see `CANNOT_POST`),
        `NotInstalled`, or `BotRefused` when it cannot be posted."""
        response = self._call(team_id, lambda client: client.chat_postMessage(channel=channel, **message))
        return str(response.get("ts") or "")

    def dm(self, team_id: str, user_id: str, message: Message) -> bool:
        """Post into the person's DM with the app; logs and returns False when Slack refuses."""
        try:
            self._call(team_id, lambda client: client.chat_postMessage(channel=user_id, **message))
        except BotRefused:
            return False  # said once, at ERROR, when Slack first refused the bot
        except (SlackClientError, NotInstalled, OSError) as err:  # refused, unreachable, or a rotation that failed
            log.warning("Could not DM a person: %s", describe(err))
            return False
        return True

    def _call(self, team_id: str, call: Callable[[WebClient], SlackResponse]) -> SlackResponse:
        """One Web API call for a team, unless Slack refuses its bot (then `BotRefused`, without calling)."""
        held = _held(self.refusals, team_id)
        if held is not None:
            raise BotRefused(held)
        try:
            response = call(self.client(team_id))
        except SlackApiError as err:
            if error_code(err) in BOT_REFUSED:
                note_refusal(self.refusals, team_id, error_code(err))
                raise BotRefused(error_code(err)) from err
            raise
        note_acceptance(self.refusals, team_id)
        return response


def _held(refusals: Refusals | None, team_id: str) -> str | None:
    """Slack's refusal kept for a team, if any. A database that cannot say lets the call go ahead: the check only
    spares Slack calls it would refuse, and a digest already marked `posting` must be posted, not left unposted
    (a PostgreSQL restart at that moment lost three digests in `bench.storms`)."""
    if refusals is None:
        return None
    try:
        return refusals.hold(team_id)
    except SQLAlchemyError as err:
        log.warning(
            "Could not read whether Slack refuses workspace %s's bot (%s); calling anyway", team_id, type(err).__name__
        )
        return None


def note_refusal(refusals: Refusals | None, team_id: str, error: str) -> None:
    """Slack refused a team's bot token: logged once at ERROR across instances, held from then on. Never raises:
    a database that cannot keep the refusal only means it is said again next time."""
    try:
        first = refusals.refused(team_id, error) if refusals else True
    except SQLAlchemyError as err:
        log.warning("Could not keep that Slack refuses workspace %s's bot (%s)", team_id, type(err).__name__)
        first = True
    if first:
        log.error(
            "Slack refuses the bot token of workspace %s (%s): replies and digests there are held until it is "
            "accepted again (tried every 10 minutes); reinstall the app or renew SLACK_BOT_TOKEN",
            team_id,
            error,
        )


def note_acceptance(refusals: Refusals | None, team_id: str) -> None:
    """Slack took a call: lift a refusal kept for the team. Never raises: once Slack has accepted a post, a
    database that cannot be written must not turn it into a failure (the post would be made again)."""
    try:
        lifted = bool(refusals and refusals.accepted(team_id))
    except SQLAlchemyError as err:
        log.warning("Slack took a call for workspace %s, but that could not be noted: %s", team_id, type(err).__name__)
        return
    if lifted:
        log.info("Slack accepts the bot token of workspace %s again", team_id)


def error_code(err: SlackApiError) -> str:
    return str(err.response.get("error") or "unknown_error")


def describe(err: Exception) -> str:
    if isinstance(err, SlackApiError):
        return error_code(err)
    if isinstance(err, BotRefused):
        return f"Slack refuses the bot token ({err})"
    if isinstance(err, NotInstalled):
        return "the app is not installed in that workspace"
    return f"{type(err).__name__}: {err}"[:200]
