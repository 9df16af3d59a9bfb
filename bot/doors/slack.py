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
| the same signed request again (a replay)       | 200 and nothing done: each signature once     |

Only then is the request handed to Bolt, which checks the signature again. The OAuth pages carry no signature
(a browser opens them; Bolt checks its state cookie), so they only have to be UTF-8, as Bolt decodes every body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError

from bot.doors.door import Refused, Request, plain
from bot.store import SeenRequests

log = logging.getLogger(__name__)


EVENTS_PATH = "/slack/events"
"""Where Slack posts commands, events and interactivity (the manifest names it)."""


class SlackDoor:
    """Slack's checks in front of Bolt; `events` and `oauth` are the doors the router's routes name."""

    def __init__(self, app: App, seen: SeenRequests, *, events_path: str, signing_secret: str) -> None:
        self.app = app
        self.events_path = events_path
        flow = app.oauth_flow  # without OAuth, "Add to Slack" is an unknown path: 404, as Bolt answered
        self.oauth_paths = (flow.install_path, flow.redirect_uri_path) if flow is not None else ()
        self._bolt = SlackRequestHandler(app, path=events_path)
        self._seen = seen
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def events(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        if self._admit(request):
            return self._bolt(request.environ, start_response)
        return plain(start_response, "200 OK", "")  # a replay: acknowledged, not carried out

    def oauth(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        request.text()  # Bolt decodes every body it is given, and failed with a 500 on one that is not UTF-8
        return self._bolt(request.environ, start_response)

    def _admit(self, request: Request) -> bool:
        """True when the request may go on to Bolt; False for a replay; raises `Refused` otherwise."""
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
        kind = _kind(text, request.content_type)
        # Type-ahead requests carry no trigger id, so typing the same letters again within a second can repeat
        # one exactly; they only read, so a repeat is answered rather than dropped as a replay.
        if self._verifier is not None and kind != "block_suggestion" and not self._first_time(signature):
            log.info("Ignored a replayed request: the same signed request was already handled")
            return False
        return True

    def _first_time(self, signature: str) -> bool:
        try:
            return self._seen.first_time(f"sig:{signature}")
        except SQLAlchemyError as err:  # better to answer twice than never
            log.warning("Could not check a request signature for replays: %s", type(err).__name__)
            return True


def _signed(verifier: SignatureVerifier, text: str, timestamp: str, signature: str) -> bool:
    if not (timestamp.isdigit() and signature.startswith("v0=")):
        return False
    return verifier.is_valid(body=text, timestamp=timestamp, signature=signature)


def _kind(text: str, content_type: str) -> str:
    """What Slack sent (an event, an interaction's type, or `command`); raises `Refused` (400) for a body that
    is not the shape Slack sends, which Bolt or a listener would otherwise fail on."""
    if content_type.startswith("application/json"):
        found = _json_object(text, "The request body")
        if found.get("type") == "event_callback" and not isinstance(found.get("event"), dict):
            raise Refused("400 Bad Request", "The event is not an object.")
        return str(found["type"])
    try:
        form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=500)
    except ValueError:
        raise Refused("400 Bad Request", "The request body is not a form.") from None
    if "payload" in form:
        payload = _json_object(form["payload"][0], "The payload")
        user = payload.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            raise Refused("400 Bad Request", "The payload names no user.")
        return str(payload["type"])
    if "command" in form:
        if not all(form.get(field, [""])[0] for field in ("user_id", "team_id")):
            raise Refused("400 Bad Request", "A command needs its user and team.")
        return "command"
    return "form"


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except ValueError:
        raise Refused("400 Bad Request", f"{what} is not JSON.") from None
    if not isinstance(found, dict) or not isinstance(found.get("type"), str):
        raise Refused("400 Bad Request", f"{what} is not an object with a type.")
    return found
