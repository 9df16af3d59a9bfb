"""Exactly once per request across instances (issue 17, item 5).

The storm trial sent the same signed `start` to two instances at once and 19 of 20 people got two timers: each
instance remembered the signature in memory and wrote it to the database a few milliseconds later, so both
passed. Here two apps (each its own store, Bolt app, pools and HTTP server, as two processes have) share one
database, on SQLite and on PostgreSQL, and receive the same signed requests at the same moment.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from bot.app import create_app
from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.doors import wsgi_app
from bot.service import Service
from bot.store import Database, Store, Unrecorded
from bot.store.seen import SeenRequests
from bot.toggl import TogglClients
from bot.work import WorkPool
from tests.fakes.app import Running, settings_for
from tests.fakes.server import WSGILoopback
from tests.fakes.signing import SlackSender, signed_headers
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world

FORM = "application/x-www-form-urlencoded"
PEOPLE = 20


@pytest.fixture
def two_instances(
    database_url: str, fake_slack: FakeSlack, fake_toggl: FakeToggl, cipher: TokenCipher, clock: FrozenClock
) -> Iterator[list[Running]]:
    """Two app instances over one database: nothing shared but the database and the key."""
    instances, servers = [], []
    for n in range(2):
        store = Store(database_url, clock=clock)
        store.migrate()
        service = Service(store, cipher, TogglClients(fake_toggl.url, clock=clock))
        pool, side = WorkPool(workers=8), WorkPool(workers=4)
        settings = settings_for(fake_slack, fake_toggl, database_url)
        server = WSGILoopback(wsgi_app(create_app(settings, service=service, pool=pool, side=side), service, settings))
        server.__enter__()
        servers.append(server)
        url = server.url + "/slack/events"
        instances.append(
            Running(fake_slack, fake_toggl, service, SlackSender(url, fake_slack.hook(f"i{n}")), url, pool, side)
        )
    yield instances
    for running, server in zip(instances, servers, strict=True):
        server.__exit__(None, None, None)
        for work in (running.pool, running.side):
            assert work is not None
            work.shutdown(wait=True)
        running.service.store.db.dispose()


def timers_started(toggl: FakeToggl) -> int:
    return sum(
        1 for r in toggl.requests if r.method == "POST" and re.fullmatch(r"/api/v9/workspaces/\d+/time_entries", r.path)
    )


def test_the_same_signed_start_reaching_two_instances_at_once_starts_one_timer(
    two_instances: list[Running], fake_toggl: FakeToggl
) -> None:
    first = two_instances[0]
    for n in range(PEOPLE):
        world = standard_world(fake_toggl, token=f"{n:02d}" + "ab" * 15)
        first.service.accounts.connect("T1", f"U{n}", world["token"])
    bodies = [first.send.command_body(f"start Review {n}", user=f"U{n}") for n in range(PEOPLE)]
    copies = [(body, signed_headers(body)) for body in bodies]  # one signed request, captured once, sent twice
    gate = threading.Barrier(2)

    def send(running: Running, body: str, headers: dict[str, str]) -> int:
        gate.wait(timeout=10)  # both copies leave together, as Slack's retry and a replay might
        return requests.post(running.url, data=body, headers={"Content-Type": FORM, **headers}, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=2) as both:
        for body, headers in copies:
            answers = list(both.map(send, two_instances, [body, body], [headers, headers]))
            assert answers == [200, 200]
    for running in two_instances:
        running.settle()
    assert timers_started(fake_toggl) == PEOPLE  # it was 39 of 40 before: 19 people had two timers
    started = [e for e in fake_toggl.time_entries.values() if (e.get("description") or "").startswith("Review")]
    assert sorted(e["description"] for e in started) == sorted(f"Review {n}" for n in range(PEOPLE))


def test_a_request_the_database_cannot_record_is_not_run_but_read_only_words_are(
    running: Running, ada: dict, database_url: str
) -> None:
    """The door never runs a `start` it could not record; `help` and `projects` only read, so they run anyway."""
    running.service.store.db.dispose()  # no pooled connection survives "the outage"
    broken = _refuse_writes_to_seen_requests(running.service.store.db)
    answer = running.send.command("start Writing the report", response_url=running.slack.hook("start"))
    assert answer.status_code == 200 and "try again" in json.loads(answer.text)["text"]
    helped = running.send.command("projects", response_url=running.slack.hook("projects"))
    assert helped.status_code == 200
    assert "of 450" in running.slack.wait_for_calls("/hooks/projects")[0].body["text"]
    assert running.send.dm("start Writing the report", event_id="EvOutage").status_code == 503  # Slack retries it
    running.settle()
    assert timers_started(running.toggl) == 0, [(r.method, r.path) for r in running.toggl.requests]
    assert running.slack.of("/hooks/start") == []
    assert broken["refused"] >= 6  # the start's signature was tried again before giving up
    broken["on"] = False  # the database is back: Slack's retry of the event is carried out, once
    assert running.send.dm("start Writing the report", event_id="EvOutage", client_msg_id="retry").status_code == 200
    running.settle()
    assert timers_started(running.toggl) == 1


def test_a_short_blip_is_ridden_out_by_retrying(store: Store, clock: FrozenClock) -> None:
    broken = _refuse_writes_to_seen_requests(store.db, times=3)
    seen = SeenRequests(store.db, clock)
    assert seen.first_time("sig:v0=abc")
    assert broken["refused"] == 3
    assert not seen.first_time("sig:v0=abc")
    broken["on"] = True
    broken["times"] = None
    with pytest.raises(Unrecorded):
        SeenRequests(store.db, clock, retry_pauses=(0.01,)).first_time("sig:v0=new")


def test_an_expired_key_counts_as_new_again(store: Store, clock: FrozenClock) -> None:
    seen = SeenRequests(store.db, clock)
    assert seen.first_time("event:Ev1")
    clock.advance(minutes=14)
    assert not seen.first_time("event:Ev1")
    clock.advance(minutes=16)
    assert seen.first_time("event:Ev1")
    with store.db.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM seen_requests")).scalar() == 1


def _refuse_writes_to_seen_requests(db: Database, times: int | None = None) -> dict[str, Any]:
    """The database refusing the key's insert, as a database that is down or restarting does: a real
    `OperationalError` from the driver's layer, for every write to `seen_requests` while `on` (or `times` of them)."""
    state: dict[str, Any] = {"on": True, "refused": 0, "times": times}

    def refuse(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not state["on"] or not statement.lstrip().upper().startswith("INSERT INTO SEEN_REQUESTS"):
            return
        if state["times"] is not None and state["refused"] >= state["times"]:
            return
        state["refused"] += 1
        raise OperationalError(statement, parameters, Exception("the database system is shutting down"))

    for engine in db.engines:
        sa.event.listen(engine, "before_cursor_execute", refuse)
    return state
