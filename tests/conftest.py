"""Shared fixtures: a fake Toggl on loopback, a fresh database with its key, and the service over both."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.crypto import TokenCipher
from bot.service import Service
from bot.store import Store
from bot.toggl import TogglClients
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl


@pytest.fixture
def fake_toggl() -> Iterator[FakeToggl]:
    with FakeToggl() as fake:
        yield fake


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "toggl_bot.db"


@pytest.fixture
def store(db_path: Path) -> Store:
    store = Store(db_path)
    store.migrate()
    return store


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher([Fernet.generate_key()])


@pytest.fixture
def service(store: Store, cipher: TokenCipher, fake_toggl: FakeToggl) -> Service:
    return Service(store, cipher, TogglClients(fake_toggl.url))


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Captures every log record at DEBUG, urllib3's and requests' included."""
    caplog.set_level(logging.DEBUG)
    return caplog
