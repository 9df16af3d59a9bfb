"""An acknowledged request is answered even when the instance that acknowledged it dies.

Slack hears "OK" within three seconds and the answer follows from a pool thread. An instance killed in
between (`kill -9`, an out-of-memory kill, a host lost) took the work with it: in the storm trial 56 people
were acknowledged and never answered. So before the acknowledgement, the request is written down
(`bot.store.held`): its words, with tokens blanked, and where the answer goes, encrypted like a token. The
instance renews its leases every third of `LEASE_SECONDS` while it works and deletes the row once the answer is
delivered. Every serving instance sweeps as often: a row whose lease ran out a whole lease ago (so that an
instance that could not renew through a short database outage is not overtaken) is taken over by exactly one
of them and answered there.

What "answered again" means depends on the words. A command that only reads (`READ_ONLY`) is simply run
again. A command that writes (`start`, `stop`, a digest change) may have been carried out before the
instance died, and running it again could start a second timer: so the person is told, honestly, that it
is not known whether it happened, and how to check. A request older than `ANSWER_WITHIN` (its
`response_url` has expired) or tried `MAX_ATTEMPTS` times gets a short apology by DM instead.

Slash commands, direct messages and mentions are held. Button presses and forms are not (yet): Slack
shows a failed button to the person, who can press it again.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

from cryptography.fernet import InvalidToken
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.answers import Reply, answer
from bot.commands import READ_ONLY, parse
from bot.crypto import TokenCipher, UnreadableToken
from bot.identity import Asker
from bot.service import Service
from bot.slack.message import Message
from bot.store.held import HeldAnswers, HeldRow
from bot.store.leases import runner_name
from bot.tokens import without_tokens
from bot.views.common import clip, escape, notice

log = logging.getLogger(__name__)

LEASE_SECONDS = 30.0
"""How long an instance's hold on a request lasts without renewal (`HANDOVER_LEASE_SECONDS`): a dead instance's
work waits this long. A serving instance renews its holds, and looks for others' that ran out, every third of it."""
ANSWER_WITHIN = 29 * 60.0
"""A `response_url` lives 30 minutes: older requests are apologised for by DM, not answered."""
MAX_ATTEMPTS = 3
"""Instances that may take one request: one that kills whoever answers it is not retried for ever."""
TAKE_AT_ONCE = 20
"""Requests one sweep takes over: the rest are left for other instances and the next sweep."""

ReplyKind = Literal["respond", "dm", "ephemeral"]


@dataclass(frozen=True)
class Request:
    """What is needed to answer again: the words (tokens blanked) and where the answer goes."""

    text: str
    reply: ReplyKind
    """`respond`: the slash command's `response_url` (a DM if it fails); `dm`: the DM the words were typed in;
    `ephemeral`: visible to the asker alone in the channel of the mention (a DM if it fails)."""
    channel_id: str | None = None
    response_url: str | None = None

    def __repr__(self) -> str:
        return f"Request(reply={self.reply!r})"  # the words and the response_url are the person's


@dataclass(frozen=True)
class Prepared:
    """A hold not yet written: its id, and its write for a transaction of the caller's."""

    id: str
    write: Callable[[Connection], None] = field(repr=False)


_HELD_AT_DOOR: ContextVar[list[str] | None] = ContextVar("held_at_door", default=None)
"""The hold the door wrote for the request this thread is serving, in the transaction that claimed its signature;
emptied once a listener takes it (`door_hold`)."""


@contextmanager
def held_at_door(held_id: str | None, release: Callable[[str], None] | None = None) -> Iterator[None]:
    """While the door hands a slash command to Bolt: its listener's `hold` finds the hold written already. A
    hold no listener took (Bolt answered before any ran: no installation, an authorize error) is `release`d."""
    cell = [held_id] if held_id is not None else None
    token = _HELD_AT_DOOR.set(cell)
    try:
        yield
    finally:
        _HELD_AT_DOOR.reset(token)
        if cell and release is not None:
            release(cell[0])


def door_hold() -> str | None:
    """The hold the door wrote for the slash command this thread is serving, if it did; taken by the caller."""
    cell = _HELD_AT_DOOR.get()
    return cell.pop() if cell else None


def command_request(command: Mapping[str, str]) -> tuple[Asker, Request]:
    """Who asked a slash command, and how to answer it again: from its form fields (the door's, or Bolt's
    `command`), so that the door holds it exactly as its listener would."""
    asker = Asker(team_id=command.get("team_id"), user_id=command.get("user_id"), channel_id=command.get("channel_id"))
    return asker, Request(command.get("text") or "", "respond", asker.channel_id, command.get("response_url"))


@dataclass(frozen=True)
class Taken:
    """A request another instance acknowledged and did not answer, now ours to answer."""

    id: str
    asker: Asker
    request: Request
    age: float
    """Seconds since it was acknowledged."""
    attempts: int


