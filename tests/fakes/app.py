"""The running app for end-to-end tests: the production `create_app` served over HTTP on loopback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from bot.service import Service
from bot.settings import Settings
from bot.work import WorkPool
from tests.fakes.signing import SIGNING_SECRET, SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl


@dataclass
class Running:
    slack: FakeSlack
    toggl: FakeToggl
    service: Service
    send: SlackSender
    url: str
    pool: WorkPool | None = None
    side: WorkPool | None = None

    def settle(self) -> None:
        """Wait until every request sent so far has done all its work, so that "nothing more happened" holds.

        Also after Slack saw `views.open`: the app keeps where the form's confirmation goes only once
        Slack has answered, so a test that submits the form at once must settle first (a person cannot
        type that fast; a test can).
        """
        pools = [pool for pool in (self.pool, self.side) if pool is not None]
        assert pools, "the app's pools were not given to Running"
        for _ in range(3):  # a Toggl job may ask for a Slack call, and a Slack call may queue Toggl work
            for pool in pools:
                assert pool.wait_idle(), "the app's work did not finish"


def settings_for(fake_slack: FakeSlack, fake_toggl: FakeToggl, database: Path | str) -> Settings:
    """Settings for the app against the fakes; `database` is a SQLite file or a database URL."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init option, not a field mypy can see
        slack_bot_token=SecretStr("xoxb-test-token"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.api_url,
        toggl_api_url=fake_toggl.url,
        database_url=url,
    )


def oauth_settings_for(fake_slack: FakeSlack, fake_toggl: FakeToggl, database: Path | str) -> Settings:
    """`settings_for` in OAuth mode (many workspaces): no bot token, a client id and secret, a public address."""
    return settings_for(fake_slack, fake_toggl, database).model_copy(
        update={
            "slack_bot_token": None,
            "slack_client_id": "1111.2222",
            "slack_client_secret": SecretStr("client-secret"),
            "public_url": "https://toggl-bot.example.com/",
        }
    )
