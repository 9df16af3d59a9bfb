"""Issue 23: the door acknowledges `/toggl` itself, once its signature and hold are committed, and Bolt dispatches
it afterwards (`bot.doors.after_ack`): each ack of a burst no longer waits behind the dispatches before it.

What must hold: the ack comes before Bolt runs, the command is still answered (and its hold taken and let go),
a full dispatch pool falls back to Bolt before the ack, and whatever Bolt answers instead of an empty ack reaches
the person at the command's `response_url`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from slack_bolt.response import BoltResponse

from bot.app import create_app
from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.doors import wsgi_app
from bot.doors.after_ack import TROUBLE, AfterAck, instead_of_ack
from bot.handover import Handover
from bot.service import Service
from bot.settings import Settings
from bot.store.held import HeldAnswers
from bot.store.schema import held_answers
from bot.work import WorkPool
from handlers.commands import COMMAND
from tests.fakes.app import oauth_settings_for, settings_for
from tests.fakes.server import WSGILoopback
from tests.fakes.signing import SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl


@contextmanager
def served(service: Service, settings: Settings, handover: Handover, dispatch: WorkPool) -> Iterator[tuple[str, WorkPool]]:
    """The app behind its doors on loopback, dispatching `/toggl` after the ack on `dispatch`; the URL and the
    answers pool."""
    pool, side = WorkPool(workers=2), WorkPool(workers=2)
    app = create_app(settings, service=service, pool=pool, side=side, handover=handover)
    after_ack = AfterAck(app, dispatch, commands=frozenset({COMMAND}), release=handover.done)
    try:
        with WSGILoopback(wsgi_app(app, service, settings, handover=handover, after_ack=after_ack)) as server:
            yield server.url + "/slack/events", pool
    finally:
        for each in (dispatch, pool, side):
            each.shutdown(wait=True)


def holds(service: Service) -> list[str]:
    with service.database.read() as conn:
        return list(conn.execute(sa.select(held_answers.c.id)).scalars())


def test_the_door_acks_before_bolt_runs_and_the_command_is_still_answered(
    service: Service, cipher: TokenCipher, clock: FrozenClock, fake_slack: FakeSlack, fake_toggl: FakeToggl
) -> None:
    handover = Handover(HeldAnswers(service.database, clock), cipher, lease_seconds=30)
    settings = settings_for(fake_slack, fake_toggl, service.database.url.render_as_string(hide_password=False))
    dispatch = WorkPool(workers=1, max_pending=2)
    gate = threading.Event()
    dispatch.submit(gate.wait, 30)  # Bolt's dispatches wait behind it
    with served(service, settings, handover, dispatch) as (url, pool):
        first = SlackSender(url, fake_slack.hook("first")).command("help")
        assert first.status_code == 200 and first.text == ""
        assert fake_slack.of("/hooks/first") == [] and len(holds(service)) == 1  # acknowledged, held, not yet run

        # The dispatch pool is full (one running, one waiting): the next command goes through Bolt before its ack.
        second = SlackSender(url, fake_slack.hook("second")).command("help")
        assert second.status_code == 200
        fake_slack.wait_for_calls("/hooks/second", timeout=10)
        assert fake_slack.of("/hooks/first") == []

        gate.set()
        (answer,) = fake_slack.wait_for_calls("/hooks/first", timeout=10)
        assert answer.body.get("response_type") == "ephemeral" and answer.body.get("text")
        assert dispatch.wait_idle(timeout=10) and pool.wait_idle(timeout=10)
    assert holds(service) == []  # the listener took the door's hold, and let go of it once answered


def test_a_command_bolt_refuses_after_the_ack_is_told_why_and_leaves_no_hold(
    service: Service,
    cipher: TokenCipher,
    clock: FrozenClock,
    fake_slack: FakeSlack,
    fake_toggl: FakeToggl,
    database_url: str,
) -> None:
    """OAuth mode, a workspace without an installation: Bolt's authorize answers instead of the listener, after
    the door's ack; the person still reads "no longer installed", and no hold is left to be taken over."""
    settings = oauth_settings_for(fake_slack, fake_toggl, database_url)
    held = HeldAnswers(service.database, clock)
    handover, other = Handover(held, cipher, lease_seconds=30), Handover(held, cipher, lease_seconds=30)
    dispatch = WorkPool(workers=1)
    with served(service, settings, handover, dispatch) as (url, pool):
        ack = SlackSender(url, fake_slack.hook("hook-T9"), team_id="T9").command("projects")
        assert ack.status_code == 200 and ack.text == ""
        (reply,) = fake_slack.wait_for_calls("/hooks/hook-T9", timeout=10)
        assert "no longer installed" in reply.body["text"]  # Bolt's `respond`: ephemeral, Slack's default there
        assert dispatch.wait_idle(timeout=10) and pool.wait_idle(timeout=10)
    clock.advance(seconds=120)  # this instance died (a deploy): its holds' leases run out
    assert holds(service) == [] and other.take_over() == []


@pytest.mark.parametrize(
    ("response", "told"),
    [
        (BoltResponse(status=200, body=""), None),
        (BoltResponse(status=200, body="Not installed here."), {"text": "Not installed here."}),
        (BoltResponse(status=200, body='{"text": "hi", "response_type": "x"}'), {"text": "hi", "response_type": "x"}),
        (BoltResponse(status=200, body="[1]"), {"text": "[1]"}),
        (BoltResponse(status=500, body=""), {"text": TROUBLE}),
        (BoltResponse(status=404, body="not found"), {"text": TROUBLE}),
        (None, {"text": TROUBLE}),
    ],
)
def test_what_bolt_answers_instead_of_an_empty_ack_is_passed_on(
    response: BoltResponse | None, told: dict[str, object] | None
) -> None:
    assert instead_of_ack(response) == told


def test_an_acked_command_never_shows_its_words_in_a_repr() -> None:
    from bot.doors.after_ack import Acked

    acked = Acked(body="text=connect+feedc0de", query="", headers={"x": "y"}, held="h1", response_url="https://hooks/x")
    assert "feedc0de" not in repr(acked) and "hooks" not in repr(acked)
