"""CI: the installed `toggl-bot`, run as a new user runs it, against the fakes on 127.0.0.1.

    python .ci/installed.py /path/to/venv/bin/toggl-bot

The console script comes from a wheel installed in a fresh virtual environment. It runs in an
empty directory outside the checkout with PYTHONPATH unset, so it can only use what the wheel
carries. The fakes come from the checkout's tests (this script runs with the checkout's Python).
Exits non-zero, saying which step failed, on the first failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.server import free_port  # noqa: E402
from tests.fakes.signing import SIGNING_SECRET, SlackSender  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402
from tests.fakes.toggl import FakeToggl, standard_world  # noqa: E402

TOKEN = "0123456789abcdef0123456789abcdef"


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without PYTHONPATH and without any of the app's settings."""
    prefixes = ("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_", "PORT")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(prefixes)}
    return {**env, **extra}


def step(name: str, ok: bool, detail: str = "") -> None:
    print(f"installed: {name}: {'ok' if ok else 'FAILED'}", flush=True)
    if not ok:
        print(detail[-3000:], file=sys.stderr)
        sys.exit(1)


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def main(toggl_bot: str) -> None:
    with tempfile.TemporaryDirectory() as elsewhere, FakeToggl() as toggl, FakeSlack() as slack:
        cwd = Path(elsewhere).resolve()
        run = {"cwd": cwd, "capture_output": True, "text": True, "timeout": 60}

        helped = subprocess.run([toggl_bot, "--help"], env=clean_env(), **run)
        step("toggl-bot --help", helped.returncode == 0 and "serve" in helped.stdout, helped.stderr)

        helped = subprocess.run([toggl_bot, "ask", "help"], env=clean_env(), **run)
        step("toggl-bot ask help needs no token", helped.returncode == 0 and "projects" in helped.stdout, helped.stderr)

        standard_world(toggl, token=TOKEN, projects=45)
        asked = subprocess.run(
            [toggl_bot, "ask", "projects", "--toggl-token", TOKEN], env=clean_env(TOGGL_API_URL=toggl.url), **run
        )
        try:
            (message,) = json.loads(asked.stdout)
            text = json.dumps(message, ensure_ascii=False)
        except ValueError:
            text = ""
        step(
            "toggl-bot ask projects --toggl-token T (JSON on stdout)",
            asked.returncode == 0 and "Project 0000" in text and "1–40 of 46" in text,
            asked.stdout + asked.stderr,
        )
        step("ask leaves nothing behind", list(cwd.iterdir()) == [], str(list(cwd.iterdir())))
        step("ask never prints the token", TOKEN not in asked.stderr + asked.stdout, "")

        port = free_port()
        env = clean_env(
            PORT=str(port),
            SLACK_BOT_TOKEN="xoxb-ci",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
            TOGGL_API_URL=toggl.url,
            DATABASE_URL=f"sqlite:///{cwd / 'bot.db'}",
        )
        with open(cwd / "serve.log", "w+") as log:
            server = subprocess.Popen(
                [toggl_bot, "serve", "--no-scheduler", "--host", "127.0.0.1"], cwd=cwd, env=env, stdout=log, stderr=log
            )
            try:
                up = wait_for_port(port, server)
                log.seek(0)
                step("toggl-bot serve --no-scheduler listens", up, log.read())
                sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", slack.hook("ci"))
                answered = sender.command("help")
                step("signed /toggl help gets HTTP 200", answered.status_code == 200, answered.text)
                reply = slack.wait_for_calls("/hooks/ci", timeout=20)[0].body
                step("the help reaches the response_url", "Here is what I understand" in json.dumps(reply), str(reply))
                unsigned = sender.post(sender.command_body("help"), "application/x-www-form-urlencoded", headers={})
                step("an unsigned request is refused", unsigned.status_code == 401, str(unsigned.status_code))
                for path, words in (("/", "Your Toggl, without leaving Slack"), ("/privacy", "Nothing sold or shared")):
                    page = requests.get(f"http://127.0.0.1:{port}{path}", timeout=10)
                    shown = page.status_code == 200 and words in page.text
                    step(f"GET {path} (the wheel carries the templates)", shown, page.text[:500])
            finally:
                server.terminate()
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            log.seek(0)
            output = log.read()
            step("serve logged no traceback", "Traceback" not in output, output)
            key_lines = [line for line in output.splitlines() if "token encryption key file" in line]
            said_once = len(key_lines) == 1 and str(cwd / "bot.db.key") in key_lines[0]
            step("serve names the new key file once, by its full path", said_once, "\n".join(key_lines))
            step("serve's start is free of library noise", "will be unused" not in output, output)
    print("installed: every check passed")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python .ci/installed.py /path/to/venv/bin/toggl-bot")
    main(sys.argv[1])
