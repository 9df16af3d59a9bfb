"""The WSGI front door: `GET /healthz`, then Slack's own paths through Bolt's WSGI adapter.

The health check answers within a second whatever the database does: the query runs on a small
pool of its own and is given up after `HEALTH_TIMEOUT`, so a stuck database gives a 503, not a hang.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.store import Database

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT = 0.8
"""Seconds the database has to answer `SELECT 1` before `/healthz` says 503 (Slack-side load balancers wait 1 s)."""

StartResponse = Callable[..., Any]


class Front:
    """The WSGI callable gunicorn serves."""

    def __init__(self, app: App, database: Database, *, events_path: str) -> None:
        self.app = app
        self._slack = SlackRequestHandler(app, path=events_path)
        self._database = database
        self._checks = ThreadPoolExecutor(2, thread_name_prefix="health")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return self._health(start_response)
        return self._slack(environ, start_response)

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            self._checks.submit(self._database.ping).result(timeout=HEALTH_TIMEOUT)
        except Exception as err:  # any failure of the database, or no answer in time
            log.warning("Health check: the database did not answer (%s)", type(err).__name__)
            return _json(start_response, "503 Service Unavailable", {"status": "unavailable", "database": "no answer"})
        return _json(start_response, "200 OK", {"status": "ok"})


def _json(start_response: StartResponse, status: str, payload: dict[str, str]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")]
    )
    return [body]
