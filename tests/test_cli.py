"""`toggl-bot` as a person runs it: a real subprocess, the fake Toggl on loopback, a fresh directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from bot.clock import Clock
from bot.crypto import TokenCipher
from bot.service import Service
from bot.store import Store
from bot.toggl import TogglClients
from tests.blockkit import all_text, assert_valid_message
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_"))}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_ask_projects_shows_a_valid_first_page_of_450(fake_toggl: FakeToggl, tmp_path: Path) -> None:
    world = standard_world(fake_toggl, projects=449)
    result = run(["ask", "projects", "--toggl-token", world["token"]], tmp_path, TOGGL_API_URL=fake_toggl.url)
    assert result.returncode == 0, result.stderr
    (message,) = json.loads(result.stdout)
    assert_valid_message(message)
    assert "1–40 of 450" in all_text(message)
    assert fake_toggl.count() == 6  # /me, three pages of 200, the clients the projects name by id, the pace
    assert world["token"] not in result.stderr


def test_ask_with_a_bare_token_leaves_nothing_behind_and_warns_about_nothing(fake_toggl: FakeToggl, tmp_path: Path) -> None:
    world = standard_world(fake_toggl)
    result = run(["ask", "projects", "--toggl-token", world["token"]], tmp_path, TOGGL_API_URL=fake_toggl.url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["blocks"]  # JSON, and only JSON, on standard output
    assert list(tmp_path.iterdir()) == []  # no database, no key file
    assert result.stderr == ""


def test_ask_tasks_with_the_token_from_the_environment(fake_toggl: FakeToggl, tmp_path: Path) -> None:
    world = standard_world(fake_toggl)
    result = run(["ask", "tasks website"], tmp_path, TOGGL_API_URL=fake_toggl.url, TOGGL_API_TOKEN=world["token"])
    assert result.returncode == 0, result.stderr
    assert "5 h 30 min" in result.stdout


def test_ask_for_a_stored_person(fake_toggl: FakeToggl, tmp_path: Path) -> None:
    world = standard_world(fake_toggl)
    env = {"TOGGL_API_URL": fake_toggl.url, "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'bot.db'}"}
    connected = run(["ask", f"connect {world['token']}", "--team", "T1", "--user", "U1"], tmp_path, **env)
    assert "Connected to Toggl as *Ada Lovelace*" in connected.stdout
    shown = run(["ask", "me", "--team", "T1", "--user", "U1"], tmp_path, **env)
    assert "ada@example.com" in shown.stdout
    other = run(["ask", "me", "--team", "T1", "--user", "U2"], tmp_path, **env)
    assert "Your Toggl account is not connected" in other.stdout


def test_ask_without_anyone_to_ask_as_explains(tmp_path: Path) -> None:
    result = run(["ask", "projects"], tmp_path)
    assert result.returncode == 2
    assert "--toggl-token" in result.stderr and "Traceback" not in result.stderr


def test_ask_help_and_unknown_words_need_no_token_and_leave_nothing_behind(tmp_path: Path) -> None:
    helped = run(["ask", "help"], tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert "projects" in all_text(json.loads(helped.stdout)[0]) and helped.stderr == ""
    guessed = run(["ask", "projcets"], tmp_path)
    assert guessed.returncode == 0, guessed.stderr
    assert "projects" in all_text(json.loads(guessed.stdout)[0])
    assert list(tmp_path.iterdir()) == []


def test_serve_without_a_slack_token_says_what_is_missing_in_one_line(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SLACK_BOT_TOKEN" in result.stderr and "api.slack.com/apps" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_setting_is_one_line_too(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path, PORT="not-a-port")
    assert result.returncode == 2 and "PORT" in result.stderr and "Traceback" not in result.stderr


def test_digest_run_force_posts_a_digest(fake_toggl: FakeToggl, fake_slack: FakeSlack, tmp_path: Path) -> None:
    world = standard_world(fake_toggl)
    fake_toggl.add_project(world["wid"], "Over & out", client_name="Acme", actual_seconds=45_000, estimated_seconds=36_000)
    key = Fernet.generate_key().decode()
    database = tmp_path / "bot.db"
    clock = Clock()  # the subprocess reads the real clock too
    store = Store(f"sqlite:///{database}", clock=clock)
    service = Service(store, TokenCipher([key.encode()]), TogglClients(fake_toggl.url, clock=clock))
    service.store.migrate()
    service.accounts.connect("T1", "U1", world["token"])
    service.subscriptions.subscribe("T1", "C1", "U1", cadence="weekdays", weekday=None, at_time="09:00", timezone="UTC")
    env = {
        "TOGGL_API_URL": fake_toggl.url,
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "DATABASE_URL": f"sqlite:///{database}",
        "TOKEN_ENCRYPTION_KEY": key,
    }
    result = run(["digest", "run", "--force"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert "subscription 1 in C1: posted" in result.stdout
    (post,) = fake_slack.of("chat.postMessage")
    assert_valid_message(post.body)
    assert "Over &amp; out" in all_text(post.body)
    again = run(["digest", "run"], tmp_path, **env)  # what is due depends on the hour: tests/digest covers it
    assert again.returncode == 0 and " handled, " in again.stdout


def test_scheduler_without_a_slack_token_says_so(tmp_path: Path) -> None:
    result = run(["scheduler"], tmp_path)
    assert result.returncode == 2 and "SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_serve_with_a_token_slack_refuses_says_so_in_one_line(fake_slack: FakeSlack, tmp_path: Path) -> None:
    fake_slack.fail("auth.test", "invalid_auth")
    env = {"SLACK_BOT_TOKEN": "xoxb-wrong", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": fake_slack.api_url}
    result = run(["serve"], tmp_path, **env)
    assert result.returncode == 2
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "xoxb-wrong" not in result.stderr


def test_serve_with_slack_out_of_reach_says_so(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    result = run(["serve"], tmp_path, **env)
    assert result.returncode == 2 and "could not be reached" in result.stderr and "Traceback" not in result.stderr


def test_a_blank_signing_secret_is_no_secret(fake_slack: FakeSlack, tmp_path: Path) -> None:
    """Found in review: `SLACK_SIGNING_SECRET=` let serve start, then answer every request with a 500."""
    env = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "  ", "SLACK_API_URL": fake_slack.api_url}
    result = run(["serve"], tmp_path, **env)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_first_says_its_mode_urls_database_and_install_link(fake_slack: FakeSlack, tmp_path: Path) -> None:
    """Trial: nothing said which mode `serve` ran in, where it talked to, or where "Add to Slack" was. Both
    runs stop at an unreachable database, after the first lines (which never show its password)."""
    database = "postgresql://bot:s3cret-pw@127.0.0.1:1/toggl"
    oauth = {
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": "signing",
        "SLACK_API_URL": fake_slack.api_url,
        "TOGGL_API_URL": "http://127.0.0.1:9/toggl",
        "DATABASE_URL": database,
        "PUBLIC_URL": "https://toggl-bot.example.com",
        "PORT": "3999",
    }
    result = run(["serve"], tmp_path, **oauth)
    assert result.returncode == 2 and "s3cret-pw" not in result.stderr
    first = result.stderr.splitlines()[:4]
    assert "Mode: OAuth, many workspaces (SLACK_CLIENT_ID); HTTP on 0.0.0.0:3999" in first[0]
    assert f"Slack API: {fake_slack.api_url} · Toggl API: http://127.0.0.1:9/toggl" in first[1]
    assert "Database: PostgreSQL on 127.0.0.1:1, database toggl" in first[2]
    assert "Install (Add to Slack): https://toggl-bot.example.com/slack/install" in first[3]
    single = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "signing", "SLACK_API_URL": fake_slack.api_url}
    result = run(["serve", "--host", "127.0.0.1"], tmp_path, **single, DATABASE_URL=database)
    first = result.stderr.splitlines()[:3]
    assert result.returncode == 2 and "Mode: one workspace (SLACK_BOT_TOKEN); HTTP on 127.0.0.1:3000" in first[0]
    assert "Toggl API: https://api.track.toggl.com" in first[1] and "Install" not in result.stderr
