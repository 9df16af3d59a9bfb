"""Digests survive crashes and bad rows: a killed run's slot is taken over once its lease runs out and posted
exactly once; a runner that lost its lease never posts; one unschedulable subscription fails alone."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.digest.runner import DigestRunner
from bot.service import Service
from bot.slack import SlackGateway
from bot.slots import ScheduleError, slot_key
from bot.store import Store
from bot.store.schema import subscriptions
from bot.toggl import TogglClients
from tests.blockkit import all_text
from tests.clocks import ONE_ERA, berlin
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world
from tests.test_cli import ROOT, run


def posts_to(slack: FakeSlack, channel: str) -> list[dict]:
    return [c.body for c in slack.of("chat.postMessage") if c.body["channel"] == channel]


def gateway(slack: FakeSlack) -> SlackGateway:
    return SlackGateway(WebClient(token="xoxb-test", base_url=slack.api_url))


@ONE_ERA
def test_a_killed_run_is_taken_over_when_its_lease_runs_out_and_posted_exactly_once(
    database_url: str, fake_toggl: FakeToggl, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """`kill -9` of `toggl-bot digest run` while it waits on a slow Toggl; the next run posts the slot once.

    The subprocesses run on the real clock, so the subscription is made due at the real time: a daily
    slot ten minutes ago, subscribed two days before. What is asserted holds on any date.
    """
    world = standard_world(fake_toggl)
    key = Fernet.generate_key()
    now = dt.datetime.now(dt.UTC)
    setup_clock = FrozenClock(now - dt.timedelta(days=2))
    store = Store(database_url, clock=setup_clock)
    store.migrate()
    service = Service(store, TokenCipher([key]), TogglClients(fake_toggl.url, clock=setup_clock))
    service.accounts.connect("T1", "U1", world["token"])
    due = (now - dt.timedelta(minutes=10)).strftime("%H:%M")
    sub = store.subscriptions.subscribe("T1", "C1", "U1", cadence="daily", weekday=None, at_time=due, timezone="UTC")
    env = {
        "DATABASE_URL": database_url,
        "TOKEN_ENCRYPTION_KEY": key.decode(),
        "TOGGL_API_URL": fake_toggl.url,
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "DIGEST_LEASE_SECONDS": "10",  # outlasts starting the `early` run below even on a busy machine (3 s did not)
    }
    fake_toggl.fail("/projects", kind="slow", delay=60)  # the first run hangs on Toggl, holding its claim

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_"))}
    first = subprocess.Popen(
        [sys.executable, "-m", "bot", "digest", "run"],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while store.subscriptions.leases.slots(sub.id) == [] and time.monotonic() < deadline:
            time.sleep(0.05)
        (claimed,) = store.subscriptions.leases.slots(sub.id)
        assert claimed.status == "claimed" and claimed.owner
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()

    early = run(["digest", "run"], tmp_path, **env)  # the lease still runs: nobody may take the slot yet
    assert "0 digests handled" in early.stdout, early.stderr
    time.sleep(max(0.0, (claimed.lease_expires_at or 0) - time.time()) + 0.2)
    second = run(["digest", "run"], tmp_path, **env)
    assert f"subscription {sub.id} in C1: posted" in second.stdout, second.stdout + second.stderr
    third = run(["digest", "run"], tmp_path, **env)
    assert "0 digests handled" in third.stdout

    assert len(posts_to(fake_slack, "C1")) == 1
    (slot,) = store.subscriptions.leases.slots(sub.id)
    assert slot.status == "posted" and slot.posted_ts == "1700000000.000100" and slot.attempts == 2
    assert slot.owner != claimed.owner
    store.db.dispose()


def test_a_runner_that_lost_its_lease_does_not_post(store: Store, clock: FrozenClock) -> None:
    sub = store.subscriptions.subscribe("T1", "C1", "U1", cadence="daily", weekday=None, at_time="09:00", timezone="UTC")
    key = slot_key(clock.now())
    assert store.subscriptions.leases.claim(sub.id, key, "slow runner", 60)
    assert not store.subscriptions.leases.claim(sub.id, key, "other runner", 60)  # the lease holds
    clock.advance(seconds=61)
    assert store.subscriptions.leases.claim(sub.id, key, "other runner", 60)  # ran out: taken over
    assert not store.subscriptions.leases.begin_post(sub.id, key, "slow runner", 60)  # so the slow one must not post
    assert not store.subscriptions.leases.finish(sub.id, key, "slow runner", "posted", posted_ts="1.1")
    assert store.subscriptions.leases.finish(sub.id, key, "other runner", "posted", posted_ts="2.2")
    clock.advance(seconds=600)
    assert not store.subscriptions.leases.claim(sub.id, key, "third runner", 60)  # posted is final
    assert store.subscriptions.leases.slot(sub.id, key).posted_ts == "2.2"  # type: ignore[union-attr]  # a None fails the test all the same


def test_a_slot_that_kills_its_runner_every_time_is_given_up(store: Store, clock: FrozenClock) -> None:
    sub = store.subscriptions.subscribe("T1", "C1", "U1", cadence="daily", weekday=None, at_time="09:00", timezone="UTC")
    key = slot_key(clock.now())
    taken = 0
    for attempt in range(6):
        taken += store.subscriptions.leases.claim(sub.id, key, f"runner {attempt}", 60)
        clock.advance(seconds=61)
    assert taken == 3


def test_an_unknown_time_zone_pauses_that_subscription_alone(
    fake_toggl: FakeToggl, service: Service, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    world = standard_world(fake_toggl)
    service.accounts.connect("T1", "U1", world["token"])
    clock = service.clock
    clock.set(berlin(base_time, -2, "12:00"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    healthy = service.subscriptions.subscribe(
        "T1", "C1", "U1", cadence="weekdays", weekday=None, at_time="09:00", timezone="Europe/Berlin"
    )
    with service.store.db.write() as conn:  # as a row written before zones were checked, or by a newer tzdata
        conn.execute(
            sa.insert(subscriptions).values(
                team_id="T1", channel_id="C2", user_id="U1", cadence="weekdays", weekday=None, at_time="09:00",
                timezone="Mars/Olympus_Mons", threshold=80, skip_empty=False, muted="[]",
                created_at=clock.stamp(), updated_at=clock.stamp(),
            )
        )  # fmt: skip
    clock.set(berlin(base_time, 0, "09:30"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    slack = gateway(fake_slack)
    service = service.with_slack(slack)
    outcomes = {o.channel_id: o.status for o in DigestRunner(service, slack).run_due()}
    assert outcomes == {"C1": "posted", "C2": "paused"}
    assert len(posts_to(fake_slack, "C1")) == 1
    (dm,) = posts_to(fake_slack, "U1")
    assert "Mars/Olympus_Mons" in all_text(dm) and "is not known to this server" in all_text(dm)
    assert service.subscriptions.get("T1", "C1", "U1").paused_reason is None  # type: ignore[union-attr]  # a None fails the test all the same
    assert healthy.id in [s.id for s in service.subscriptions.all() if not s.paused_reason]
    assert DigestRunner(service, slack).run_due() == []  # paused: nobody is told twice


def test_every_write_path_refuses_a_schedule_it_could_not_compute(store: Store) -> None:
    good: dict[str, Any] = {"cadence": "daily", "weekday": None, "at_time": "09:00", "timezone": "UTC"}
    for bad in ({"timezone": "Mars/Olympus_Mons"}, {"at_time": "25:61"}, {"cadence": "hourly"}, {"cadence": "weekly"}):
        with pytest.raises(ScheduleError):
            store.subscriptions.subscribe("T1", "C1", "U1", **{**good, **bad})
    assert store.subscriptions.all() == []


def test_slack_out_of_reach_fails_each_digest_alone_and_the_run_ends(
    fake_toggl: FakeToggl, service: Service, base_time: dt.datetime
) -> None:
    """Found in review: a connection error from the DM of a failure escaped and ended the whole run."""
    world = standard_world(fake_toggl)
    bo = fake_toggl.add_person("b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", name="Bo Diddley")
    service.accounts.connect("T1", "U1", world["token"])
    service.accounts.connect("T1", "U2", bo.token)
    service.clock.set(berlin(base_time, -2, "12:00"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    for channel, user in (("C1", "U1"), ("C2", "U2")):
        service.subscriptions.subscribe("T1", channel, user, cadence="daily", weekday=None, at_time="09:00",
                                              timezone="Europe/Berlin")  # fmt: skip
    service.clock.set(berlin(base_time, 0, "09:30"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    retry_at_once = ConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0))  # not 0.5 s+
    nowhere = SlackGateway(WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", retry_handlers=[retry_at_once]))
    outcomes = DigestRunner(service, nowhere).run_due()
    assert sorted(o.channel_id for o in outcomes) == ["C1", "C2"] and {o.status for o in outcomes} == {"failed"}
    for sub in service.subscriptions.all():
        assert [s.status for s in service.subscriptions.leases.slots(sub.id)] == ["failed"]


def test_a_slot_given_up_is_failed_logged_and_told_not_left_claimed(
    fake_toggl: FakeToggl, service: Service, fake_slack: FakeSlack, base_time: dt.datetime,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """Found in review: after three takeovers, or a lease that ran out past the grace period, a slot stayed
    `claimed` for ever, and nobody heard of it."""
    world = standard_world(fake_toggl)
    service.accounts.connect("T1", "U1", world["token"])
    clock = service.clock
    clock.set(berlin(base_time, -2, "12:00"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    daily = {"cadence": "daily", "weekday": None, "at_time": "09:00", "timezone": "Europe/Berlin"}
    first = service.subscriptions.subscribe("T1", "C1", "U1", **daily)  # type: ignore[arg-type]  # one schedule, two channels
    second = service.subscriptions.subscribe("T1", "C2", "U1", **daily)  # type: ignore[arg-type]  # one schedule, two channels
    slot = berlin(base_time, 0, "09:00")
    clock.set(berlin(base_time, 0, "09:05"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    key = slot_key(slot)
    for attempt in range(3):  # three runners claim C1's slot and die
        assert service.subscriptions.leases.claim(first.id, key, f"dead runner {attempt}", 60)
        clock.advance(seconds=61)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    assert service.subscriptions.leases.claim(second.id, key, "dead runner", 60)  # C2's runner dies once
    clock.set(berlin(base_time, 0, "11:30"))  # type: ignore[attr-defined]  # C2's lease ran out past the grace
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url))
    service = service.with_slack(gateway)
    outcomes = {o.channel_id: o.status for o in DigestRunner(service, gateway).run_due()}
    assert outcomes == {"C1": "failed", "C2": "failed"}
    assert [service.subscriptions.leases.slot(s.id, key).status for s in (first, second)] == ["failed", "failed"]  # type: ignore[union-attr]  # a None fails the test all the same
    assert len(posts_to(fake_slack, "U1")) == 2 and caplog.text.count("Gave up the") == 2
    assert DigestRunner(service, gateway).run_due() == []  # told once


def test_a_tick_with_nothing_to_do_writes_nothing(
    fake_toggl: FakeToggl, service: Service, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    """Found in review: every tick wrote once per subscription whose slot was past the grace, for ever."""
    clock = service.clock
    clock.set(berlin(base_time, -3, "12:00"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    for n in range(30):
        service.subscriptions.subscribe("T1", f"C{n}", "U1", cadence="daily", weekday=None, at_time="09:00",
                                              timezone="Europe/Berlin")  # fmt: skip
    clock.set(berlin(base_time, 0, "15:00"))  # type: ignore[attr-defined]  # FrozenClock; today's 09:00 is long past the grace
    runner = DigestRunner(service, SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url)))
    assert {o.status for o in runner.run_due()} == {"skipped"}  # recorded once
    writes: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    sa.event.listen(service.store.db.engine, "before_cursor_execute", count)
    for _ in range(3):
        clock.advance(minutes=1)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
        assert runner.run_due() == []
    sa.event.remove(service.store.db.engine, "before_cursor_execute", count)
    assert writes == []
