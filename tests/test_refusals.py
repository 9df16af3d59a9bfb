"""Slack refusing the bot (`invalid_auth`, `account_inactive`): logged once at ERROR, the workspace held and tried
again now and then, not a WARNING for every lost reply."""

from __future__ import annotations

import logging

import pytest
from slack_sdk import WebClient

from bot.clock import FrozenClock
from bot.digest.runner import DigestRunner
from bot.service import Service
from bot.slack import SlackGateway
from tests.fakes.app import Running
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world


def test_replies_slack_refuses_are_one_error_not_a_warning_each(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    running.slack.fail("chat.postMessage", "account_inactive", times=20)
    for n in range(5):
        assert running.send.dm("help", event_id=f"EvInactive{n}").status_code == 200
    running.slack.wait_for(lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) >= 5)
    running.settle()  # the last reply's failure is handled just after the fake answered it
    refusals = [r for r in caplog.records if "refuses the bot token" in r.getMessage()]
    assert [r.levelno for r in refusals] == [logging.ERROR]
    assert not [r for r in caplog.records if "did not take a reply" in r.getMessage()]


def test_a_refused_workspace_is_held_then_tried_again_and_accepted(
    fake_toggl: FakeToggl, service: Service, fake_slack: FakeSlack, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    world = standard_world(fake_toggl)
    service.connect("T1", "U1", world["token"])
    schedule = {"cadence": "daily", "weekday": None, "at_time": "09:00", "timezone": "UTC"}
    service.store.subscriptions.subscribe("T1", "C1", "U1", **schedule)
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url), service.store.slack)
    service.slack = gateway
    fake_slack.fail("chat.postMessage", "invalid_auth", times=50)

    (first,) = DigestRunner(service, gateway, service.store.subscriptions).run_forced()
    assert first.status == "failed" and "Slack refuses the bot token (invalid_auth)" in first.detail
    assert service.store.slack.refusals() == {"T1": "invalid_auth"}
    tried = len(fake_slack.of("chat.postMessage"))
    assert tried == 1  # and no DM attempt: it would be refused too

    clock.advance(minutes=5)
    (held,) = DigestRunner(service, gateway, service.store.subscriptions).run_forced()
    assert held.status == "failed" and len(fake_slack.of("chat.postMessage")) == tried  # Slack was not even asked

    fake_slack.errors.clear()  # the workspace renewed the app
    clock.advance(minutes=6)  # ten minutes on: one call may try again
    (back,) = DigestRunner(service, gateway, service.store.subscriptions).run_forced()
    assert back.status == "posted" and service.store.slack.refusals() == {}
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "refuses the bot token" in r.getMessage()]
    assert len(errors) == 1
    assert "accepts the bot token of workspace T1 again" in caplog.text
