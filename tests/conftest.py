"""Shared fixtures: a fake Toggl on loopback, a fresh database with its key, and the service over both."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import settings as hypothesis_settings

from bot.app import create_app
from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.doors import wsgi_app
from bot.service import Service
from bot.store import Database, Store
from bot.toggl import TogglClients
from bot.work import WorkPool
from tests.clocks import ERAS
from tests.databases import ENGINE_PARAMS, PostgresServer, postgres_server
from tests.fakes.app import Running, settings_for
from tests.fakes.server import WSGILoopback
from tests.fakes.signing import SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import NO_BACKOFF, FakeToggl, standard_world

hypothesis_settings.register_profile("ci", max_examples=60, deadline=None)
hypothesis_settings.register_profile("long", max_examples=5000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def fake_toggl(clock: FrozenClock) -> Iterator[FakeToggl]:
    """Toggl on loopback; its time entries start and stop by the test's clock."""
    with FakeToggl(now=clock.now) as fake:
        yield fake


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "toggl_bot.db"


@pytest.fixture
def base_time() -> dt.datetime:
    """The moment a test starts at. Modules whose outcome could hang on a date run under every era instead."""
    return ERAS[0]


@pytest.fixture
def clock(base_time: dt.datetime) -> FrozenClock:
    """The one clock of the app under test: the store, the service, the Toggl clients and the digest share it."""
    return FrozenClock(base_time)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    yield from postgres_server()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session (per xdist worker); each test's store starts from a copy."""
    path = tmp_path_factory.mktemp("template") / "toggl_bot.db"
    template = Database(f"sqlite:///{path}")
    template.migrate()
    template.dispose()
    return path


@pytest.fixture(params=ENGINE_PARAMS)
def database_url(request: pytest.FixtureRequest, db_path: Path) -> Iterator[str]:
    """Every test that uses the store runs on SQLite and on PostgreSQL, each with a database of its own.

    Without a PostgreSQL server the second variant is skipped at collection, before any fixture is set up.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{db_path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.new_database()
    yield url
    server.drop(url)


@pytest.fixture
def store(database_url: str, clock: FrozenClock, db_path: Path, sqlite_template: Path) -> Iterator[Store]:
    """A migrated store. Its SQLite file starts as a copy of the session's migrated template, as each
    PostgreSQL database is a clone of one; `migrate` then finds nothing to do, as at any later start."""
    if database_url == f"sqlite:///{db_path}" and not db_path.exists():
        shutil.copy(sqlite_template, db_path)  # keeps the template's mode, 0600 as the app makes it
    store = Store(database_url, clock=clock)
    store.migrate()
    yield store
    store.db.dispose()


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher([Fernet.generate_key()])


@pytest.fixture
def service(store: Store, cipher: TokenCipher, fake_toggl: FakeToggl, clock: FrozenClock) -> Service:
    """The service over the fake Toggl, retrying as in production but without the backoff waits
    (`tests/toggl/test_client.py` checks the real backoff)."""
    return Service(store, cipher, TogglClients(fake_toggl.url, clock=clock, retry=NO_BACKOFF))


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Captures every log record at DEBUG, urllib3's and requests' included."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def running(fake_slack: FakeSlack, fake_toggl: FakeToggl, service: Service, database_url: str) -> Iterator[Running]:
    """The production app over HTTP on loopback, against the fake Slack and Toggl."""
    pool, side = WorkPool(workers=8), WorkPool(workers=4)
    settings = settings_for(fake_slack, fake_toggl, database_url)
    app = create_app(settings, service=service, pool=pool, side=side)
    with WSGILoopback(wsgi_app(app, service, settings)) as server:
        url = server.url + "/slack/events"
        yield Running(fake_slack, fake_toggl, service, SlackSender(url, fake_slack.hook("r1")), url, pool, side)
    pool.shutdown(wait=True)
    side.shutdown(wait=True)


@pytest.fixture
def ada(running: Running) -> dict:
    """Ada has connected; her Toggl has 'Website redesign' and 449 more projects."""
    world = standard_world(running.toggl, projects=449)
    running.service.accounts.connect("T1", "U1", world["token"])
    running.toggl.requests.clear()
    return world
