"""Slash commands the Slack door acknowledges itself: Bolt dispatches them on a pool, after the burst's acks.

`/toggl`'s listener only parses, acks with nothing and hands the work on (`handlers/commands.py`), so its ack is
known before Bolt runs: an empty 200. The door sends it as soon as the command's signature and hold are committed
(`bot.doors.slack`), and Bolt's dispatch (its second signature check, its parse, its middleware, the listener)
runs here afterwards. In a burst of 40 on two cores each ack had waited behind the dispatches of the ones before
it (`bench.ack_floor`, issue 23). Nothing is lost by answering first: the hold is in the database before the ack,
so if this instance dies before the dispatch, another one answers the command (`bot.handover`).

Whatever Bolt answers instead of the listener's empty ack (the workspace has no installation, a listener
failed) goes to the command's `response_url`, where Slack shows it as it would have shown the ack: never silence.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient

from bot.handover import held_at_door
from bot.work import WorkPool

log = logging.getLogger(__name__)

TROUBLE = "A moment of trouble on our side: I could not carry out that command. Please try again in a moment."
DISPATCH_THREADS = 4
"""Bolt's dispatch is ~0.3 ms of Python; the Toggl work goes on to the answers pool. Each job may first wait up to
`AcksFirst.most` after it was queued, for the burst's acks."""
DISPATCH_PENDING = 100
"""Commands waiting for their dispatch; beyond it a command goes through Bolt before its ack, as before."""


@dataclass(frozen=True)
class Acked:
    """A slash command the door answered: what Bolt needs to dispatch it, and where to say what went wrong."""

    body: str
    query: str
    headers: dict[str, str | Sequence[str]] = field(repr=False)
    held: str | None
    """Its hold, written with its signature (`bot.handover`); the listener takes it."""
    response_url: str | None = field(repr=False)

    def __repr__(self) -> str:
        return f"Acked(held={self.held!r})"  # the body is the person's words, and may hold a token


class AfterAck:
    """Bolt's dispatch of the slash commands in `commands`, on `pool` (which starts jobs after the door's acks,
    `bot.work.AcksFirst`); `release` lets go of a hold no listener took (None only without hand-over: no holds)."""

    def __init__(self, app: App, pool: WorkPool, *, commands: frozenset[str], release: Callable[[str], None] | None) -> None:
        self._app = app
        self._pool = pool
        self.commands = commands
        self._release = release

    def submit(self, acked: Acked) -> bool:
        """False when the pool is full: the door then runs Bolt before its ack, as for any other request."""
        return self._pool.submit(self._dispatch, acked)

    def _dispatch(self, acked: Acked) -> None:
        try:
            with held_at_door(acked.held, self._release):
                response = self._app.dispatch(BoltRequest(body=acked.body, query=acked.query, headers=acked.headers))
        except Exception:
            log.exception("Bolt failed on a slash command the door had acknowledged")
            response = None
        message = instead_of_ack(response)
        if message is not None:
            tell(acked.response_url, message)


def instead_of_ack(response: BoltResponse | None) -> dict[str, object] | None:
    """What Slack would have shown for Bolt's answer, had it been the ack; None for the listener's empty ack."""
    if response is None:
        return {"text": TROUBLE}
    if response.status != 200:
        log.warning("Bolt answered %d to a slash command the door had acknowledged", response.status)
        return {"text": TROUBLE}
    body = response.body.strip()
    if not body:
        return None
    try:
        found = json.loads(body)
    except ValueError:
        return {"text": body}
    return found if isinstance(found, dict) else {"text": body}


def tell(response_url: str | None, message: dict[str, object]) -> None:
    """Post `message` to the person who typed the command, privately; logged (never the message) when it fails."""
    if not response_url:
        log.warning("Could not pass on Bolt's answer to an acknowledged slash command: it has no response_url")
        return
    try:
        sent = WebhookClient(response_url, timeout=10).send_dict({"response_type": "ephemeral", **message})
    except (SlackClientError, OSError) as err:
        log.warning("Could not pass on Bolt's answer to an acknowledged slash command: %s", type(err).__name__)
        return
    if sent.status_code != 200:
        log.warning("Could not pass on Bolt's answer to an acknowledged command: response_url answered %d", sent.status_code)