class Handover:
    """This instance's holds on the requests it acknowledged, and its share of dead instances' requests."""

    def __init__(self, held: HeldAnswers, cipher: TokenCipher, *, lease_seconds: float = LEASE_SECONDS) -> None:
        self._held = held
        self._cipher = cipher
        self.lease_seconds = lease_seconds
        self.owner = runner_name()

    def __repr__(self) -> str:
        return f"Handover({self.owner!r})"

    def hold(self, asker: Asker, request: Request) -> str | None:
        """Write the request down before it is acknowledged; its id, or None when the database would not take
        it (then it is answered all the same, only not handed over should this instance die). A slash command
        arriving through the door is held there already (`held_at_door`)."""
        held = door_hold()
        if held is not None:
            return held
        prepared = self.prepare(asker, request)
        if prepared is None:
            return None
        try:
            self._held.hold(prepared.write)
        except SQLAlchemyError as err:
            log.warning("Could not hold a request for hand-over (%s); it is answered here only", type(err).__name__)
            return None
        return prepared.id

    def prepare(self, asker: Asker, request: Request) -> Prepared | None:
        """The hold, encrypted and ready to be written in a transaction of the caller's; None for a request
        without a person to answer."""
        if asker.team_id is None or asker.user_id is None:
            return None
        plain = {
            "text": without_tokens(request.text),
            "reply": request.reply,
            "channel_id": request.channel_id,
            "response_url": request.response_url,
            "typed_in_dm": asker.typed_in_dm,
        }
        held_id, ciphertext = uuid.uuid4().hex, self._cipher.encrypt(json.dumps(plain))
        write = self._held.holding(held_id, asker.team_id, asker.user_id, ciphertext, self.owner, self.lease_seconds)
        return Prepared(held_id, write)

    def done(self, held_id: str | None) -> None:
        """The answer was delivered (or could not be, and never will): nobody needs to take it over."""
        if held_id is None:
            return
        try:
            self._held.done(held_id)
        except SQLAlchemyError as err:  # if it stays, it is answered a second time: a repeated answer, not a loss
            log.warning("Could not mark a request answered (%s)", type(err).__name__)

    def renew(self) -> None:
        try:
            self._held.renew(self.owner, self.lease_seconds)
        except SQLAlchemyError as err:
            log.warning("Could not renew this instance's holds on its requests (%s)", type(err).__name__)

    def take_over(self, limit: int = TAKE_AT_ONCE) -> list[Taken]:
        """Requests whose instance died, now held by this one; each is taken by exactly one instance."""
        try:
            # A lease run out by a whole lease more: an instance that could not renew through a short database
            # outage is still answering, and renews as soon as the database is back.
            rows = self._held.take_over(self.owner, self.lease_seconds, limit, margin=self.lease_seconds)
        except SQLAlchemyError as err:
            log.warning("Could not look for requests to take over (%s)", type(err).__name__)
            return []
        now = self._held.time()
        taken = []
        for row in rows:
            found = self._read(row, now)
            if found is not None:
                taken.append(found)
            elif now - row.created_at > ANSWER_WITHIN:
                self.done(row.id)  # nobody read it in time: too late for anyone
            else:
                self._let_go(row.id)  # an instance with the key it was written under may read it
        if taken:
            log.warning("Took over %d acknowledged request(s) another instance did not answer", len(taken))
        return taken

    def _let_go(self, held_id: str) -> None:
        try:
            self._held.let_go(held_id)
        except SQLAlchemyError as err:
            log.warning("Could not give a held request back (%s)", type(err).__name__)

    def _read(self, row: HeldRow, now: float) -> Taken | None:
        try:
            plain = json.loads(self._cipher.decrypt(row.request_ciphertext))
        except (UnreadableToken, InvalidToken, ValueError):
            log.error("Could not read a held request (no key of this instance fits it); left to an instance that can")
            return None
        asker = Asker(
            team_id=row.team_id,
            user_id=row.user_id,
            channel_id=plain.get("channel_id"),
            typed_in_dm=bool(plain.get("typed_in_dm")),
        )
        request = Request(
            text=str(plain.get("text") or ""),
            reply=plain.get("reply") or "dm",
            channel_id=plain.get("channel_id"),
            response_url=plain.get("response_url"),
        )
        return Taken(row.id, asker, request, age=max(0.0, now - row.created_at), attempts=row.attempts)


def answer_again(taken: Taken, service: Service) -> Reply:
    """The answer an instance taking the request over gives: see the module's docstring."""
    words = clip(escape(taken.request.text.strip() or "(nothing)"), 200)
    if taken.age > ANSWER_WITHIN or taken.attempts > MAX_ATTEMPTS:
        return Reply([late_apology(words)])
    command = parse(taken.request.text)
    if isinstance(command, READ_ONLY):
        return answer(command, taken.asker, service)
    return Reply([not_known(words)])


def not_known(words: str) -> Message:
    return notice(
        f":warning: The app restarted while carrying out `{words}`, so I cannot tell whether it was done.",
        "Check with `now` (your timer) or `digest list` before asking again.",
    )


def late_apology(words: str) -> Message:
    return notice(
        f"Sorry: the app restarted while answering `{words}`, and could not answer in time.",
        "Please ask again.",
    )
