"""A deploy loses nothing: SIGTERM stops `toggl-bot serve` from taking new requests, and every command it
had acknowledged is still answered before it exits.

Finding (issue 17): with a slow Toggl, SIGTERM to an instance left 2 of its 60 acknowledged commands
unanswered; there was no SIGTERM handling and no draining.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fakes.server import free_port, wait_healthy
from tests.fakes.signing import SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world
from tests.test_instances import environment

COMMANDS = 12


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sigterm_answers_every_acknowledged_command_then_exits(
    database_url: str, fake_toggl: FakeToggl, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    world = standard_world(fake_toggl, projects=5)
    port = free_port()
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115 (closed below)
    command = [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--host", "127.0.0.1"]
    env = environment(database_url, fake_toggl, fake_slack, PORT=str(port))
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=log)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_healthy(url), "toggl-bot serve did not start"
        sender = SlackSender(url + "/slack/events", fake_slack.hook())
        sender.command(f"connect {world['token']}", response_url=fake_slack.hook("connect"))
        fake_slack.wait_for_calls("/hooks/connect", timeout=20)

        fake_toggl.fail("/projects", kind="slow", delay=2.0, times=100)  # every answer now takes two seconds
        for n in range(COMMANDS):
            response = sender.command("projects", user="U1", response_url=fake_slack.hook(f"p{n}"))
            assert response.status_code == 200  # acknowledged
        server.send_signal(signal.SIGTERM)
        with pytest.raises(requests.ConnectionError):  # it takes no new request once told to stop
            time.sleep(1.5)
            requests.get(url + "/healthz", timeout=2)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.seek(0)
        output = log.read()
        log.close()
    answered = {call.path for call in fake_slack.calls if call.path.startswith("/hooks/p")}
    assert len(answered) == COMMANDS, output[-2000:]
    assert "every acknowledged request was answered" in output and "Traceback" not in output
