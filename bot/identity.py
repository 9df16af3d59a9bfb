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
    """Toggl rejected the stored token: only its owner can mend that, by connecting again."""


class KeyMissing(Exception):
    """This process holds no key that decrypts the stored token: it was started before a `rotate-key` and lacks the
    new key, or the key is lost. The operator's problem, not the person's, so it is not a `ReconnectNeeded`: the
    person is not asked to reconnect and nothing of theirs is paused, and a process that has the key can still use
    the token. The one who meets it logs an ERROR (`Accounts.account` does) and leaves the work to such a process."""


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
