"""The `digest ...` words through `/toggl`: subscribe, list, preview, settings, and who may change what."""

from __future__ import annotations

from bot import buttons
from tests.blockkit import all_text, assert_valid_message, assert_valid_view, elements_of
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
    sub = running.service.subscriptions.get("T1", "C1", "U1")
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
    assert running.service.subscriptions.get("T1", "C1", "U1") is not None


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
    running.toggl.add_person("b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", name="Bo Diddley")
    running.service.accounts.connect("T1", "U2", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0")
    # It answered "Only <@U1>, who subscribed, or a workspace admin can change that digest."
    assert "You have no digest in this channel" in say(running, "digest unsubscribe", user="U2", hook="bo")
    assert "You have no digest in this channel" in say(running, "digest threshold 50", user="U2", hook="bo", count=2)
    assert "Only <@U1>, who subscribed, or a workspace admin" in say(
        running, "digest unsubscribe 1", user="U2", hook="bo", count=3
    )
    running.slack.users["U3"] = {"id": "U3", "tz": "UTC", "is_admin": True}
    running.toggl.add_person("c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", name="Cy Admin")
    running.service.accounts.connect("T1", "U3", "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1")
    assert "Unsubscribed <@U1>'s digest" in say(running, "digest unsubscribe 1", user="U3", hook="cy")
    assert running.service.subscriptions.of_channel("T1", "C1") == []


def test_mistakes_get_a_reason_and_the_usage(running: Running, ada: dict) -> None:
    assert "not a time zone I know" in say(running, "digest subscribe Mars/Olympus")
    assert "is not a time" in say(running, "digest subscribe at 25:00", count=2)
    assert "Usage:" in say(running, "digest frobnicate", count=3)
    assert "no digest" in say(running, "digest unsubscribe", count=4)
    assert running.service.subscriptions.of_channel("T1", "C1") == []


def test_digest_words_need_a_connected_account(running: Running) -> None:
    assert "Your Toggl account is not connected" in say(running, "digest subscribe", user="U9")


def test_times_and_zones_as_people_write_them(running: Running, ada: dict) -> None:
    """`daily at 9am` answered "“9am” is not a time"; `daily Berlin` "I did not understand “Berlin”"."""
    assert "every day at 09:00 (Europe/Berlin)" in say(running, "digest subscribe daily at 9am")
    assert "every day at 09:00 (Europe/Berlin)" in say(running, "digest subscribe daily Berlin", count=2)
    assert "every Fri at 17:30 (America/New_York)" in say(running, "digest subscribe weekly fri 5:30 pm new york", count=3)


def test_disconnect_pauses_the_digests_and_they_can_still_be_removed(running: Running, ada: dict) -> None:
    """After `disconnect` the digests failed every run, and `digest unsubscribe` asked to connect first."""
    say(running, "digest subscribe weekdays")
    text = say(running, "disconnect", count=2)
    assert "Your 1 digest in this channel" not in text and "Your 1 digest in <#C1> is paused" in text
    assert "`/toggl connect` resumes it" in text and "`/toggl digest unsubscribe`" in text
    assert running.service.subscriptions.get("T1", "C1", "U1").paused_reason  # type: ignore[union-attr]  # a None fails the test all the same
    assert "paused: you disconnected" in say(running, "digest list", count=3)
    assert "Unsubscribed your digest from this channel" in say(running, "digest unsubscribe", count=4)
    assert running.service.subscriptions.of_channel("T1", "C1") == []


def test_someone_else_reads_who_disconnected(running: Running, ada: dict) -> None:
    """Trial: Bo's `digest list` said "paused: you disconnected your Toggl account" about Ada's digest."""
    say(running, "digest subscribe weekdays")
    say(running, "disconnect", count=2)
    assert "paused: you disconnected your Toggl account" in say(running, "digest list", count=3)
    seen_by_bo = say(running, "digest list", user="U2", hook="bo")
    assert "paused: <@U1> disconnected their Toggl account" in seen_by_bo and "you disconnected" not in seen_by_bo


def test_reconnecting_resumes_paused_digests(running: Running, ada: dict) -> None:
    say(running, "digest subscribe weekdays")
    say(running, "disconnect", count=2)
    text = say(running, f"connect {ada['token']}", count=3)
    assert "Your 1 paused digest is running again" in text
    assert running.service.subscriptions.get("T1", "C1", "U1").paused_reason is None  # type: ignore[union-attr]  # a None fails the test all the same


def test_bare_subscribe_opens_the_form_and_saving_it_subscribes(running: Running, ada: dict) -> None:
    running.send.command("digest subscribe")
    (call,) = running.slack.wait_for_calls("views.open")
    running.settle()  # the app keeps the form's reply address once Slack has answered views.open
    view = call.body["view"]
    assert_valid_view(view)
    assert call.body["trigger_id"].startswith("trigger-") and view["callback_id"] == "digest_modal"
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["zone"]["initial_value"] == "Europe/Berlin" and fields["time"]["type"] == "timepicker"
    bad = form_values("weekly-4", "16:30", "Atlantis", "75")
    response = running.send.submit_view("digest_modal", bad, view["private_metadata"])
    assert "zone" in response.json()["errors"] and running.service.subscriptions.get("T1", "C1", "U1") is None
    good = form_values("weekly-4", "16:30", "new york", "75")
    response = running.send.submit_view("digest_modal", good, view["private_metadata"])
    assert response.status_code == 200 and response.text == ""
    (reply,) = running.slack.wait_for_calls("/hooks/r1")
    assert "every Fri at 16:30 (America/New_York)" in all_text(reply.body) and "warns from 75%" in all_text(reply.body)
    sub = running.service.subscriptions.get("T1", "C1", "U1")
    assert sub is not None and sub.threshold == 75


def test_the_form_names_its_channel_when_it_edits_a_digest(running: Running, ada: dict) -> None:
    """Trial: the Edit form did not say which channel's digest it changes."""
    running.send.command("digest subscribe", channel="C7")
    (first,) = running.slack.wait_for_calls("views.open")
    assert "A budget digest for <#C7>." in all_text(first.body["view"])
    say(running, "digest subscribe weekdays at 10:00", hook="r2")
    running.send.command("digest subscribe")
    edit = running.slack.wait_for_calls("views.open", 2)[1].body["view"]
    assert_valid_view(edit)
    assert "Your budget digest in <#C1>." in all_text(edit) and edit["submit"]["text"] == "Save"


def test_mute_with_many_matches_is_a_menu_not_a_paragraph(running: Running, ada: dict) -> None:
    """`digest mute client work` listed 10 matches in one 600-character sentence."""
    for n in range(10):
        running.toggl.add_project(ada["wid"], f"Client work {n}")
    say(running, "digest subscribe weekdays")
    running.send.command("digest mute client work")
    reply = running.slack.wait_for_calls("/hooks/r1", 2)[1].body
    assert_valid_message(reply)
    (menu,) = elements_of(reply)
    assert menu["type"] == "static_select" and len(menu["options"]) == 10
    assert all(len(b.get("text", {}).get("text", "")) < 200 for b in reply["blocks"])
    running.send.choose(menu["action_id"], menu["options"][3]["value"])
    chosen = running.slack.wait_for_calls("/hooks/r1", 3)[2].body
    assert "Muted *Client work 3*" in all_text(chosen) and chosen["replace_original"] is True


def test_mute_and_unmute_answer_in_matching_sentences(running: Running, ada: dict) -> None:
    """It said "Muted *Retainer*:" sat next to "Unmuted: Retainer."."""
    say(running, "digest subscribe weekdays")
    muted = say(running, "digest mute website", count=2)
    unmuted = say(running, "digest unmute website", count=3)
    assert "Muted *Website redesign*: the digest leaves it out." in muted
    assert "Unmuted *Website redesign*: the digest shows it again." in unmuted


def test_a_digest_line_menu_mutes_privately_beside_the_channel_post(running: Running, ada: dict) -> None:
    say(running, "digest subscribe weekdays")
    sub = running.service.subscriptions.get("T1", "C1", "U1")
    assert sub is not None
    value = buttons.encode(buttons.MuteProject(ws=ada["wid"], pid=ada["website"]["id"], sub=sub.id))
    running.send.choose("digest_line", value, kind="overflow", ephemeral=False, response_url=running.slack.hook("post"))
    (reply,) = running.slack.wait_for_calls("/hooks/post")
    assert reply.body["response_type"] == "ephemeral" and "replace_original" not in reply.body  # the digest stays
    assert "Muted *Website redesign*" in all_text(reply.body)
    running.toggl.add_person("b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", name="Bo Diddley")
    running.service.accounts.connect("T1", "U2", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0")
    running.send.choose(
        "digest_line", value, kind="overflow", user="U2", ephemeral=False, response_url=running.slack.hook("bo")
    )
    (refused,) = running.slack.wait_for_calls("/hooks/bo")
    assert "Only <@U1>, who subscribed, or a workspace admin" in all_text(refused.body)


def test_plurals(running: Running, ada: dict) -> None:
    """It said "1 digest subscription(s)"."""
    say(running, "digest subscribe weekdays")
    running.send.command("digest list")
    listing = running.slack.wait_for_calls("/hooks/r1", 2)[1].body
    assert listing["text"] == "This channel has 1 digest subscription"


def form_values(cadence: str, at: str, zone: str, threshold: str) -> dict:
    return {
        "cadence": {"cadence_input": {"type": "static_select", "selected_option": {"value": cadence}}},
        "time": {"time_input": {"type": "timepicker", "selected_time": at}},
        "zone": {"zone_input": {"type": "plain_text_input", "value": zone}},
        "threshold": {"threshold_input": {"type": "number_input", "value": threshold}},
    }
