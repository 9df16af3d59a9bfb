"""Keys that fail loudly: a lost key file, a key that fits no stored token, a malformed key or an empty key file
each stop `serve`, `scheduler` and `digest run` with one line saying what to do; `toggl-bot doctor` tells."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.clock import Clock
from bot.crypto import cipher_from, key_file_for
from bot.store import Store, head_revision
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl
from tests.test_cli import run

COMMANDS = [["serve"], ["scheduler"], ["digest", "run"]]


@pytest.fixture
def deployment(tmp_path: Path, fake_slack: FakeSlack, fake_toggl: FakeToggl) -> dict[str, str]:
    """A SQLite deployment with its key file and three people's tokens stored, as `serve` leaves it."""
    database = tmp_path / "toggl_bot.db"
    store = Store(f"sqlite:///{database}", clock=Clock())
    store.migrate()
    cipher = cipher_from(None, database)  # makes the key file, as a first start does
    for n in range(3):
        store.people.save("T1", f"U{n}", token_ciphertext=cipher.encrypt(f"{n:032x}"), toggl_user_id=n,
                          toggl_name="x", workspace_id=1, timezone=None)  # fmt: skip
    store.db.dispose()
    return {
        "DATABASE_URL": f"sqlite:///{database}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake_slack.api_url,
        "TOGGL_API_URL": fake_toggl.url,
    }


def one_line_refusal(tmp_path: Path, command: list[str], env: dict[str, str]) -> str:
    result = run(command, tmp_path, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("toggl-bot")]
    return line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_lost_key_file_stops_the_app_instead_of_making_a_new_key(
    deployment: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    key_file = key_file_for(tmp_path / "toggl_bot.db")
    key_file.unlink()
    line = one_line_refusal(tmp_path, command, deployment)
    assert "key file" in line and "is missing" in line and "put the old key file back" in line
    assert not key_file.exists()  # no new key was made behind the operator's back


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_key_that_fits_no_stored_token_stops_the_app(
    deployment: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    env = {**deployment, "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    line = one_line_refusal(tmp_path, command, env)
    assert "none of the stored tokens decrypts with the keys from TOKEN_ENCRYPTION_KEY" in line


def test_a_malformed_key_is_named_in_one_line(deployment: dict[str, str], tmp_path: Path) -> None:
    env = {**deployment, "TOKEN_ENCRYPTION_KEY": f"{Fernet.generate_key().decode()},not-a-key"}
    line = one_line_refusal(tmp_path, ["serve"], env)
    assert "key 2 of TOKEN_ENCRYPTION_KEY is not a Fernet key" in line and "not-a-key" not in line


def test_an_empty_key_file_is_named_in_one_line(deployment: dict[str, str], tmp_path: Path) -> None:
    key_file_for(tmp_path / "toggl_bot.db").write_text("\n")
    line = one_line_refusal(tmp_path, ["serve"], deployment)
    assert "the key file" in line and "holds no key" in line


def test_doctor_tells_what_decrypts_and_forgets_what_cannot(deployment: dict[str, str], tmp_path: Path) -> None:
    healthy = run(["doctor"], tmp_path, **deployment)
    assert healthy.returncode == 0, healthy.stdout
    assert (
        "3 of 3 stored Toggl tokens decrypt" in healthy.stdout
        and f"at migration {head_revision()} (the newest)" in healthy.stdout
    )
    assert "Slack accepts the bot token" in healthy.stdout and "Toggl answers" in healthy.stdout

    env = {**deployment, "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode()}  # the old key is lost for good
    lost = run(["doctor"], tmp_path, **env)
    assert lost.returncode == 1 and "FAIL  tokens: 0 of 3 stored Toggl tokens decrypt" in lost.stdout
    forgot = run(["doctor", "--forget-unreadable"], tmp_path, **env)
    assert "deleted the 3 that do not" in forgot.stdout
    started = run(["digest", "run"], tmp_path, **env)  # nothing is stored that the key cannot open: it starts
    assert started.returncode == 0, started.stderr


def test_doctor_before_the_first_start_is_content_without_a_key_file(
    deployment: dict[str, str], tmp_path: Path, fake_slack: FakeSlack, fake_toggl: FakeToggl
) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    env = {**deployment, "DATABASE_URL": f"sqlite:///{fresh / 'toggl_bot.db'}"}
    assert run(["migrate"], fresh, **env).returncode == 0
    before = run(["doctor"], fresh, **env)
    assert before.returncode == 0, before.stdout
    assert f"ok    keys: no key file yet: the first `toggl-bot serve` makes {fresh / 'toggl_bot.db.key'}" in before.stdout
    assert not key_file_for(fresh / "toggl_bot.db").exists()  # doctor changes nothing

    key_file_for(tmp_path / "toggl_bot.db").unlink()  # tokens stored, key file gone: that is a failure
    lost = run(["doctor"], tmp_path, **deployment)
    assert lost.returncode == 1
    assert "FAIL  keys: the key file" in lost.stdout and "holds encrypted tokens" in lost.stdout
