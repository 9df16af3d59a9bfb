"""What every listener needs besides Bolt's own arguments, and the one way of answering after the ack."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import InstallationStore

from bot.answers import Reply
from bot.handover import Handover, Request
from bot.identity import Asker
from bot.service import Service
from bot.slack import BOT_REFUSED, NotInstalled, describe, error_code, note_refusal
from bot.store.slack_state import SlackState
from bot.views.common import Message, notice
from bot.views.errors import unexpected_error
from bot.work import Deadlines, WorkPool

log = logging.getLogger(__name__)

Send = Callable[[Message], Any]

WORKING = notice(":hourglass_flowing_sand: Working on it: many people are asking at once, so this may take a moment.")
SIDE_THREADS = 4
SIDE_PENDING = 2000
"""Forms to open, notes and Home tabs to publish: each a Slack call of milliseconds."""
TOO_BUSY = notice("Sorry, I am overloaded right now and could not take this request. Please try again in a minute.")


class NotDelivered(Exception):
    """Slack did not accept a reply (an expired response_url, say)."""


@dataclass
class Deps:
    """The service, the after-ack pools, and (OAuth mode) the Slack installations.

    Listeners run on the HTTP request thread (Bolt's `process_before_response`), so the ack is sent
    only when the listener returns. Anything slow after `ack()`, a Toggl call or even a Slack call,
    goes to `pool` (Toggl work) or to `soon` (quick Slack calls: opening a form, notes, the Home tab).
    """

    service: Service
    pool: WorkPool
    side: WorkPool
    """Quick Slack calls after the ack; its own threads, so a queue of Toggl work never delays opening a form."""
    installations: InstallationStore | None = None
    """Set in OAuth mode: each workspace's installation, forgotten when it uninstalls the app."""
    handover: Handover | None = None
    """Where acknowledged requests are held until answered, so that another instance answers them if this one
    dies (`bot.handover`); None in tests that do not ask for it."""
    deadlines: Deadlines = field(default_factory=Deadlines)
    """When a read is slow (`CachePolicy.slow_seconds`), its answer from the app's copy goes first."""

    def hold(self, asker: Asker, request: Request) -> str | None:
        """Write the request down before the ack (see `bot.handover`); its id for `later(held=…)`."""
        return self.handover.hold(asker, request) if self.handover is not None else None

    def later(
        self,
        job: Callable[[], Reply],
        send: Send,
        fallback: Send | None = None,
        team_id: str | None = None,
        held: str | None = None,
        early: Callable[[], Reply | None] | None = None,
        replace: Send | None = None,
    ) -> None:
        """Run `job` on the pool and send its messages; say so at once if it must queue or cannot be taken.

        `team_id` names the workspace the replies go to, so that Slack refusing its bot is noted once. `held`
        is the request's hold (`hold`), released once the answer is delivered. With `early` (the answer from
        the app's copy) and `replace` (a send that replaces the message sent first): when `job` is not done
        within `CachePolicy.slow_seconds`, `early()`'s answer is sent, and `job`'s replaces it when it comes.
        """
        refusals = Delivery(self.service.slack_state, team_id, self.handover, held)
        first = None
        if early is not None and replace is not None:
            first = First(early, send, replace, refusals)
            self.deadlines.after(self.service.policy.slow_seconds, functools.partial(first.due, self.soon))
        if self.pool.will_queue:
            self.soon(deliver, WORKING, send, fallback, refusals)
        if not self.pool.submit(_run_and_deliver, job, send, fallback, refusals, first):
            if first is not None:
                first.too_late()
            self.soon(deliver, TOO_BUSY, send, fallback, refusals)
            refusals.answered()

    def soon(self, call: Callable[..., object], *args: object, **kwargs: object) -> None:
        """Run a quick Slack call right after the ack, off the request thread; failures are logged."""
        if not self.side.submit(functools.partial(_logged, call, *args, **kwargs)):
            log.warning("Too many Slack calls are waiting; one after an ack was not made")

    def first_time(self, event_id: str | None) -> bool:
        """False for an event id (or button press) already handled, by any instance, even before a restart:
        Slack resends an event it got no answer to, and the retry may reach another instance.

        When the database cannot record it even after retrying, `Unrecorded` propagates: Bolt answers 500, so
        Slack retries the event later (the id then keeps it to one run) or marks the button as failed for the
        person to press again. Running it unrecorded could start a timer twice.
        """
        if not event_id:
            return True
        return self.service.seen.first_time(f"event:{event_id}")


def _logged(call: Callable[..., object], *args: object, **kwargs: object) -> None:
    try:
        call(*args, **kwargs)
    except SlackApiError as err:
        log.warning("A Slack call after the ack failed: %s", describe(err))
    except Exception:
        log.exception("A Slack call after the ack failed")


@dataclass(frozen=True)
class Delivery:
    """Where a reply's workspace's refusals are noted (Slack refusing the bot is logged once, not per reply), and
    the request's hold, released once it is answered."""

    refusals: SlackState | None = None
    team_id: str | None = None
    handover: Handover | None = None
    held: str | None = None

    def refused(self, error: str) -> None:
        note_refusal(self.refusals if self.team_id else None, self.team_id or "(unknown)", error)

    def answered(self) -> None:
        if self.handover is not None:
            self.handover.done(self.held)


class First:
    """The answer from the app's copy, sent first when the fresh one is late; the fresh one then replaces it.

    Whichever comes first decides: the deadline (the copy is sent, and the fresh answer waits for it to be out,
    then replaces it) or the fresh answer (the copy is never made).
    """

    def __init__(self, make: Callable[[], Reply | None], send: Send, replace: Send, delivery: Delivery) -> None:
        self.make = make
        self.send = send
        self.replace = replace
        self.delivery = delivery
        self._lock = threading.Lock()
        self._state = "waiting"  # then "making" and "sent" or "none"; or "late" (the fresh answer came first)
        self._out = threading.Event()

    def due(self, soon: Callable[[Callable[[], None]], None]) -> None:
        """The deadline: have the copy sent (off the deadline thread) if the fresh answer has not come."""
        with self._lock:
            waiting = self._state == "waiting"
        if waiting:
            soon(self.send_copy)

    def send_copy(self) -> None:
        """At the deadline: make the answer from the copy and send it, unless the fresh one came first."""
        with self._lock:
            if self._state != "waiting":
                return
            self._state = "making"
        sent = False
        try:
            reply = self.make()
            with self._lock:
                gave_up = self._state == "late"  # the fresh answer waited 10 s for this copy, and went on
            if not gave_up and reply is not None and reply.messages:
                sent = deliver(reply.messages[0], self.send, None, self.delivery)
        finally:
            with self._lock:
                if self._state == "making":
                    self._state = "sent" if sent else "none"
            self._out.set()

    def too_late(self) -> bool:
        """The fresh answer is here: True when the copy went first (so the fresh one replaces it)."""
        with self._lock:
            if self._state == "waiting":
                self._state = "late"
                return False
        self._out.wait(timeout=10)  # the copy is on its way out: the fresh answer must come after it
        with self._lock:
            if self._state == "making":  # still not made after 10 s: it must not be sent after the fresh answer
                self._state = "late"
            return self._state == "sent"


def _run_and_deliver(
    job: Callable[[], Reply], send: Send, fallback: Send | None, delivery: Delivery, first: First | None = None
) -> None:
    try:
        try:
            messages = job().messages
        except Exception:
            log.exception("A reply could not be made")
            messages = [unexpected_error()]
        replacing = first is not None and first.too_late()
        for n, message in enumerate(messages):
            if replacing and n == 0 and first is not None:
                deliver(message, first.replace, send, delivery)  # in place of the copy sent first
            else:
                deliver(message, send, fallback, delivery)
    finally:  # delivered, or refused for good: either way nobody else should answer it
        delivery.answered()


def deliver(message: Message, send: Send, fallback: Send | None = None, delivery: Delivery | None = None) -> bool:
    """Send; if Slack refuses, try the fallback (a direct message). Logs, never raises: True if delivered.

    Slack refusing the bot token itself (`invalid_auth`, `account_inactive`…) is noted once through
    `delivery`, at ERROR, rather than warned about on every reply.
    """
    for attempt in (send, fallback):
        if attempt is None:
            continue
        try:
            attempt(message)
            return True
        except SlackApiError as err:
            if error_code(err) in BOT_REFUSED:
                (delivery or Delivery()).refused(error_code(err))
            else:
                log.warning("Slack did not take a reply: %s", describe(err))
        except (NotDelivered, NotInstalled, OSError) as err:  # NotInstalled: uninstalled, or Slack refuses the bot
            log.warning("Slack did not take a reply: %s", describe(err))
    return False


def via_respond(respond: Respond, *, replace: bool = False) -> Send:
    """Answer through the response_url: private to the person, replacing the message a button was on."""

    def send(message: Message) -> None:
        extra: dict[str, Any] = {"replace_original": True} if replace else {"response_type": "ephemeral"}
        response = respond(**message, **extra)
        if response.status_code != 200:
            raise NotDelivered(f"response_url answered {response.status_code}")

    return send


def via_dm(client: WebClient, user_id: str) -> Send:
    """Post into the person's direct messages with the app (its Messages tab): seen by them alone."""

    def send(message: Message) -> None:
        client.chat_postMessage(channel=user_id, **message)

    return send


def via_channel(client: WebClient, channel: str) -> Send:
    def send(message: Message) -> None:
        client.chat_postMessage(channel=channel, **message)

    return send


def via_channel_replaceable(client: WebClient, channel: str) -> tuple[Send, Send]:
    """A post that keeps its message's ts, and a send that updates that message (`chat.update`): for a DM's answer
    from the app's copy, which the fresh answer replaces. With nothing posted yet, the second posts anew."""
    posted: list[str] = []

    def send(message: Message) -> None:
        ts = client.chat_postMessage(channel=channel, **message).get("ts")
        if isinstance(ts, str):
            posted.append(ts)

    def replace(message: Message) -> None:
        if not posted:
            send(message)
        else:
            client.chat_update(channel=channel, ts=posted[-1], **message)  # the copy, posted after any "working" note

    return send, replace


def via_ephemeral(client: WebClient, channel: str, user_id: str) -> Send:
    def send(message: Message) -> None:
        client.chat_postEphemeral(channel=channel, user=user_id, **message)

    return send
