"""Sending the weekly summary and the workday reminder: due slots, once however many runners, only when
nothing was tracked, the week before in the person's week, and failures that pause rather than repeat.
Every test runs in each era of `tests.clocks`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.app import scheduled_tick
from bot.digest.runner import DigestRunner
from bot.personal.runner import PersonalRunner
from bot.service import Service
from bot.slack import SlackGateway
from bot.store.personal import Kind
from tests.blockkit import all_text, assert_valid_message
from tests.clocks import ERA_IDS, ERAS, berlin
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world

H = 3600


@pytest.fixture(params=ERAS, ids=ERA_IDS)
def base_time(request: pytest.FixtureRequest) -> dt.datetime:
    return request.param


@pytest.fixture
def ada(fake_toggl: FakeToggl, service: Service) -> dict:
    world = standard_world(fake_toggl)
    service.accounts.connect("T1", "U1", world["token"])
    return world


def runner(service: Service, slack: FakeSlack) -> PersonalRunner:
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=slack.api_url))
    service = service.with_slack(gateway)
    return PersonalRunner(service, gateway)


def opt_in(service: Service, kind: Kind, **schedule: Any) -> int:
    """Opt in as of the Saturday before the era's Monday (the store stamps `created_at` with the clock)."""
    now = service.clock.now()
    service.clock.set(berlin(now, -2, "12:00"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    try:
        settings = {"weekday": None, "timezone": "Europe/Berlin", **schedule}
        return service.personal.set("T1", "U1", kind, **settings).id
    finally:
        service.clock.set(now)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock


def dms(slack: FakeSlack) -> list[dict]:
    found = [c.body for c in slack.of("chat.postMessage") if c.body["channel"] == "U1"]
    for body in found:
        assert_valid_message(body)
    return found


def test_a_reminder_when_nothing_was_tracked_is_sent_once(
    ada: dict, service: Service, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    opt_in(service, "reminder", cadence="weekdays", at_time="17:30")
    service.clock.set(berlin(base_time, 0, "17:31"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    first, second = runner(service, fake_slack), runner(service, fake_slack)
    (outcome,) = first.run_due()
    assert outcome.status == "sent" and second.run_due() == [] and first.run_due() == []
    (dm,) = dms(fake_slack)
    assert "You have not tracked any time today" in all_text(dm) and "`remind off`" in all_text(dm)


def test_no_reminder_when_time_was_tracked_or_a_timer_runs(
    ada: dict, service: Service, fake_toggl: FakeToggl, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    opt_in(service, "reminder", cadence="weekdays", at_time="17:30")
    start = berlin(base_time, 0, "10:00")
    fake_toggl.add_time_entry(ada["token"], ada["wid"], "Work", start, start + dt.timedelta(hours=1))
    service.clock.set(berlin(base_time, 0, "17:31"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    (outcome,) = runner(service, fake_slack).run_due()
    assert outcome.status == "skipped" and dms(fake_slack) == []
    fake_toggl.add_time_entry(ada["token"], ada["wid"], "Overnight", berlin(base_time, 0, "23:00"))  # runs past midnight
    service.clock.set(berlin(base_time, 1, "17:31"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    (outcome,) = runner(service, fake_slack).run_due()
    assert outcome.status == "skipped" and dms(fake_slack) == []


def test_no_reminder_at_the_weekend_or_beyond_the_grace(
    ada: dict, service: Service, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    opt_in(service, "reminder", cadence="weekdays", at_time="17:30")
    service.clock.set(berlin(base_time, 4, "20:00"))  # type: ignore[attr-defined]  # FrozenClock; Friday, two and a half hours late
    (outcome,) = runner(service, fake_slack).run_due()
    assert outcome.status == "skipped" and "missed slot" in outcome.detail
    service.clock.set(berlin(base_time, 5, "17:31"))  # type: ignore[attr-defined]  # FrozenClock; Saturday: no slot of its own
    assert runner(service, fake_slack).run_due() == [] and dms(fake_slack) == []


def test_the_weekly_summary_covers_the_week_before(
    ada: dict, service: Service, fake_toggl: FakeToggl, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    opt_in(service, "summary", cadence="weekly", weekday=0, at_time="09:00")
    last_tuesday = berlin(base_time, -6, "10:00")
    website = ada["website"]["id"]
    fake_toggl.add_time_entry(ada["token"], ada["wid"], "Work", last_tuesday, last_tuesday + dt.timedelta(hours=2),
                              project_id=website, billable=True)  # fmt: skip
    this_monday = berlin(base_time, 0, "08:00")
    fake_toggl.add_time_entry(ada["token"], ada["wid"], "Too new", this_monday, this_monday + dt.timedelta(hours=1))
    fake_toggl.requests.clear()
    service.clock.set(berlin(base_time, 0, "09:01"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    (outcome,) = runner(service, fake_slack).run_due()
    assert outcome.status == "sent"
    (dm,) = dms(fake_slack)
    text = all_text(dm)
    start, end = berlin(base_time, -7).date(), berlin(base_time, -1).date()
    assert f"Last week, Mon {start.day}" in text and f"Sun {end.day}" in text
    assert "*2 h* tracked · 2 h billable (100%)" in text and "Website redesign" in text
    assert "every Monday at 09:00 (Europe/Berlin)" in text and "`summary weekly off`" in text
    assert fake_toggl.count("/summary/time_entries") == 1 and fake_toggl.count("/api/v9/me") == 0


def test_a_rejected_token_pauses_the_messages_and_says_so_once(
    ada: dict, service: Service, fake_toggl: FakeToggl, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    opt_in(service, "reminder", cadence="weekdays", at_time="17:30")
    del fake_toggl.people[ada["token"]]
    service.clock.set(berlin(base_time, 0, "17:31"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    (outcome,) = runner(service, fake_slack).run_due()
    assert outcome.status == "paused"
    (dm,) = dms(fake_slack)
    assert "paused: Toggl no longer accepts your token" in all_text(dm)
    service.clock.set(berlin(base_time, 1, "17:31"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    assert runner(service, fake_slack).run_due() == [] and len(dms(fake_slack)) == 1


def test_the_scheduler_tick_runs_digests_and_personal_messages(
    ada: dict, service: Service, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    opt_in(service, "reminder", cadence="weekdays", at_time="17:30")
    now = service.clock.now()
    service.clock.set(berlin(now, -2, "12:00"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    service.subscriptions.subscribe("T1", "C1", "U1", cadence="daily", weekday=None, at_time="15:00", timezone="UTC")
    service.clock.set(berlin(base_time, 0, "17:31"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    personal = runner(service, fake_slack)
    scheduled_tick(DigestRunner(service, personal.slack), personal)()
    channels = sorted(c.body["channel"] for c in fake_slack.of("chat.postMessage"))
    assert channels == ["C1", "U1"]


def test_moving_the_reminder_later_the_same_day_sends_no_second_one(
    ada: dict, service: Service, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    """Found in review: sent at 17:30, moved to 17:40 at 17:45, a second reminder came that day."""
    opt_in(service, "reminder", cadence="weekdays", at_time="17:30")
    service.clock.set(berlin(base_time, 0, "17:31"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    (sent,) = runner(service, fake_slack).run_due()
    assert sent.status == "sent"
    service.clock.set(berlin(base_time, 0, "17:45"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    service.personal.set("T1", "U1", "reminder", cadence="weekdays", weekday=None, at_time="17:40",
                               timezone="Europe/Berlin")  # fmt: skip
    service.clock.set(berlin(base_time, 0, "17:46"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    assert [o.status for o in runner(service, fake_slack).run_due()] in ([], ["skipped"])
    assert len(dms(fake_slack)) == 1
    service.clock.set(berlin(base_time, 1, "17:41"))  # type: ignore[attr-defined]  # FrozenClock; the next day at the new time
    assert [o.status for o in runner(service, fake_slack).run_due()] == ["sent"]
