"""What the app asks of Slack outside a listener's reply: who a person is, and posting to channels and DMs."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.views.common import Message

log = logging.getLogger(__name__)

CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "not_allowed_token_type"}
"""Slack's errors meaning the bot cannot post in that channel until someone invites it (or unarchives it)."""


@dataclass(frozen=True)
class SlackPerson:
    timezone: str | None = None
    is_admin: bool = False


class SlackGateway:
    """A thin layer over one WebClient (with slack_sdk's rate-limit retry handler) for the digest and settings."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return "SlackGateway(<client>)"

    def person(self, user_id: str) -> SlackPerson:
        """Time zone and admin flag from `users.info`; defaults (no zone, not admin) when Slack will not say."""
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except SlackApiError as err:
            log.warning("users.info failed: %s", err.response.get("error"))
            return SlackPerson()
        return SlackPerson(timezone=user.get("tz"), is_admin=bool(user.get("is_admin") or user.get("is_owner")))

    def post(self, channel: str, message: Message) -> None:
        """Post to a channel; raises `SlackApiError` (see `CANNOT_POST`) when Slack refuses."""
        self.client.chat_postMessage(channel=channel, **message)

    def dm(self, user_id: str, message: Message) -> bool:
        """Post into the person's DM with the app; logs and returns False when Slack refuses."""
        try:
            self.client.chat_postMessage(channel=user_id, **message)
        except SlackApiError as err:
            log.warning("Could not DM a person: %s", err.response.get("error"))
            return False
        return True


def error_code(err: SlackApiError) -> str:
    return str(err.response.get("error") or "unknown_error")
