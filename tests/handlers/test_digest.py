"""The `digest ...` words through `/toggl`: subscribe, list, preview, settings, and who may change what."""

from __future__ import annotations

from tests.blockkit import all_text, assert_valid_message
from tests.fakes.app import Running


def say(running: Running, words: str, user: str = "U1", hook: str = "r1", count: int = 1) -> str:
    running.send.command(words, user=user, response_url=running.slack.hook(hook))
    replies = running.slack.wait_for_calls(f"/hooks/{hook}", count)
    assert_valid_message(replies[-1].body)
    return all_text(replies[-1].body)


def test_subscribe_uses_the_slack_time_zone_and_announces_itself(running: Running, ada: dict) -> None:
    running.slack.users["U1"] = {"id": "U1", "tz": "America/Chicago", "is_admin": False}
    text = say(running, "digest subscribe weekly fri at 16:00")
    assert "every Fri at 16:00 (America/Chicago)" in text and "next one is due Fri" in text
    (announcement,) = running.slack.wait_for_calls("chat.postMessage")
    assert announcement.body["channel"] == "C1" and "<@U1> subscribed this channel" in all_text(announcement.body)
    sub = running.service.store.subscription("T1", "C1", "U1")
    assert sub is not None and (sub.cadence, sub.weekday, sub.at_time, sub.timezone) == (
        "weekly",
        4,
        "16:00",
        "America/Chicago",
    )


def test_subscribing_where_the_bot_cannot_post_says_how_to_invite_it(running: Running, ada: dict) -> None:
    running.slack.fail("chat.postMessage", "not_in_channel")
    text = say(running, "digest subscribe daily at 08:00 UTC")
    assert "/invite @Toggl" in text
    assert running.service.store.subscription("T1", "C1", "U1") is not None


def test_list_preview_and_settings(running: Running, ada: dict) -> None:
    say(running, "digest subscribe weekdays")
    assert "<@U1>: weekdays at 09:00 (Europe/Berlin) · warns from 80%" in say(running, "digest list", count=2)
    assert "from 60% of their estimate" in say(running, "digest threshold 60", count=3)
    assert "Muted *Website redesign*" in say(running, "digest mute website", count=4)
    assert "skipped when there is nothing" in say(running, "digest empty skip", count=5)
    listed = say(running, "digest list", count=6)
    assert "warns from 60%" in listed and "muted: Website redesign" in listed and "skips empty" in listed
    assert "Unmuted *Website redesign*: the digest shows it again" in say(running, "digest unmute website", count=7)
    preview = running.slack.of("/hooks/r1")
    text = say(running, "digest preview", count=8)
    assert "Toggl budget digest" in text and len(preview) == 7
    assert running.slack.of("/hooks/r1")[-1].body["response_type"] == "ephemeral"


def test_only_the_subscriber_or_an_admin_changes_a_subscription(running: Running, ada: dict) -> None:
    say(running, "digest subscribe weekdays")
    running.toggl.add_person("bo-token", name="Bo Diddley")
    running.service.connect("T1", "U2", "bo-token")
    # It answered "Only <@U1>, who subscribed, or a workspace admin can change that digest."
    assert "You have no digest in this channel" in say(running, "digest unsubscribe", user="U2", hook="bo")
    assert "You have no digest in this channel" in say(running, "digest threshold 50", user="U2", hook="bo", count=2)
    assert "Only <@U1>, who subscribed, or a workspace admin" in say(
        running, "digest unsubscribe 1", user="U2", hook="bo", count=3
    )
    running.slack.users["U3"] = {"id": "U3", "tz": "UTC", "is_admin": True}
    running.toggl.add_person("cy-token", name="Cy Admin")
    running.service.connect("T1", "U3", "cy-token")
    assert "Unsubscribed <@U1>'s digest" in say(running, "digest unsubscribe 1", user="U3", hook="cy")
    assert running.service.store.channel_subscriptions("T1", "C1") == []


def test_mistakes_get_a_reason_and_the_usage(running: Running, ada: dict) -> None:
    assert "not a time zone I know" in say(running, "digest subscribe Mars/Olympus")
    assert "is not a time" in say(running, "digest subscribe at 25:00", count=2)
    assert "Usage:" in say(running, "digest frobnicate", count=3)
    assert "no digest" in say(running, "digest unsubscribe", count=4)
    assert running.service.store.channel_subscriptions("T1", "C1") == []


def test_digest_words_need_a_connected_account(running: Running) -> None:
    assert "not connected your Toggl account" in say(running, "digest subscribe", user="U9")
