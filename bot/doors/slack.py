"""Slack's door: `POST /slack/events` (commands, events, interactions) and, in OAuth mode, "Add to Slack"
(`GET /slack/install`, `GET /slack/oauth_redirect`), all through Bolt's WSGI adapter.

Everything a hostile client could use is settled before Bolt or a listener sees an event (after the router's
body limits, `bot.doors.door`):

| request                                        | answer                                        |
| ---------------------------------------------- | --------------------------------------------- |
| a body that is not UTF-8                       | 400                                           |
| a missing, wrong or stale Slack signature      | 401, logged as one WARNING line without the body |
| a form or JSON body that does not parse, or is | 400                                           |
| not the shape Slack sends (an object with a    |                                               |
| `type`; a command with its user and team)      |                                               |
| the same signed request again (a replay, or   | 200 and nothing done: each signature is       |
| one copy reaching two instances at once)       | claimed once in the database, before any work |
| a request whose signature the database cannot  | a read-only slash command (`help`, `projects`…) |
| record, even after retrying for ~1.4 s         | runs; another slash command is answered "a   |
|                                                | moment of trouble, please try again"; an event |
|                                                | or interaction gets 503, so Slack retries the |
|                                                | event and shows its own "try again" for the   |
|                                                | rest. Never carried out unrecorded: a `start` |
|                                                | run twice is worse than a retry prompt        |

Only then is the request handed to Bolt, which checks the signature again. A `/toggl` command is acknowledged
first, here, and handed to Bolt after the ack (`bot.doors.after_ack`): its listener's ack is always empty. The OAuth
pages carry no signature (a browser opens them; Bolt checks its state cookie), so they only have to be UTF-8, as
Bolt decodes every body.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_sdk.signature import SignatureVerifier

from bot import metrics
from bot.commands import READ_ONLY, parse
from bot.doors.after_ack import Acked, AfterAck
from bot.doors.door import Refused, Request, json_answer, plain
from bot.handover import Handover, Prepared, command_request, held_at_door
from bot.logs import bind
from bot.store import SeenRequests, Unrecorded

log = logging.getLogger(__name__)


EVENTS_PATH = "/slack/events"
"""Where Slack posts commands, events and interactivity (the manifest names it)."""
TROUBLE = "A moment of trouble on our side: I could not take that request. Please try again in a moment."


class SlackDoor:
    """Slack's checks in front of Bolt; `events` and `oauth` are the doors the router's routes name."""

    def __init__(
        self,
        app: App,
        seen: SeenRequests,
        *,
        events_path: str,
        signing_secret: str,
        handover: Handover | None = None,
        after_ack: AfterAck | None = None,
    ) -> None:
        self.app = app
        self.events_path = events_path
        flow = app.oauth_flow  # without OAuth, "Add to Slack" is an unknown path: 404, as Bolt answered
        self.oauth_paths = (flow.install_path, flow.redirect_uri_path) if flow is not None else ()
        self._bolt = SlackRequestHandler(app, path=events_path)
        self._seen = seen
        self._handover = handover
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._after_ack = after_ack

    def events(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        """Slack's request, admitted or refused; each answer is counted in `bot.metrics` with how long it took."""
        started = time.perf_counter()
        kind = "unknown"  # until the signature is checked, nothing in the body is Slack's word

        def answered(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            outcome = "ok" if status.startswith("2") else "refused" if status.startswith("4") else "error"
            metrics.acked(kind, outcome, time.perf_counter() - started)
            return start_response(status, headers, exc_info)

        try:
            admitted = self._admit(request)
        except _Unsure as unsure:
            metrics.acked(unsure.kind, "trouble", time.perf_counter() - started)
            return _trouble(unsure.kind, start_response)
        except Refused:
            metrics.acked(kind, "refused")
            raise
        kind = admitted.kind
        if admitted.carry_out and self._acked_first(admitted, request):
            metrics.acked(kind, "ok", time.perf_counter() - started)
            return plain(start_response, "200 OK", "")  # Bolt dispatches it after the ack (`bot.doors.after_ack`)
        if admitted.carry_out:
            with held_at_door(admitted.held, self._handover.done if self._handover is not None else None):
                return self._bolt(request.environ, answered)
        metrics.acked(kind, "replay", time.perf_counter() - started)
        return plain(start_response, "200 OK", "")  # a replay: acknowledged, not carried out

    def _acked_first(self, admitted: _Admitted, request: Request) -> bool:
        """Whether the command was handed to Bolt to dispatch after its ack, which is then this door's to send."""
        if self._after_ack is None or admitted.command not in self._after_ack.commands:
            return False
        environ = request.environ
        acked = Acked(
            body=request.text(),
            query=str(environ.get("QUERY_STRING", "")),
            headers=WsgiHttpRequest(environ).get_headers(),  # as Bolt's own adapter hands them over
            held=admitted.held,
            response_url=admitted.response_url,
        )
        return self._after_ack.submit(acked)

    def oauth(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        request.text()  # Bolt decodes every body it is given, and failed with a 500 on one that is not UTF-8
        return self._bolt(request.environ, start_response)

    def _admit(self, request: Request) -> _Admitted:
        """Whether the request may go on to Bolt (not for a replay), and what Slack sent; raises `Refused` for a
        request that is not Slack's, and `_Unsure` for one that could not be recorded and must not run unrecorded."""
        text = request.text()
        signature = request.header("X-Slack-Signature")
        if self._verifier is not None and not _signed(
            self._verifier, text, request.header("X-Slack-Request-Timestamp"), signature
        ):
            raise Refused(
                "401 Unauthorized",
                "Invalid request signature.",
                note="Refused a request with a missing, wrong or stale Slack signature",
                level=logging.WARNING,
            )
        kind, form = _kind(text, request.content_type)
        # Type-ahead requests carry no trigger id, so typing the same letters again within a second can repeat
        # one exactly; they only read, so a repeat is answered rather than dropped as a replay.
        command, response_url = _first(form, "command"), _first(form, "response_url")
        if self._verifier is None or kind == "block_suggestion":
            return _Admitted(True, kind, command=command, response_url=response_url)
        hold = self._hold(kind, form)
        try:
            first = self._seen.first_time(f"sig:{signature}", also=hold.write if hold is not None else None)
        except Unrecorded:
            if kind == "command" and isinstance(parse(_first(form, "text") or ""), READ_ONLY):
                log.warning("Ran a read-only command whose signature the database could not record")
                return _Admitted(True, kind, command=command, response_url=response_url)
            log.error(
                "Did not carry out a request (%s): the database could not record its signature, so it could run twice", kind
            )
            raise _Unsure(kind) from None
        if not first:
            log.info("Ignored a replayed request: the same signed request was already handled")
        held = hold.id if first and hold is not None else None
        return _Admitted(first, kind, held=held, command=command, response_url=response_url)

    def _hold(self, kind: str, form: dict[str, list[str]]) -> Prepared | None:
        """A slash command's hold for hand-over (`bot.handover`), written in the transaction that claims its
        signature: an ack waits for one commit instead of two (`bench.ack_floor`)."""
        if kind != "command" or self._handover is None:
            return None
        fields = {name: values[0] for name, values in form.items()}
        return self._handover.prepare(*command_request(fields))


@dataclass(frozen=True)
class _Admitted:
    carry_out: bool
    """False for a replay: acknowledged, not carried out."""
    kind: str
    """What Slack sent: `command`, an interaction's type, or an envelope's (`event_callback`)."""
    held: str | None = None
    """A slash command's hold, written with its signature (`bot.handover`)."""
    command: str | None = None
    """A slash command's name (`/toggl`)."""
    response_url: str | None = field(default=None, repr=False)


class _Unsure(Exception):
    """A request that could not be recorded: carrying it out might carry it out twice."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _trouble(kind: str, start_response: StartResponse) -> Iterable[bytes]:
    """A slash command's answer is shown to the person, so it says "try again"; Slack retries an event that
    got a 5xx (its event id then keeps the retry to one run), and shows its own "try again" on a button or form."""
    if kind == "command":
        return json_answer(start_response, "200 OK", {"response_type": "ephemeral", "text": TROUBLE})
    return plain(start_response, "503 Service Unavailable", TROUBLE)


def _first(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _signed(verifier: SignatureVerifier, text: str, timestamp: str, signature: str) -> bool:
    if not (timestamp.isdigit() and signature.startswith("v0=")):
        return False
    return verifier.is_valid(body=text, timestamp=timestamp, signature=signature)


def _kind(text: str, content_type: str) -> tuple[str, dict[str, list[str]]]:
    """What Slack sent (an event, an interaction's type, or `command`), and its form fields (none for JSON);
    raises `Refused` (400) for a body that is not the shape Slack sends, which Bolt or a listener would otherwise
    fail on. The team it names goes into the log context (`bot.logs.bind`), so every line about this request
    says which workspace it was."""
    if content_type.startswith("application/json"):
        found = _json_object(text, "The request body")
        if found.get("type") == "event_callback" and not isinstance(found.get("event"), dict):
            raise Refused("400 Bad Request", "The event is not an object.")
        bind(team=found.get("team_id"))
        return str(found["type"]), {}
    try:
        form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=500)
    except ValueError:
        raise Refused("400 Bad Request", "The request body is not a form.") from None
    if "payload" in form:
        payload = _json_object(form["payload"][0], "The payload")
        user = payload.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            raise Refused("400 Bad Request", "The payload names no user.")
        team = payload.get("team")
        bind(team=team.get("id") if isinstance(team, dict) else user.get("team_id"))
        return str(payload["type"]), form
    if "command" in form:
        if not all(form.get(field, [""])[0] for field in ("user_id", "team_id")):
            raise Refused("400 Bad Request", "A command needs its user and team.")
        bind(team=form["team_id"][0])
        return "command", form
    return "form", form


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except ValueError:
        raise Refused("400 Bad Request", f"{what} is not JSON.") from None
    if not isinstance(found, dict) or not isinstance(found.get("type"), str):
        raise Refused("400 Bad Request", f"{what} is not an object with a type.")
    return found
