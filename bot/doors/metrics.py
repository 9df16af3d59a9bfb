"""The metrics door: `GET /metrics` in Prometheus text format, for requests with `Authorization: Bearer
<METRICS_TOKEN>` only; without `METRICS_TOKEN` the route does not exist (404, like any unknown path).

A wrong or missing token gets 401 with `WWW-Authenticate: Bearer`, logged as one line without the header.
The figures themselves are defined in `bot.metrics`; this door only shows them.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable
from wsgiref.types import StartResponse

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics
from bot.doors.door import Request

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"


class Metrics:
    def __init__(self, token: str) -> None:
        self._expected = f"Bearer {token}".encode()

    def __call__(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        given = request.header("Authorization").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._expected):  # the same time whatever prefix matches
            log.info("Refused a metrics scrape without the token (%s %s)", request.method, request.path)
            body = b"A valid bearer token is required."
            start_response(
                "401 Unauthorized",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("WWW-Authenticate", 'Bearer realm="metrics"'),
                ],
            )
            return [body]
        body = generate_latest(metrics.registry())
        start_response(
            "200 OK",
            [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")],
        )
        return [body]
