"""Schedulers agree on the time whatever their hosts' clocks say: leases and due slots are judged by the
database's clock, carried forward by the monotonic clock between readings; and a slot that the clock jumps
over while a runner keeps looking is posted, not skipped."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from bot.clock import Clock
from bot.crypto import TokenCipher
from bot.scheduled import Claims
from bot.service import Service
from bot.store import Store
from bot.store.dbclock import SYNC_SECONDS, DatabaseClock
from bot.toggl import TogglClients
from tests.fakes.toggl import FakeToggl


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


class SkewedClock(Clock):
    """A host whose wall clock is `offset` seconds off."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def now(self) -> dt.datetime:
        return super().now() + dt.timedelta(seconds=self.offset)


def database_now(store: Store) -> float:
    query = (
        "SELECT extract(epoch FROM clock_timestamp())"
        if store.db.is_postgres
        else "SELECT (julianday('now') - 2440587.5) * 86400.0"
    )
    with store.db.read() as conn:
        return float(conn.execute(sa.text(query)).scalar_one())


def test_the_database_clock_is_read_once_a_minute_and_carried_forward_in_between(store: Store) -> None:
    ticks = Ticks()
    clock = DatabaseClock(store.db, monotonic=ticks)
    first = clock.time()
    assert first == pytest.approx(database_now(store), abs=2)
    ticks.value += 30
    assert clock.time() == pytest.approx(first + 30, abs=1e-6)  # carried forward: no reading in between
    ticks.value += SYNC_SECONDS  # 90 s after the reading by the monotonic clock, about 0 s by the database's
    assert clock.time() == pytest.approx(database_now(store), abs=2)  # read again, not first + 90
    assert clock.now().tzinfo == dt.UTC


def test_a_database_out_of_reach_leaves_the_host_clock_standing_in(caplog: pytest.LogCaptureFixture) -> None:
    from bot.store.engine import Database

    clock = DatabaseClock(Database("postgresql://nobody@127.0.0.1:9/none", pool_timeout=1))
    assert clock.time() == pytest.approx(Clock().time(), abs=5)
    assert "Could not read the database's clock" in caplog.text


def test_schedulers_whose_host_clocks_differ_by_ten_minutes_judge_one_lease_alike(
    database_url: str, store: Store, cipher: TokenCipher, fake_toggl: FakeToggl
) -> None:
    """Two schedulers, one host 5 minutes behind and one 5 minutes ahead, and a 60-second lease: judged by
    their own clocks, the one ahead took the other's live lease over and both posted. Judged by the database's
    clock, which is what the runners use, it stays with its holder."""
    sub = store.subscriptions.subscribe("T1", "C1", "U1", cadence="daily", weekday=None, at_time="09:00", timezone="UTC")
    hosts = []
    for offset in (-300, 300):
        host_store = Store(database_url, clock=SkewedClock(offset))
        hosts.append(Service(host_store, cipher, TogglClients(fake_toggl.url, clock=host_store.clock)))
    behind, ahead = (Claims(host.subscriptions.leases, host.schedule_clock, lease_seconds=60) for host in hosts)
    assert isinstance(hosts[0].schedule_clock, DatabaseClock)
    assert abs(hosts[0].schedule_clock.time() - hosts[1].schedule_clock.time()) < 2
    assert abs(hosts[0].clock.time() - hosts[1].clock.time()) > 590

    assert behind.leases.claim(sub.id, "2031-03-03T09:00Z", behind.owner, 60)
    assert not ahead.leases.claim(sub.id, "2031-03-03T09:00Z", ahead.owner, 60)  # the lease is live

    # What happened before: the same claim judged by the host's own clock, ten minutes ahead of the holder's.
    by_host_clock = Claims(hosts[1].subscriptions.leases, hosts[1].clock, lease_seconds=60)
    assert by_host_clock.leases.claim(sub.id, "2031-03-03T09:00Z", by_host_clock.owner, 60)
    for host in hosts:
        host.database.dispose()
