"""The WSGI front door: `GET /healthz`, then Slack's own paths through Bolt's WSGI adapter.

Everything a hostile client could use is settled here, before Bolt or a listener sees the request:

| request                                        | answer                                        |
| ---------------------------------------------- | --------------------------------------------- |
| a body over `MAX_BODY_BYTES` (by its length)    | 413, before the body is read                  |
| no usable `Content-Length`                     | 411                                           |
| a body that is not UTF-8                       | 400                                           |
| a missing, wrong or stale Slack signature      | 401, logged as one line without the body      |
| a form or JSON body that does not parse, or is | 400                                           |
| not the shape Slack sends (an object with a    |                                               |
| `type`; a command with its user and team)      |                                               |
| the same signed request again (a replay)       | 200 and nothing done: each signature once     |

Only then is the request handed to Bolt, which checks the signature again. The health check answers
within a second whatever the database does: its query runs on a small pool of its own.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError

from bot.store import Store

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT = 0.8
"""Seconds the database has to answer `SELECT 1` before `/healthz` says 503 (probes wait about a second)."""
MAX_BODY_BYTES = 1024 * 1024
"""Slack's largest real payloads (a view submission of a 100-block modal) stay well under a mebibyte."""

StartResponse = Callable[..., Any]


class Refused(Exception):
    """A request answered at the door: `status` and a short plain-text reason."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Front:
    """The WSGI callable `bot.serve` serves."""

    def __init__(self, app: App, store: Store, *, events_path: str, signing_secret: str) -> None:
        self.app = app
        self._slack = SlackRequestHandler(app, path=events_path)
        self._events_path = events_path
        self._store = store
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._checks = ThreadPoolExecutor(2, thread_name_prefix="health")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return self._health(start_response)
        if path == self._events_path and method == "POST":
            try:
                body = self._admit(environ)
            except Refused as refused:
                return _text(start_response, refused.status, refused.reason)
            if body is None:  # a replay: acknowledged, not carried out
                return _text(start_response, "200 OK", "")
            environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        return self._slack(environ, start_response)

    def _admit(self, environ: dict[str, Any]) -> bytes | None:
        """The request's body if it may go on to Bolt; None for a replay; raises `Refused` otherwise."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            raise Refused("411 Length Required", "A Content-Length is required.") from None
        if length < 0:
            raise Refused("400 Bad Request", "Bad Content-Length.")
        if length > MAX_BODY_BYTES:
            raise Refused("413 Content Too Large", "The request body is too large.")
        body: bytes = environ["wsgi.input"].read(length)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("400 Bad Request", "The request body is not UTF-8.") from None
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if self._verifier is not None:
            timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
            if not _signed(self._verifier, text, timestamp, signature):
                log.warning("Refused a request with a missing, wrong or stale Slack signature (%d bytes)", length)
                raise Refused("401 Unauthorized", "Invalid request signature.")
        kind = _kind(text, environ.get("CONTENT_TYPE", ""))
        # Type-ahead requests carry no trigger id, so typing the same letters again within a second can repeat
        # one exactly; they only read, so a repeat is answered rather than dropped as a replay.
        if self._verifier is not None and kind != "block_suggestion" and not self._first_time(signature):
            log.info("Ignored a replayed request: the same signed request was already handled")
            return None
        return body

    def _first_time(self, signature: str) -> bool:
        try:
            return self._store.seen.first_time(f"sig:{signature}")
        except SQLAlchemyError as err:  # better to answer twice than never
            log.warning("Could not check a request signature for replays: %s", type(err).__name__)
            return True

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            self._checks.submit(self._store.db.ping).result(timeout=HEALTH_TIMEOUT)
        except Exception as err:  # any failure of the database, or no answer in time
            log.warning("Health check: the database did not answer (%s)", type(err).__name__)
            return _json(start_response, "503 Service Unavailable", {"status": "unavailable", "database": "no answer"})
        return _json(start_response, "200 OK", {"status": "ok"})


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


def _text(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def _json(start_response: StartResponse, status: str, payload: dict[str, str]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")]
    )
    return [body]
