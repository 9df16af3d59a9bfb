"""Direct messages and mentions: same words as /toggl, answered where only the asker sees them."""

from __future__ import annotations

import pytest

from tests.blockkit import all_text, assert_valid_message
from tests.fakes.app import Running


def test_a_dm_is_answered_in_the_dm(running: Running, ada: dict) -> None:
    assert running.send.dm("tasks website").status_code == 200
    (post,) = running.slack.wait_for_calls("chat.postMessage")
    assert_valid_message(post.body)
    assert post.body["channel"] == "D1"
    assert "5 h 30 min of 10 h" in all_text(post.body)


def test_a_mention_is_answered_ephemerally_to_the_asker(running: Running, ada: dict) -> None:
    running.send.mention("projects")
    (post,) = running.slack.wait_for_calls("chat.postEphemeral")
    assert_valid_message(post.body)
    assert post.body["channel"] == "C1" and post.body["user"] == "U1"
    assert "1–40 of 450" in all_text(post.body)
    assert running.slack.of("chat.postMessage") == []  # nothing public


def test_a_token_pasted_in_a_channel_is_never_used(running: Running) -> None:
    running.toggl.add_person("0123456789abcdef0123456789abcdef")
    running.send.mention("connect 0123456789abcdef0123456789abcdef")
    (post,) = running.slack.wait_for_calls("chat.postEphemeral")
    assert "never paste your Toggl token in a channel" in all_text(post.body)
    assert running.toggl.count() == 0
    assert running.service.store.people.get("T1", "U1") is None


def test_mention_falls_back_to_a_dm_when_slack_refuses_the_ephemeral(running: Running, ada: dict) -> None:
    running.slack.fail("chat.postEphemeral", "channel_not_found")
    running.send.mention("me")
    (post,) = running.slack.wait_for_calls("chat.postMessage")
    assert post.body["channel"] == "U1" and "Ada Lovelace" in all_text(post.body)


@pytest.mark.parametrize(
    "extra",
    [
        {"subtype": "message_changed"},
        {"bot_id": "B2"},
        {"user": "UBOT"},
        {"subtype": "bot_message"},
        {"channel_type": "channel"},
    ],
)
def test_bots_edits_and_our_own_messages_are_ignored(running: Running, ada: dict, extra: dict) -> None:
    running.send.dm("projects", **extra)
    running.send.dm("me", event_id="Ev-sentinel")  # a later real message proves the first was passed over
    (post,) = running.slack.wait_for_calls("chat.postMessage")
    assert "Ada Lovelace" in all_text(post.body)
    assert len(running.slack.of("chat.postMessage")) == 1


def test_a_resent_event_is_answered_once(running: Running, ada: dict) -> None:
    running.send.dm("me", event_id="EvSame")
    running.send.dm("me", event_id="EvSame")
    running.send.dm("help", event_id="EvOther")
    posts = running.slack.wait_for_calls("chat.postMessage", 2)
    assert sorted("Ada Lovelace" in all_text(p.body) for p in posts) == [False, True]
    assert len(running.slack.of("chat.postMessage")) == 2


def test_dm_connect_offers_a_button_as_no_form_can_open_there(running: Running) -> None:
    running.send.dm("connect")
    (post,) = running.slack.wait_for_calls("chat.postMessage")
    assert "connect_open" in str(post.body["blocks"])


def test_hi_in_a_dm_gets_a_short_welcome_with_buttons(running: Running) -> None:
    """`hi` in a DM got the 13-line help."""
    running.send.dm("hi")
    (post,) = running.slack.wait_for_calls("chat.postMessage")
    assert_valid_message(post.body)
    text = all_text(post.body)
    assert "`projects`" in text and "`tasks <project>`" in text and "`digest subscribe`" in text
    assert "Here is what I understand" not in text and "connect_open" in str(post.body["blocks"])


def test_a_token_pasted_in_a_dm_works_and_the_person_is_asked_to_delete_it(running: Running) -> None:
    running.toggl.add_person("0123456789abcdef0123456789abcdef")
    running.send.dm("connect 0123456789abcdef0123456789abcdef")
    (post,) = running.slack.wait_for_calls("chat.postMessage")
    text = all_text(post.body)
    assert "Connected to Toggl as *Ada Lovelace*" in text and "please delete it" in text
    running.send.command("connect 0123456789abcdef0123456789abcdef")  # a slash command is not kept in the conversation
    (reply,) = running.slack.wait_for_calls("/hooks/r1")
    assert "please delete it" not in all_text(reply.body)
