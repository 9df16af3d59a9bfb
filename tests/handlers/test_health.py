"""`GET /healthz`: 200 when the database answers, 503 within a second when it does not (down, or hanging)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from bot.app import create_app
from bot.doors import router
from bot.doors.toggl import TogglDoor
from bot.store import Database, Store
from tests.fakes.app import Running, settings_for
from tests.fakes.server import WSGILoopback


def test_healthz_is_ok_when_the_database_answers(running: Running) -> None:
    answer = requests.get(running.url.removesuffix("/slack/events") + "/healthz", timeout=5)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert answer.headers["Content-Type"] == "application/json"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word, like a database that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def health_of(running: Running, database: Database) -> tuple[requests.Response, float]:
    """`/healthz` of the production app, with its database swapped for `database`."""
    slack_app = create_app(settings_for(running.slack, running.toggl, "sqlite://"), service=running.service)
    store = Store(database, clock=running.service.clock)
    toggl = TogglDoor(store.webhooks, running.service.accounts.secret_of, store.seen, None)
    app = router(slack_app, store.seen, store.db, signing_secret="", toggl=toggl)
    with WSGILoopback(app) as server:
        started = time.monotonic()
        answer = requests.get(server.url + "/healthz", timeout=10)
        return answer, time.monotonic() - started


def test_healthz_is_503_when_the_database_refuses(running: Running) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    answer, _ = health_of(running, Database(f"postgresql://nobody@127.0.0.1:{closed}/nothing"))
    assert (answer.status_code, answer.json()["status"]) == (503, "unavailable")


def test_healthz_gives_up_on_a_hanging_database_within_a_second(running: Running, silent_port: int) -> None:
    answer, took = health_of(running, Database(f"postgresql://nobody@127.0.0.1:{silent_port}/nothing"))
    assert answer.status_code == 503
    assert took < 3  # the check waits 0.8 s; psycopg alone would wait out its 5 s connect timeout
