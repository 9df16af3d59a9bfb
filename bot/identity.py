"""Who is asking and with which Toggl identity: small values that handlers, commands and services pass around.

They live apart from the services so that a handler can name an `Asker` without importing what
answers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

from bot.store import Person


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
    typed_in_dm: bool = False
    """The words were a message in a DM, so they stay in that conversation (a pasted token does too)."""


@dataclass(frozen=True)
class Account:
    """A usable Toggl identity: the token in clear (never shown), and the workspace chosen, if any."""

    token: SecretStr = field(repr=False)
    workspace_id: int | None = None
    person: Person | None = None
