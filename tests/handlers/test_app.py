"""The production entry points: `toggl-bot serve` under gunicorn, and the Procfile's `bot.wsgi:application`."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.blockkit import all_text
from tests.fakes.server import WSGILoopback
from tests.fakes.signing import SIGNING_SECRET, SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def env_for(fake_slack: FakeSlack, fake_toggl: FakeToggl, tmp_path: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "TOGGL_API_URL": fake_toggl.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }


def test_toggl_bot_serve_answers_signed_commands(fake_slack: FakeSlack, fake_toggl: FakeToggl, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_"))}
    env.update(env_for(fake_slack, fake_toggl, tmp_path), PORT=str(port), PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--host", "127.0.0.1"]
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/slack/events"
        sender = SlackSender(url, fake_slack.hook("r1"))
        fake_slack.wait_for_calls("auth.test", 2, timeout=30)  # the token check, then the app built in the worker
        assert sender.command("help").status_code == 200
        (reply,) = fake_slack.wait_for_calls("/hooks/r1")
        assert "Here is what I understand" in all_text(reply.body)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert "xoxb-test-token" not in stderr and SIGNING_SECRET not in stderr


def test_the_wsgi_entry_point_serves_the_app(
    fake_slack: FakeSlack, fake_toggl: FakeToggl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env_for(fake_slack, fake_toggl, tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    sys.modules.pop("bot.wsgi", None)
    wsgi = importlib.import_module("bot.wsgi")
    with WSGILoopback(wsgi.application) as server:
        sender = SlackSender(server.url + "/slack/events", fake_slack.hook("r1"))
        assert sender.command("help").status_code == 200
        assert fake_slack.wait_for_calls("/hooks/r1")
    sys.modules.pop("bot.wsgi", None)
