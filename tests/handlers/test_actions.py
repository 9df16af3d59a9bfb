"""Buttons: paging in place, the project chooser, and Connect opening the form."""

from __future__ import annotations

from bot.commands import ListProjects, ListTasks, decode, encode
from tests.blockkit import all_text, assert_valid_message
from tests.fakes.app import Running


def test_next_page_replaces_the_message(running: Running, ada: dict) -> None:
    running.send.command("projects")
    (first,) = running.slack.wait_for_calls("/hooks/r1")
    buttons = [e for b in first.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    nxt = next(e for e in buttons if e["action_id"] == "page_next")
    assert decode(nxt["value"]) == ListProjects(page=2)
    assert running.send.button("page_next", nxt["value"]).status_code == 200
    second = running.slack.wait_for_calls("/hooks/r1", 2)[1].body
    assert_valid_message(second)
    assert second["replace_original"] is True
    assert "41–80 of 450" in all_text(second)


def test_the_chooser_opens_the_chosen_project(running: Running, ada: dict) -> None:
    running.send.command("tasks project 001")
    (chooser,) = running.slack.wait_for_calls("/hooks/r1")
    buttons = chooser.body["blocks"][1]["elements"]
    assert len(buttons) == 10
    running.send.button(buttons[0]["action_id"], buttons[0]["value"])
    chosen = running.slack.wait_for_calls("/hooks/r1", 2)[1].body
    assert "Project 0010" in all_text(chosen)


def test_a_button_answers_for_whoever_pressed_it(running: Running, ada: dict) -> None:
    running.send.button("page_next", encode(ListTasks(str(ada["website"]["id"]))), user="U9")
    reply = running.slack.wait_for_calls("/hooks/r1")[0].body
    assert "not connected your Toggl account" in all_text(reply)
    assert running.toggl.count() == 0


def test_a_tampered_button_value_gets_help(running: Running) -> None:
    running.send.button("page_next", "{not json")
    reply = running.slack.wait_for_calls("/hooks/r1")[0].body
    assert "Here is what I understand" in all_text(reply)


def test_connect_button_opens_the_form(running: Running) -> None:
    running.send.button("connect_open", "connect")
    (call,) = running.slack.wait_for_calls("views.open")
    assert call.body["trigger_id"].startswith("trigger-") and call.body["view"]["callback_id"] == "connect_modal"
