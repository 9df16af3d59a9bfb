"""The production entry point: `toggl-bot serve` (waitress), as the Procfile's web process runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.blockkit import all_text
from tests.fakes.server import free_port
from tests.fakes.signing import SIGNING_SECRET, SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl

ROOT = Path(__file__).resolve().parents[2]


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
        fake_slack.wait_for_calls("auth.test", 2, timeout=30)  # the start-up token check, then the app's own
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        assert sender.command("help").status_code == 200
        (reply,) = fake_slack.wait_for_calls("/hooks/r1")
        assert "Here is what I understand" in all_text(reply.body)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert "xoxb-test-token" not in stderr and SIGNING_SECRET not in stderr
