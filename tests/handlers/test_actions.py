"""Buttons and menus: paging in place (in the list's own workspace), choosers, type-ahead menus,
suggestions, and values we did not make."""

from __future__ import annotations

import json

from bot import buttons
from bot.identity import Asker
from tests.blockkit import all_text, assert_valid_message, elements_of
from tests.fakes.app import Running


def replies(running: Running, count: int = 1, hook: str = "r1") -> list[dict]:
    calls = running.slack.wait_for_calls(f"/hooks/{hook}", count)
    for call in calls:
        assert_valid_message(call.body)
    return [c.body for c in calls]


def test_next_page_replaces_the_message(running: Running, ada: dict) -> None:
    running.send.command("projects")
    (first,) = replies(running)
    nxt = next(e for e in elements_of(first) if e["action_id"] == "page_next")
    assert buttons.decode(nxt["value"]) == buttons.ProjectsPage(ws=ada["wid"], page=2)
    assert running.send.button("page_next", nxt["value"]).status_code == 200
    second = replies(running, 2)[1]
    assert second["replace_original"] is True
    assert "41–80 of 450" in all_text(second)


def test_an_old_button_keeps_its_own_workspace(running: Running, ada: dict) -> None:
    """After `workspace side`, an older "Next projects (41–80)" button replaced the list with Side's."""
    side = running.toggl.add_workspace("Side")
    running.toggl.people[ada["token"]].workspace_ids.append(side)
    running.toggl.add_project(side, "Side gig")
    running.toggl.add_project(side, "Side hustle")
    running.service.reader.workspaces(running.service.accounts.account(Asker(team_id="T1", user_id="U1")), fresh=True)
    running.send.command("projects")
    main_list = replies(running)[0]
    assert "1–40 of 450 active projects in *Acme*" in all_text(main_list)
    old_next = next(e for e in elements_of(main_list) if e["action_id"] == "page_next")
    running.send.command("workspace side")
    replies(running, 2)
    running.send.command("projects")
    side_list = replies(running, 3)[2]
    assert "1–2 of 2 active projects in *Side*" in all_text(side_list)
    running.send.button("page_next", old_next["value"])
    pressed = replies(running, 4)[3]
    assert "41–80 of 450 active projects in *Acme*" in all_text(pressed)
    assert "Side gig" not in all_text(pressed)


def test_a_long_chooser_is_a_menu_and_opens_the_chosen_project(running: Running, ada: dict) -> None:
    running.send.command("tasks project 001")
    (chooser,) = replies(running)
    (menu,) = [b["accessory"] for b in chooser["blocks"] if b.get("accessory", {}).get("type") == "static_select"]
    assert len(menu["options"]) == 10
    first = menu["options"][0]
    running.send.choose(menu["action_id"], first["value"])
    chosen = replies(running, 2)[1]
    assert chosen["replace_original"] is True and "Project 0010" in all_text(chosen)


def test_a_few_choices_are_buttons(running: Running, ada: dict) -> None:
    running.toggl.add_project(ada["wid"], "Website relaunch")
    running.send.command("tasks website re")
    (chooser,) = replies(running)
    choices = [e for e in elements_of(chooser) if e["action_id"].startswith("choose_project_")]
    assert [e["text"]["text"] for e in choices] == ["Website redesign · Acme & Sons", "Website relaunch"]
    running.send.button(choices[0]["action_id"], choices[0]["value"])
    assert "Design &lt;mockups&gt;" in all_text(replies(running, 2)[1])


def test_a_very_long_chooser_searches_as_one_types(running: Running, ada: dict) -> None:
    running.send.command("tasks project")
    (chooser,) = replies(running)
    (block,) = [b for b in chooser["blocks"] if b.get("accessory", {}).get("type") == "external_select"]
    assert buttons.decode(block["block_id"]) == buttons.ProjectMenu(ws=ada["wid"])
    calls_before = running.toggl.count()
    response = running.send.suggestion(block["accessory"]["action_id"], block["block_id"], "0042")
    options = response.json()["options"]
    assert [o["text"]["text"] for o in options] == ["Project 0042"]
    assert running.toggl.count() == calls_before  # answered from the cache, within Slack's 3 seconds
    running.send.choose(block["accessory"]["action_id"], options[0]["value"], kind="external_select")
    assert "Project 0042" in all_text(replies(running, 2)[1])


def test_tasks_alone_asks_which_project_with_a_menu(running: Running, ada: dict) -> None:
    """`tasks` alone got the 13-line help."""
    running.send.command("tasks")
    (reply,) = replies(running)
    assert "Which project's tasks?" in all_text(reply)
    assert any(e["type"] == "external_select" for e in elements_of(reply))


def test_a_suggestion_button_runs_the_words(running: Running, ada: dict) -> None:
    running.send.command("projcts")
    (reply,) = replies(running)
    assert "Did you mean `projects`?" in all_text(reply)
    yes = next(e for e in elements_of(reply) if e["action_id"] == "run_suggested")
    running.send.button("run_suggested", yes["value"])
    assert "1–40 of 450" in all_text(replies(running, 2)[1])


def test_a_button_answers_for_whoever_pressed_it(running: Running, ada: dict) -> None:
    value = buttons.encode(buttons.TasksPage(ws=ada["wid"], pid=ada["website"]["id"]))
    running.send.button("page_next", value, user="U9")
    (reply,) = replies(running)
    assert "Your Toggl account is not connected" in all_text(reply)
    assert running.toggl.count() == 0


def test_values_we_did_not_make_get_a_sentence_not_a_crash(running: Running, ada: dict) -> None:
    bad = [
        "{not json",
        json.dumps({"do": "projects", "page": "abc"}),
        json.dumps({"do": "digest-subscribe", "at": "25:61"}),
        json.dumps({"k": "projects", "ws": 1, "page": -3}),
    ]
    for n, value in enumerate(bad, start=1):
        assert running.send.button("page_next", value).status_code == 200
        reply = replies(running, n)[-1]
        assert "That button is from an older message" in all_text(reply)
    assert running.toggl.count() == 0


def test_connect_button_opens_the_form(running: Running) -> None:
    running.send.button("connect_open", buttons.encode(buttons.OpenConnect()))
    running.send.button("connect_open", "connect")  # a Connect button from before values were typed
    first, second = running.slack.wait_for_calls("views.open", 2)
    assert first.body["trigger_id"].startswith("trigger-") and first.body["view"]["callback_id"] == "connect_modal"
    assert second.body["view"]["callback_id"] == "connect_modal"


def test_no_such_workspace_offers_a_menu_that_switches(running: Running, ada: dict) -> None:
    side = running.toggl.add_workspace("Side")
    running.toggl.people[ada["token"]].workspace_ids.append(side)
    running.send.command("workspace nowhere")
    (reply,) = replies(running)
    (menu,) = elements_of(reply)
    assert [o["text"]["text"] for o in menu["options"]] == ["Acme", "Side"]
    running.send.choose(menu["action_id"], menu["options"][1]["value"])
    assert "Your workspace is now *Side*" in all_text(replies(running, 2)[1])
    assert running.service.store.people.get("T1", "U1").workspace_id == side  # type: ignore[union-attr]  # a None fails the test all the same
