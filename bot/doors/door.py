"""What every door shares: the request as the router read it, the refusal a door raises, and plain answers.

The body rules live here once, so a new door cannot forget them:

| request                                        | answer                                           |
| ---------------------------------------------- | ------------------------------------------------ |
| a body over `MAX_BODY_BYTES` (by its length)    | 413, before the body is read                     |
| a body with no usable `Content-Length`          | 411 (a GET or HEAD without one has an empty body) |
| a body a door needs as text that is not UTF-8   | 400                                              |

A refusal is answered with a short plain-text reason and logged by the router in one line that names the
route and the body's size, never the body (a body may hold a token).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

MAX_BODY_BYTES = 1024 * 1024
"""Slack's largest real payloads (a view submission of a 100-block modal) stay well under a mebibyte."""
BODILESS = frozenset({"GET", "HEAD"})
"""Methods whose requests usually carry no `Content-Length`: without one, their body is empty, not a 411."""


class Refused(Exception):
    """A request answered at the door: `status` and a short plain-text `reason` for the caller.

    `note` is the router's log line for it (at `level`); the router adds the route and the body's size.
    """

    def __init__(self, status: str, reason: str, *, note: str | None = None, level: int = logging.INFO) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.note = note or f"Refused a request: {status}: {reason}"
        self.level = level


@dataclass(frozen=True)
class Request:
    """A request the router admitted: its body read whole, within the limits.

    `environ` replays that body as `wsgi.input`, with a matching `CONTENT_LENGTH`, for a door that hands the
    request on to a WSGI app of its own (Slack's door hands it to Bolt's adapter).
    """

    method: str
    path: str
    body: bytes
    environ: WSGIEnvironment

    def header(self, name: str) -> str:
        """The header `name` (as `X-Slack-Signature`), or "" when absent."""
        return str(self.environ.get("HTTP_" + name.upper().replace("-", "_"), ""))

    @property
    def content_type(self) -> str:
        return str(self.environ.get("CONTENT_TYPE", ""))

    def text(self) -> str:
        """The body as text; raises `Refused` (400) when it is not UTF-8."""
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("400 Bad Request", "The request body is not UTF-8.") from None


Door = Callable[[Request, StartResponse], Iterable[bytes]]
"""One caller's way in: it checks what is the caller's own to check, raises `Refused` or answers."""


def read_body(environ: WSGIEnvironment) -> bytes:
    """The request's body, read only once its declared length is known to be within `MAX_BODY_BYTES`."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if not declared and environ.get("REQUEST_METHOD") in BODILESS:
        return b""
    try:
        length = int(declared)
    except ValueError:
        raise Refused("411 Length Required", "A Content-Length is required.") from None
    if length < 0:
        raise Refused("400 Bad Request", "Bad Content-Length.")
    if length > MAX_BODY_BYTES:
        raise Refused("413 Content Too Large", "The request body is too large.")
    body: bytes = environ["wsgi.input"].read(length)
    return body


def plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def json_answer(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
    """`payload` as JSON, never cached: what a probe or a machine caller reads."""
    body = json.dumps(payload).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")]
    )
    return [body]


def not_found(start_response: StartResponse) -> list[bytes]:
    """The 404 of an unknown path or method, byte for byte the one Bolt's WSGI adapter gives, as before the doors."""
    body = b"Not Found"
    start_response("404 Not Found", [("content-type", "text/plain;charset=utf-8"), ("content-length", str(len(body)))])
    return [body]
