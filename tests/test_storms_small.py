"""Small storms of issue 17: a reset connection, the pool's size, the log level, and doctor in OAuth mode.

Each goes through real parts: the fake Slack on loopback, a real database, the CLI as an operator runs it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation

from bot.app import slack_client, slack_wiring
from bot.crypto import TokenCipher
from bot.digest.runner import DigestRunner
from bot.logs import LIBRARIES, setup_logging
from bot.service import Service
from bot.settings import Settings
from bot.slack import SlackGateway
from bot.slack.installations import EncryptedInstallationStore
from bot.store import Database, Store
from tests.blockkit import all_text
from tests.fakes.app import settings_for
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world
from tests.test_cli import run

CLIENT_ID = "1111.2222"


# -- a reset connection is tried again --------------------------------------------------------------


def test_a_connection_reset_during_the_digest_post_does_not_lose_it(
    fake_slack: FakeSlack, fake_toggl: FakeToggl, service: Service, database_url: str
) -> None:
    world = standard_world(fake_toggl)
    service.accounts.connect("T1", "U1", world["token"])
    service.subscriptions.subscribe("T1", "C1", "U1", cadence="daily", weekday=None, at_time="09:00", timezone="UTC")
    fake_slack.reset("chat.postMessage")
    gateway = SlackGateway(slack_client(settings_for(fake_slack, fake_toggl, database_url)))
    (outcome,) = DigestRunner(service, gateway).run_forced()
    assert outcome.status == "posted", outcome.detail
    reset, posted = fake_slack.of("chat.postMessage")  # reset before any answer, then posted
    assert posted.body["channel"] == "C1" and all_text(posted.body) == all_text(reset.body)


def test_each_workspaces_client_in_oauth_mode_tries_a_reset_connection_again(
    fake_slack: FakeSlack, fake_toggl: FakeToggl, service: Service, database_url: str
) -> None:
    settings = settings_for(fake_slack, fake_toggl, database_url).model_copy(
        update={"slack_bot_token": None, "slack_client_id": CLIENT_ID, "slack_client_secret": SecretStr("client-secret")}
    )
    store = EncryptedInstallationStore(service.store.db, service.cipher, client_id=CLIENT_ID)
    store.save(installation("T2", "xoxb-T2-0001-fake"))
    fake_slack.reset("chat.postMessage")
    ts = slack_wiring(settings, service).gateway.post("T2", "C2", {"text": "Daily digest"})
    assert ts and len(fake_slack.of("chat.postMessage")) == 2
    assert fake_slack.token_of(fake_slack.of("chat.postMessage")[-1]) == "xoxb-T2-0001-fake"


# -- the pool is as big as the settings say, and no bigger ----------------------------------------------


def test_the_pool_takes_its_size_and_overflow_from_the_settings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "2")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "1")
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", Fernet.generate_key().decode())
    service = Service.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]  # pydantic-settings' init option
    try:
        expected = 2 + 1 if database_url.startswith("postgres") else 8 + 3  # SQLite: at least 8, overflow × 3
        assert service.database.max_connections == expected
    finally:
        service.database.dispose()


def test_the_engine_opens_no_more_than_pool_size_and_overflow(database_url: str) -> None:
    database = Database(database_url, pool_size=2, max_overflow=1, pool_timeout=0.2)
    with contextlib.ExitStack() as held:
        for _ in range(database.max_connections):
            held.enter_context(database.read()).execute(sa.text("SELECT 1"))
        with pytest.raises(sa.exc.TimeoutError), database.read():
            pass
    database.dispose()


def test_a_pool_setting_that_cannot_be_a_pool_is_refused() -> None:
    with pytest.raises(ValueError, match="database_max_overflow"):
        Settings(_env_file=None, database_max_overflow=-1)  # type: ignore[call-arg]  # pydantic-settings' init option
    with pytest.raises(ValueError, match="database_pool_size"):
        Settings(_env_file=None, database_pool_size=0)  # type: ignore[call-arg]  # 0 would be "no limit" to SQLAlchemy


# -- LOG_LEVEL -----------------------------------------------------------------------------------------

CANARY = "c0ffee00c0ffee00c0ffee00c0ffee00"


def test_log_level_warning_keeps_the_migration_line_out_and_default_info_shows_it(tmp_path: Path) -> None:
    (tmp_path / "quiet").mkdir()
    (tmp_path / "told").mkdir()
    quiet = run(["migrate"], tmp_path / "quiet", LOG_LEVEL="warning")
    assert quiet.returncode == 0, quiet.stderr
    assert "Database at revision" in quiet.stdout and quiet.stderr == ""
    told = run(["migrate"], tmp_path / "told")
    assert told.returncode == 0, told.stderr
    assert "INFO bot.store.engine: Migrated the database" in told.stderr


def test_a_log_level_that_is_not_one_is_one_line_at_start(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path, LOG_LEVEL="loud")  # settings are read once, before any command
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "LOG_LEVEL" in line and "'DEBUG', 'INFO', 'WARNING' or 'ERROR'" in line
    assert list(tmp_path.iterdir()) == []  # refused before any database was made


@pytest.fixture
def root_logging() -> Iterator[None]:
    """`setup_logging` sets up the process's root logger: put it back as pytest had it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    libraries = {name: logging.getLogger(name).level for name in (*LIBRARIES, "alembic")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in libraries.items():
        logging.getLogger(name).setLevel(was)


