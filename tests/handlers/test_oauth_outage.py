"""OAuth mode while the database is away for a moment (issue 17): a database error while finding the
workspace's installation is not "not installed". Nobody is told to reinstall, `help` is answered from the
`response_url` without the database, other commands say to try again, and an event is refused with 500 so
that Slack sends it again once the database is back.

The outage is real: on SQLite the database file is moved away (every new connection finds no tables); on
PostgreSQL the database stops accepting connections and its sessions are ended.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from bot.store.engine import sqlite_path
from tests.blockkit import all_text
from tests.fakes.app import Running
from tests.fakes.signing import signed_headers
from tests.fakes.toggl import FakeToggl, standard_world
from tests.handlers.test_oauth import install, sender
from tests.handlers.test_oauth import oauth as oauth  # the fixture, found by pytest under its name

REINSTALL = "reinstall"


@contextlib.contextmanager
def database_down(running: Running, database_url: str) -> Iterator[None]:
    """The app's database unavailable inside the block, back after it."""
    db = running.service.store.db
    path = sqlite_path(database_url)
    if path is not None:
        db.dispose()
        moved = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm") if Path(f"{path}{suffix}").exists()]
        for file in moved:
            file.rename(f"{file}.away")
        try:
            yield
        finally:
            db.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)  # the empty file a connection made meanwhile
            for file in moved:
                Path(f"{file}.away").rename(file)
        return
    name = sa.make_url(database_url).database
    admin = sa.create_engine(sa.make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        yield
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        admin.dispose()


def hook_texts(running: Running, hook: str) -> list[str]:
    return [all_text(call.body) for call in running.slack.of(f"/hooks/{hook}")]


def test_help_is_answered_during_an_outage_and_nobody_is_told_to_reinstall(oauth: Running, database_url: str) -> None:
    install(oauth, "T2")
    with database_down(oauth, database_url):
        answer = sender(oauth, "T2").command("help")
        assert answer.status_code == 200
        (reply,) = oauth.slack.wait_for_calls("/hooks/hook-T2")
    assert "Here is what I understand" in all_text(reply.body)
    oauth.settle()
    assert not any(REINSTALL in text for text in hook_texts(oauth, "hook-T2"))


def test_a_command_that_needs_the_database_says_try_again(oauth: Running, database_url: str, fake_toggl: FakeToggl) -> None:
    install(oauth, "T2")
    world = standard_world(fake_toggl)
    oauth.service.accounts.connect("T2", "U1", world["token"])
    with database_down(oauth, database_url):
        assert sender(oauth, "T2").command("projects").status_code == 200
        (reply,) = oauth.slack.wait_for_calls("/hooks/hook-T2")
        oauth.settle()
    assert "try again" in all_text(reply.body)
    assert not any(REINSTALL in text for text in hook_texts(oauth, "hook-T2"))
    assert sender(oauth, "T2").command("projects", channel="C2").status_code == 200  # back, it works (C2: not a replay)
    oauth.slack.wait_for_calls("/hooks/hook-T2", 2)
    assert "Website redesign" in hook_texts(oauth, "hook-T2")[-1]


def test_an_event_during_an_outage_is_refused_so_that_slack_sends_it_again(oauth: Running, database_url: str) -> None:
    install(oauth, "T2")
    event = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": "help", "ts": "1.1"}
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": "T2",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": "EvOutage",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": "T2", "user_id": "UBOT", "is_bot": True}],
        }
    )
    send = sender(oauth, "T2")
    with database_down(oauth, database_url):
        refused = send.post(body, "application/json")
    assert refused.status_code == 503  # the door cannot record the event id; Slack sends again what is not 2xx
    assert oauth.slack.of("chat.postMessage") == []
    retry = {**signed_headers(body, timestamp=int(time.time()) + 1), "X-Slack-Retry-Num": "1"}  # as Slack re-signs it
    assert send.post(body, "application/json", headers=retry).status_code == 200
    (reply,) = oauth.slack.wait_for_calls("chat.postMessage")
    assert "Here is what I understand" in all_text(reply.body) and REINSTALL not in all_text(reply.body)
