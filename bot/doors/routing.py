"""The one WSGI callable served: it finds the door for a request's method and path, reads the body within the
limits every door shares, and answers and logs the refusals of every door the same way."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from wsgiref.types import StartResponse, WSGIEnvironment

from bot.doors.door import Door, Refused, Request, not_found, plain, read_body
from bot.logs import request_context
from bot.work import AcksFirst

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """Requests with one of `methods` for `path` go to `door`; with `prefix`, every path under `path` does (a
    webhook's path may carry an id). Anything no route takes gets 404."""

    methods: frozenset[str]
    path: str
    door: Door
    prefix: bool = False

    def takes(self, method: str, path: str) -> bool:
        if method not in self.methods:
            return False
        return path.startswith(self.path) if self.prefix else path == self.path

    @property
    def label(self) -> str:
        """How log lines name the route: a prefix route's own path may carry something secret, so it is left out."""
        return f"{'/'.join(sorted(self.methods))} {self.path}{'…' if self.prefix else ''}"


def route(methods: str, path: str, door: Door, *, prefix: bool = False) -> Route:
    """A `Route` for space-separated `methods`: `route("GET HEAD", "/healthz", health)`."""
    return Route(frozenset(methods.split()), path, door, prefix)


class Router:
    """Routes each request to its door, in the order the routes were given."""

    def __init__(self, routes: Iterable[Route], *, acks_first: AcksFirst | None = None) -> None:
        self.routes = tuple(routes)
        self.acks_first = acks_first
        """Told of every request answered, so the after-ack pools start their jobs after (`AcksFirst`)."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Each request's log lines carry its id (the platform's `X-Request-Id`, or a new one): `bot.logs`."""
        with request_context(environ.get("HTTP_X_REQUEST_ID")):
            if self.acks_first is None:
                return self._route(environ, start_response)
            with self.acks_first.answering():
                return self._route(environ, start_response)

    def _route(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        found = next((r for r in self.routes if r.takes(method, path)), None)
        if found is None:
            return not_found(start_response)
        declared = str(environ.get("CONTENT_LENGTH") or "")
        size = f"{declared[:20]} bytes declared" if declared.isdigit() else "no usable length"
        try:
            body = read_body(environ)
            size = f"{len(body)} bytes"
            admitted = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
            return found.door(Request(method, path, body, admitted), start_response)
        except Refused as refused:  # one line, and never the body: it may hold a token
            log.log(refused.level, "%s (%s, %s)", refused.note, found.label, size)
            return plain(start_response, refused.status, refused.reason)
