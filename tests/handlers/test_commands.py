"""`/toggl` end to end: signed requests over HTTP to the running app; replies caught at the response_url."""

from __future__ import annotations

import time

from tests.blockkit import all_text, assert_valid_message
from tests.fakes.app import Running
from tests.fakes.signing import signed_headers
from tests.stored import count_rows


def hook_replies(running: Running, count: int = 1) -> list[dict]:
    calls = running.slack.wait_for_calls("/hooks/r1", count)
    for call in calls:
        assert_valid_message(call.body)
    return [c.body for c in calls]


def test_projects_are_acked_then_answered_privately(running: Running, ada: dict) -> None:
    response = running.send.command("projects")
    assert response.status_code == 200
    assert response.text == ""  # an empty ack; the answer comes to the response_url
    (reply,) = hook_replies(running)
    assert reply["response_type"] == "ephemeral"
    assert "1–40 of 450" in all_text(reply)


def test_tasks_show_hours_and_minutes(running: Running, ada: dict) -> None:
    running.send.command("tasks website")
    (reply,) = hook_replies(running)
    assert "5 h 30 min of 10 h" in all_text(reply)


def test_unknown_words_get_help(running: Running) -> None:
    running.send.command("dance please")
    (reply,) = hook_replies(running)
    assert "did not understand “dance please”" in all_text(reply)
    assert running.toggl.count() == 0


def test_not_connected_offers_the_connect_button(running: Running) -> None:
    running.send.command("projects", user="U7")
    (reply,) = hook_replies(running)
    assert "connect_open" in str(reply["blocks"])


def test_connect_without_a_token_opens_the_modal(running: Running) -> None:
    running.send.command("connect")
    (call,) = running.slack.wait_for_calls("views.open")
    assert call.body["trigger_id"].startswith("trigger-")
    assert call.body["view"]["callback_id"] == "connect_modal"
    assert "private_metadata" not in call.body["view"]  # the form carries no address; the store keeps it by view id
    deadline = time.monotonic() + 5  # kept just after Slack answers views.open
    while count_rows(running.service.store, "reply_targets") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running.service.slack_state.take_reply_target("V1", "T1", "U1") == running.slack.hook("r1")


def test_a_slow_slack_never_holds_the_ack(running: Running) -> None:
    running.slack.delays["views.open"] = 4.0
    response = running.send.command("connect")
    assert response.status_code == 200 and response.elapsed.total_seconds() < 3.0  # Slack's deadline, before its answer
    (call,) = running.slack.wait_for_calls("views.open")
    assert call.body["trigger_id"].startswith("trigger-")


def test_connect_with_a_token_then_disconnect(running: Running) -> None:
    running.toggl.add_person("0123456789abcdef0123456789abcdef")
    running.send.command("connect 0123456789abcdef0123456789abcdef")
    (reply,) = hook_replies(running)
    assert "Connected to Toggl as *Ada Lovelace*" in all_text(reply)
    running.send.command("disconnect")
    replies = hook_replies(running, 2)
    assert "token is deleted" in all_text(replies[1])
    assert running.service.store.people.get("T1", "U1") is None


def test_switching_workspace(running: Running, ada: dict) -> None:
    other = running.toggl.add_workspace("Beta")
    running.toggl.people[ada["token"]].workspace_ids.append(other)
    running.send.command("workspace beta")
    (reply,) = hook_replies(running)
    assert "now *Beta*" in all_text(reply)
    assert running.service.store.people.get("T1", "U1").workspace_id == other  # type: ignore[union-attr]  # a None fails the test all the same


def test_two_people_see_only_their_own_projects(running: Running, ada: dict) -> None:
    bo = running.toggl.add_person("b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", name="Bo Diddley")
    running.toggl.add_project(bo.workspace_ids[0], "Bo's secret project")
    running.service.accounts.connect("T1", "U2", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0")
    running.send.command("projects", user="U2", response_url=running.slack.hook("bo"))
    running.send.command("projects secret", user="U1")
    (bo_reply,) = running.slack.wait_for_calls("/hooks/bo")
    (ada_reply,) = running.slack.wait_for_calls("/hooks/r1")
    assert "Bo's secret project" in all_text(bo_reply.body) and "Website" not in all_text(bo_reply.body)
    assert "secret" not in all_text(ada_reply.body).replace("“secret”", "")
    bo_workspace = f"/workspaces/{bo.workspace_ids[0]}/"
    assert all(r.token == "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0" for r in running.toggl.requests if bo_workspace in r.path)


def test_toggl_down_is_a_clear_private_message(running: Running, ada: dict) -> None:
    running.toggl.fail("/projects", status=503, times=10)
    running.send.command("projects")
    (reply,) = hook_replies(running)
    assert reply["response_type"] == "ephemeral"
    assert "Toggl is not answering right now" in all_text(reply)


def test_quota_spent_says_when_it_resets(running: Running, ada: dict) -> None:
    running.toggl.people[ada["token"]].quota_left = 0
    running.toggl.quota_resets_in = 125
    running.send.command("projects")
    (reply,) = hook_replies(running)
    assert "resets in 3 min" in all_text(reply)


def test_rejected_token_asks_to_reconnect(running: Running, ada: dict) -> None:
    del running.toggl.people[ada["token"]]
    running.send.command("projects")
    (reply,) = hook_replies(running)
    assert "Please connect again" in all_text(reply) and "connect_open" in str(reply["blocks"])
    assert running.service.store.people.get("T1", "U1").token_valid is False  # type: ignore[union-attr]  # a None fails the test all the same


def test_an_expired_response_url_falls_back_to_a_direct_message(running: Running, ada: dict) -> None:
    running.slack.expired_hooks.add("gone")
    running.send.command("me", response_url=running.slack.hook("gone"))
    (dm,) = running.slack.wait_for_calls("chat.postMessage")
    assert dm.body["channel"] == "U1" and "Ada Lovelace" in all_text(dm.body)


def test_wrong_old_and_missing_signatures_are_refused(running: Running) -> None:
    body = running.send.command_body("projects")
    form = "application/x-www-form-urlencoded"
    assert running.send.post(body, form, signed_headers(body, secret="wrong")).status_code == 401
    assert running.send.post(body, form, signed_headers(body, timestamp=int(time.time()) - 600)).status_code == 401
    assert running.send.post(body, form, {}).status_code == 401
    tampered = signed_headers(body)
    assert running.send.post(body.replace("projects", "me"), form, tampered).status_code == 401
    assert running.slack.of("/hooks/r1") == []