@pytest.mark.usefixtures("root_logging")
def test_at_debug_our_lines_are_written_redacted_and_library_bodies_are_not(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    setup_logging(Settings(_env_file=None).log_level)  # type: ignore[call-arg]  # pydantic-settings' init option
    logging.getLogger("bot.digest").debug("fetched for %s with %s and xoxb-1-2-%s", "U1", CANARY, CANARY)
    logging.getLogger("slack_sdk.web.base_client").debug("Sending a request - body: token=%s", CANARY)
    written = capsys.readouterr().err
    assert "DEBUG bot.digest: fetched for U1 with [redacted] and [redacted]" in written
    assert CANARY not in written and "Sending a request" not in written


# -- doctor in OAuth mode -------------------------------------------------------------------------------


def test_doctor_in_oauth_mode_counts_the_installations_whose_bot_token_decrypts(
    store: Store, database_url: str, fake_slack: FakeSlack, fake_toggl: FakeToggl, tmp_path: Path
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    installations = EncryptedInstallationStore(store.db, TokenCipher([old.encode()]), client_id=CLIENT_ID)
    tokens = [f"xoxb-{team}-0001-{CANARY}" for team in ("T2", "T3")]
    for team, token in zip(("T2", "T3"), tokens, strict=True):
        installations.save(installation(team, token))
    env = {
        "DATABASE_URL": database_url,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake_slack.api_url,
        "TOGGL_API_URL": fake_toggl.url,
    }

    lost = run(["doctor"], tmp_path, **env, TOKEN_ENCRYPTION_KEY=new)  # the key they were sealed with is gone
    assert lost.returncode == 1, lost.stdout
    assert "FAIL  slack: OAuth mode: 0 of 2 workspace bot tokens decrypt; 2 do not" in lost.stdout
    rotating = run(["doctor"], tmp_path, **env, TOKEN_ENCRYPTION_KEY=f"{new},{old}")  # mid-rotation: both keys
    assert rotating.returncode == 0, rotating.stdout
    assert "ok    slack: OAuth mode: 2 of 2 workspace bot tokens decrypt" in rotating.stdout

    sealed_anew = EncryptedInstallationStore(store.db, TokenCipher([new.encode()]), client_id=CLIENT_ID)
    sealed_anew.save(installation("T4", f"xoxb-T4-0001-{CANARY}"))  # a new workspace, under the new key
    sealed_anew.save(installation("T2", f"xoxb-T2-0002-{CANARY}", later=True))  # installed again: its newest counts
    partly = run(["doctor"], tmp_path, **env, TOKEN_ENCRYPTION_KEY=new)
    assert partly.returncode == 1
    assert "FAIL  slack: OAuth mode: 2 of 3 workspace bot tokens decrypt; 1 does not" in partly.stdout
    assert "have that workspace install the app again (`/slack/install`)" in partly.stdout
    for result in (lost, rotating, partly):
        assert CANARY not in result.stdout + result.stderr and "xoxb-" not in result.stdout + result.stderr


def installation(team: str, bot_token: str, *, later: bool = False) -> Installation:
    """What "Add to Slack" leaves behind for `team`, as Bolt saves it; `later`: a day after the first."""
    return Installation(
        app_id="A1",
        user_id="UINSTALLER",
        team_id=team,
        team_name=f"Team {team}",
        bot_token=bot_token,
        bot_id="BBOT",
        bot_user_id="UBOT",
        bot_scopes="commands,chat:write",
        installed_at=1_700_000_000.0 + (86_400 if later else 0),
    )
