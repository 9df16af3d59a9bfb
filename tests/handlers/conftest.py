"""The running app: the production `create_app` served over HTTP on loopback, against the fake Slack and Toggl."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import create_app, wsgi_app
from bot.service import Service
from bot.settings import Settings
from bot.work import WorkPool
from tests.fakes.server import WSGILoopback
from tests.fakes.signing import SIGNING_SECRET, SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world


@dataclass
class Running:
    slack: FakeSlack
    toggl: FakeToggl
    service: Service
    send: SlackSender
    url: str


def settings_for(fake_slack: FakeSlack, fake_toggl: FakeToggl, db_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        toggl_api_url=fake_toggl.url,
        database_url=f"sqlite:///{db_path}",
    )


@pytest.fixture
def running(fake_slack: FakeSlack, fake_toggl: FakeToggl, service: Service, db_path: Path) -> Iterator[Running]:
    pool = WorkPool(workers=8)
    app = create_app(settings_for(fake_slack, fake_toggl, db_path), service=service, pool=pool)
    with WSGILoopback(wsgi_app(app)) as server:
        url = server.url + "/slack/events"
        yield Running(fake_slack, fake_toggl, service, SlackSender(url, fake_slack.hook("r1")), url)
    pool.shutdown(wait=True)


@pytest.fixture
def ada(running: Running) -> dict:
    """Ada has connected; her Toggl has 'Website redesign' and 449 more projects."""
    world = standard_world(running.toggl, projects=449)
    running.service.connect("T1", "U1", world["token"])
    running.toggl.requests.clear()
    return world
