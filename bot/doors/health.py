"""The health door: `GET /healthz` answers 200 `{"status": "ok"}` when the database answers, 503 otherwise.

It answers within a second whatever the database does: its query runs on a small pool of its own, so a hanging
database costs a probe 0.8 s and never one of the server's request threads for longer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from wsgiref.types import StartResponse

from bot.doors.door import Request, json_answer
from bot.store import Database

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT = 0.8
"""Seconds the database has to answer `SELECT 1` before `/healthz` says 503 (probes wait about a second)."""


class Health:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._checks = ThreadPoolExecutor(2, thread_name_prefix="health")

    def __call__(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        try:
            self._checks.submit(self._database.ping).result(timeout=HEALTH_TIMEOUT)
        except Exception as err:  # any failure of the database, or no answer in time
            log.warning("Health check: the database did not answer (%s)", type(err).__name__)
            return json_answer(start_response, "503 Service Unavailable", {"status": "unavailable", "database": "no answer"})
        return json_answer(start_response, "200 OK", {"status": "ok"})
