"""The fault matrix: every command, and the digest, against each way Toggl can fail.

Each case ends in a clear sentence (never a trace, never silence), and the service answers the
next command normally afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from bot import buttons
from bot.answers import answer
from bot.clock import FrozenClock
from bot.commands import ListProjects, parse
from bot.crypto import TokenCipher
from bot.digest.runner import DigestRunner
from bot.identity import Asker
from bot.service import Service
from bot.slack import SlackGateway
from bot.store import Store
from bot.toggl import TogglClients
from tests.blockkit import all_text, assert_valid_message
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import NO_BACKOFF, FakeToggl, standard_world

ADA = Asker(team_id="T1", user_id="U1", channel_id="C1")
FRIENDLY = [
    "no longer accepts your API token",
    "connect again",
    "no access to that workspace",
    "hourly request limit for your account is used up",
    "hourly request limit for your own data",
    "plan does not include",
    "asking us to slow down",
    "Toggl is not answering right now",
    "does not exist",
    "Toggl could not do that",
]
FAULTS: dict[str, dict[str, Any]] = {
    "401": {"status": 401},
    "403": {"status": 403, "body": b"User does not have access to this resource."},
    "402 with quota headers": {"status": 402, "body": b"Quota exceeded"},
    "402 without quota headers": {"status": 402, "body": b"Payment required", "quota_headers": False},
    "429 storm": {"status": 429, "headers": {"Retry-After": "0"}},
    "500": {"status": 500},
    "503": {"status": 503, "headers": {"Retry-After": "0"}},
    "timeout": {"kind": "slow", "delay": 0.6},
    "connection reset": {"kind": "reset"},
    "truncated JSON": {"kind": "truncated"},
    "malformed JSON": {"kind": "malformed"},
}
COMMANDS = [
    *["projects", "tasks website", "workspaces", "workspace beta", "digest preview", "digest mute website"],
    *["start Writing project:website", "stop", "now", "today", "week"],
]


@pytest.fixture
def quick_service(store: Store, cipher: TokenCipher, fake_toggl: FakeToggl, clock: FrozenClock) -> Service:
    """Short timeouts, so a timeout case takes a second, not ten."""
    return Service(store, cipher, TogglClients(fake_toggl.url, clock=clock, timeout=(1.0, 0.3), retry=NO_BACKOFF))


def connected(fake: FakeToggl, service: Service) -> dict:
    world = standard_world(fake)
    service.accounts.connect("T1", "U1", world["token"])
    service.subscriptions.subscribe("T1", "C1", "U1", cadence="daily", weekday=None, at_time="09:00", timezone="UTC")
    return world


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("fault", FAULTS)
def test_every_command_meets_every_fault_with_a_sentence(
    fault: str, command: str, fake_toggl: FakeToggl, quick_service: Service
) -> None:
    connected(fake_toggl, quick_service)
    quick_service.reader.workspaces(quick_service.accounts.account(ADA), fresh=True)
    fake_toggl.fail("/api/", times=100, **FAULTS[fault])
    fake_toggl.fail("/reports/", times=100, **FAULTS[fault])
    reply = answer(parse(command), ADA, quick_service)
    assert reply.messages
    for message in reply.messages:
        assert_valid_message(message)
        assert "Traceback" not in all_text(message)
    assert any(sentence in all_text(m) for m in reply.messages for sentence in FRIENDLY), all_text(reply.messages[0])
    fake_toggl.faults.clear()
    assert "Here is what I understand" in all_text(answer(parse("help"), ADA, quick_service).messages[0])


def test_a_field_of_the_wrong_type_is_a_bad_response_not_a_crash(fake_toggl: FakeToggl, quick_service: Service) -> None:
    world = connected(fake_toggl, quick_service)
    fake_toggl.projects[world["wid"]][world["website"]["id"]]["estimated_seconds"] = "lots"
    (message,) = answer(parse("projects"), ADA, quick_service).messages
    assert "Toggl is not answering right now" in all_text(message)


def test_a_button_meets_a_fault_and_the_next_one_works(fake_toggl: FakeToggl, quick_service: Service) -> None:
    world = connected(fake_toggl, quick_service)
    fake_toggl.fail("/projects", status=500, times=100)
    page_two = buttons.to_command(buttons.ProjectsPage(ws=world["wid"], page=2))
    assert page_two is not None
    (message,) = answer(page_two, ADA, quick_service).messages
    assert "Toggl is not answering right now" in all_text(message)
    fake_toggl.faults.clear()
    (message,) = answer(ListProjects(page=1), ADA, quick_service).messages
    assert "Projects" in all_text(message)


@pytest.mark.parametrize("fault", FAULTS)
def test_the_digest_meets_every_fault_and_tells_the_subscriber(
    fault: str, fake_toggl: FakeToggl, quick_service: Service, fake_slack: FakeSlack
) -> None:
    connected(fake_toggl, quick_service)
    quick_service.store.cache.clear("T1", "U1")  # /me and the workspace list must come from Toggl too
    fake_toggl.fail("/api/", times=100, **FAULTS[fault])
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url))
    quick_service.clock.advance(days=1)  # type: ignore[attr-defined]  # FrozenClock; past every freshness window
    (outcome,) = DigestRunner(quick_service, gateway).run_forced()
    assert outcome.status in ("failed", "paused")
    (dm,) = fake_slack.of("chat.postMessage")
    assert dm.body["channel"] == "U1" and "could not be posted" in all_text(dm.body)


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
def test_slack_refusing_the_digest_post_is_told_by_dm(
    error: str, fake_toggl: FakeToggl, quick_service: Service, fake_slack: FakeSlack
) -> None:
    connected(fake_toggl, quick_service)
    fake_slack.fail("chat.postMessage", error)
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url))
    (outcome,) = DigestRunner(quick_service, gateway).run_forced()
    assert outcome.status == "failed" and error in outcome.detail
    dm = fake_slack.of("chat.postMessage")[-1]
    assert dm.body["channel"] == "U1" and "/invite @Toggl" in all_text(dm.body)


def test_slack_rate_limiting_the_post_is_waited_out(
    fake_toggl: FakeToggl, quick_service: Service, fake_slack: FakeSlack
) -> None:
    connected(fake_toggl, quick_service)
    fake_slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "1"})
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url, retry_handlers=_rate_limit_retry()))
    (outcome,) = DigestRunner(quick_service, gateway).run_forced()
    assert outcome.status == "posted"
    assert len(fake_slack.of("chat.postMessage")) == 2  # refused once, then posted


def _rate_limit_retry() -> list:
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    return [RateLimitErrorRetryHandler(max_retry_count=2)]
