"""The Slack gateway at the point of no return: once Slack accepts a post, nothing on our side turns it into a
failure (a failure would make the caller post it again).

Finding: a 0.3-second PostgreSQL restart turned 41 posted digests into `failed`, because the gateway noted
Slack's acceptance in the database after the post and let that error through.
"""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.slack import SlackGateway
from bot.store import Store
from tests.fakes.slack import FakeSlack


def test_a_post_slack_accepted_stays_posted_when_the_database_fails_right_after(
    store: Store, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url), store.slack)

    def database_goes_away() -> None:  # while Slack takes the post, the table the acceptance is noted in goes
        with store.db.write() as conn:
            conn.execute(sa.text("ALTER TABLE bot_refusals RENAME TO bot_refusals_away"))

    fake_slack.on_receipt["chat.postMessage"] = database_goes_away
    caplog.set_level(logging.WARNING)
    ts = gateway.post("T1", "C1", {"text": "the digest"})
    assert ts and len(fake_slack.of("chat.postMessage")) == 1
    assert "could not be noted" in caplog.text


def test_a_post_goes_ahead_when_the_database_cannot_say_whether_slack_refuses_the_bot(
    store: Store, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by `bench.storms`: a PostgreSQL restart between marking a digest `posting` and the post made the
    refusal check raise, so the post was never made, and the slot, never posted again, was lost (3 of 300)."""
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url), store.slack)
    with store.db.write() as conn:
        conn.execute(sa.text("ALTER TABLE bot_refusals RENAME TO bot_refusals_away"))
    caplog.set_level(logging.WARNING)
    assert gateway.post("T1", "C1", {"text": "the digest"})
    assert len(fake_slack.of("chat.postMessage")) == 1
    assert "calling anyway" in caplog.text


def test_slack_refusing_the_bot_while_the_database_is_down_is_still_a_refusal(
    store: Store, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Keeping the refusal failed with a database error, which callers took for passing weather and tried again
    for ever; it is Slack's refusal, whatever the database says."""
    from bot.slack import BotRefused

    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url), store.slack)
    with store.db.write() as conn:
        conn.execute(sa.text("ALTER TABLE bot_refusals RENAME TO bot_refusals_away"))
    fake_slack.fail("chat.postMessage", "invalid_auth")
    caplog.set_level(logging.WARNING)
    with pytest.raises(BotRefused):
        gateway.post("T1", "C1", {"text": "the digest"})
    assert "Slack refuses the bot token of workspace T1" in caplog.text
