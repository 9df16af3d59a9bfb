"""A process still on the old key during `rotate-key` (issue 17, the key-rotation storm).

The storm trial rotated the key while one scheduler still ran with only the old key: it could not decrypt any
token, took that for "the person must reconnect", paused every subscription it ran and told each owner to
reconnect, although their tokens were fine. Cannot read a token is the operator's problem (a key missing
here), not the person's: the process says so at ERROR, leaves the slot for a process that has the key, pauses
nothing and tells nobody to reconnect. Toggl rejecting a token still asks its owner to reconnect.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient

from bot.answers import answer
from bot.clock import FrozenClock
from bot.commands import ListProjects
from bot.crypto import TokenCipher
from bot.digest.runner import DigestRunner
from bot.identity import Asker
from bot.personal.runner import PersonalRunner
from bot.rotation import rotate_tokens
from bot.service import Service
from bot.slack import SlackGateway
from bot.store import Store
from bot.toggl import TogglClients
from tests.blockkit import all_text
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world

OLD, NEW = Fernet.generate_key(), Fernet.generate_key()


def process(store: Store, keys: list[bytes], toggl: FakeToggl, slack: FakeSlack, clock: FrozenClock) -> Service:
    """One process over the shared database, holding only `keys`, as a scheduler started with them would."""
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=slack.api_url))
    return Service(store, TokenCipher(keys), TogglClients(toggl.url, clock=clock)).with_slack(gateway)


def runners(service: Service) -> tuple[DigestRunner, PersonalRunner]:
    assert service.slack is not None
    return DigestRunner(service, service.slack), PersonalRunner(service, service.slack)


@pytest.fixture
def rotated(store: Store, clock: FrozenClock, fake_toggl: FakeToggl, fake_slack: FakeSlack) -> dict:
    """Ada connected under the old key two days ago, with a 09:00 digest and reminder; then `rotate-key` ran."""
    world = standard_world(fake_toggl)
    now = clock.now()
    clock.set(now - dt.timedelta(days=2))
    before = process(store, [OLD], fake_toggl, fake_slack, clock)
    before.accounts.connect("T1", "U1", world["token"])
    store.subscriptions.subscribe("T1", "C1", "U1", cadence="daily", weekday=None, at_time="09:00", timezone="UTC")
    store.personal.set("T1", "U1", "reminder", cadence="daily", weekday=None, at_time="09:00", timezone="UTC")
    clock.set(now.replace(hour=9, minute=5))  # both slots are due
    assert rotate_tokens(store, TokenCipher([NEW, OLD])) == (1, 0)
    fake_toggl.requests.clear()
    return world


def test_a_process_without_the_new_key_pauses_nobody_and_leaves_the_slots_to_one_that_has_it(
    rotated: dict,
    store: Store,
    clock: FrozenClock,
    fake_toggl: FakeToggl,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    old = process(store, [OLD], fake_toggl, fake_slack, clock)
    digests, personal = runners(old)
    with caplog.at_level(logging.ERROR):
        assert [o.status for o in digests.run_due()] == ["left"]
        assert [o.status for o in personal.run_due()] == ["left"]
        reply = answer(ListProjects(), Asker(team_id="T1", user_id="U1"), old)
    (message,) = reply.messages
    assert "connect" not in all_text(message).lower() and "try again" in all_text(message).lower()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and all("key" in e and "TOKEN_ENCRYPTION_KEY" in e for e in errors), errors
    assert fake_slack.of("chat.postMessage") == []  # nobody told to reconnect, nothing posted
    person = store.people.get("T1", "U1")
    assert person is not None and person.token_valid
    assert [s.paused_reason for s in store.subscriptions.all()] == [None]
    assert [s.paused_reason for s in store.personal.all()] == [None]
    assert fake_toggl.requests == []  # without a token, Toggl was not asked

    clock.advance(seconds=1)
    new = process(store, [NEW], fake_toggl, fake_slack, clock)
    digests, personal = runners(new)
    assert [o.status for o in digests.run_due()] == ["posted"]
    assert [o.status for o in personal.run_due()] in (["sent"], ["skipped"])
    assert [c.body["channel"] for c in fake_slack.of("chat.postMessage")].count("C1") == 1


def test_a_token_toggl_rejects_still_asks_its_owner_to_reconnect(
    rotated: dict, store: Store, clock: FrozenClock, fake_toggl: FakeToggl, fake_slack: FakeSlack
) -> None:
    new = process(store, [NEW, OLD], fake_toggl, fake_slack, clock)
    fake_toggl.people.pop(rotated["token"])  # Toggl no longer knows the token: 403
    digests, _ = runners(new)
    assert [o.status for o in digests.run_due()] == ["paused"]
    person = store.people.get("T1", "U1")
    assert person is not None and not person.token_valid
    (told,) = [c.body for c in fake_slack.of("chat.postMessage") if c.body["channel"] == "U1"]
    assert "/toggl connect" in all_text(told)
