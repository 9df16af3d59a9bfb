"""Several instances on one database, as the Procfile runs them: two `toggl-bot serve --no-scheduler` web
processes and two digest runners. What one instance learns, the other knows: the person's connection,
the Toggl cache (so the hourly quota is spent once), event ids already answered, and slot claims.

The processes run on the real clock; what is asserted holds on any date.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.service import Service
from bot.store import Store
from bot.toggl import TogglClients
from tests.blockkit import all_text
from tests.fakes.server import free_port, wait_healthy
from tests.fakes.signing import SIGNING_SECRET, SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world
from tests.test_cli import ROOT, run

KEY = Fernet.generate_key().decode()


def environment(database_url: str, toggl: FakeToggl, slack: FakeSlack, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_", "PORT"))}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "TOKEN_ENCRYPTION_KEY": KEY,
        "TOGGL_API_URL": toggl.url,
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        **extra,
    }


@pytest.fixture
def instances(database_url: str, fake_toggl: FakeToggl, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[list[str]]:
    """Two web instances on one database; yields their base URLs, and stops both however the test ends."""
    processes, urls = [], []
    try:
        for n in range(2):
            port = free_port()
            env = environment(database_url, fake_toggl, fake_slack, PORT=str(port))
            log = open(tmp_path / f"web{n}.log", "w")  # noqa: SIM115 (closed with the process below)
            command = [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--host", "127.0.0.1"]
            processes.append((subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=log), log))
            urls.append(f"http://127.0.0.1:{port}")
        for n, url in enumerate(urls):
            if not wait_healthy(url):
                pytest.fail(f"instance {n} did not start: {(tmp_path / f'web{n}.log').read_text()[-3000:]}")
        yield urls
    finally:
        for process, log in processes:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
    for n in range(2):
        assert "Traceback" not in (tmp_path / f"web{n}.log").read_text()


def reply(slack: FakeSlack, hook: str) -> str:
    return all_text(slack.wait_for_calls(f"/hooks/{hook}", timeout=20)[-1].body)


def test_what_one_instance_learns_the_other_knows(
    instances: list[str], fake_toggl: FakeToggl, fake_slack: FakeSlack
) -> None:
    world = standard_world(fake_toggl, projects=99)
    first, second = (SlackSender(url + "/slack/events", fake_slack.hook()) for url in instances)

    first.command(f"connect {world['token']}", response_url=fake_slack.hook("connect"))
    assert "Connected to Toggl as *Ada Lovelace*" in reply(fake_slack, "connect")
    second.command("projects", response_url=fake_slack.hook("list-b"))
    assert "1–40 of 100" in reply(fake_slack, "list-b")
    asked = len(fake_toggl.requests)

    first.command("projects", response_url=fake_slack.hook("list-a"))
    assert "1–40 of 100" in reply(fake_slack, "list-a")
    second.command("me", response_url=fake_slack.hook("me-b"))
    assert "ada@example.com" in reply(fake_slack, "me-b")
    assert len(fake_toggl.requests) == asked  # within the freshness window, whichever instance answers

    for sender in (first, second):  # Slack's retry of an event reaches the other instance
        assert sender.dm("help", event_id="EvSame").status_code == 200
    fake_slack.wait_for_calls("chat.postMessage")
    # Another process's work cannot be drained from here; the duplicate is dropped before its ack returns,
    # so an answer to it would have been queued already, and half a second is ample for "help".
    time.sleep(0.5)
    assert len(fake_slack.of("chat.postMessage")) == 1


def test_two_digest_runners_post_each_slot_exactly_once(
    database_url: str, fake_toggl: FakeToggl, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    world = standard_world(fake_toggl)
    now = dt.datetime.now(dt.UTC)
    clock = FrozenClock(now - dt.timedelta(days=2))  # subscribed two days ago
    store = Store(database_url, clock=clock)
    store.migrate()
    service = Service(store, TokenCipher([KEY.encode()]), TogglClients(fake_toggl.url, clock=clock))
    service.accounts.connect("T1", "U1", world["token"])
    due = (now - dt.timedelta(minutes=10)).strftime("%H:%M")  # a daily slot ten minutes ago
    channels = [f"C{n}" for n in range(8)]
    for channel in channels:
        store.subscriptions.subscribe("T1", channel, "U1", cadence="daily", weekday=None, at_time=due, timezone="UTC")
    store.db.dispose()
    env = environment(database_url, fake_toggl, fake_slack)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: run(["digest", "run"], tmp_path, **env), range(2)))
    assert all(r.returncode == 0 for r in results), [r.stderr[-1000:] for r in results]
    posted = sorted(c.body["channel"] for c in fake_slack.of("chat.postMessage"))
    assert posted == channels
    assert sum(r.stdout.count(": posted") for r in results) == len(channels)
