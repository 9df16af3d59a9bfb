"""Capture (issue 20) end to end through signed requests: `log` and its Undo, `start` with options, Edit of the running
entry, and the "Start a Toggl timer" message shortcut and the "Log time" global shortcut with their forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot import buttons
from bot.toggl.client import CREATED_WITH
from tests.blockkit import all_text, assert_valid_view
from tests.fakes.app import Running
from tests.handlers.test_timers import button_of, replies


def posts(running: Running) -> list[Any]:
    return [r for r in running.toggl.requests if r.method == "POST" and r.path.endswith("/time_entries")]


def entries_of(running: Running, ada: dict) -> list[dict]:
    uid = running.toggl.people[ada["token"]].me["id"]
    return [e for e in running.toggl.time_entries.values() if e["user_id"] == uid and not e.get("server_deleted_at")]


def state(**fields: Any) -> dict:
    """A view submission's `state.values` from {block_id: (key, value)}; action ids as the app makes them."""
    values: dict[str, Any] = {}
    for block, (key, value) in fields.items():
        action = "entry_project_pick" if block == "entry_project" else block
        values[block] = {action: {key: value}}
    return values


# -- log and Undo ------------------------------------------------------------------------------------------


def test_log_creates_exactly_the_entry_asked_for_and_undo_deletes_it(running: Running, ada: dict) -> None:
    running.send.command("log 1h30 yesterday QA review project:Website redesign")
    (reply,) = replies(running)
    text = all_text(reply)
    assert "Logged 1 h 30 min of *QA review* on" in text and "Website redesign" in text and "yesterday 09:00–10:30" in text
    (post,) = posts(running)
    # yesterday 09:00 in Ada's Toggl zone (Berlin): 08:00 UTC in winter
    yesterday = running.service.clock.now().astimezone(dt.UTC).date() - dt.timedelta(days=1)
    assert post.body["start"] == f"{yesterday.isoformat()}T08:00:00Z" and post.body["duration"] == 5400
    assert post.body["project_id"] == ada["website"]["id"] and post.body["created_with"] == CREATED_WITH
    assert post.body["description"] == "QA review"
    (entry,) = entries_of(running, ada)
    assert entry["stop"] is not None and entry["duration"] == 5400
    undo = button_of(reply, "entry_undo")
    running.send.button("entry_undo", undo["value"])
    (_, undone) = replies(running, 2)
    assert "Undone" in all_text(undone) and entries_of(running, ada) == []
    assert running.slack.of("/hooks/r1")[-1].body.get("replace_original") is True
    (delete,) = [r for r in running.toggl.requests if r.method == "DELETE"]
    assert delete.path == f"/api/v9/workspaces/{ada['wid']}/time_entries/{entry['id']}"


def test_undo_deletes_only_its_own_entry(running: Running, ada: dict) -> None:
    running.send.command("log 45m today Notes", response_url=running.slack.hook("a"))
    (first,) = replies(running, hook="a")
    running.send.command("log 20m today Calls", response_url=running.slack.hook("b"))
    replies(running, hook="b")
    running.send.button("entry_undo", button_of(first, "entry_undo")["value"], response_url=running.slack.hook("a"))
    replies(running, 2, hook="a")
    assert [e["description"] for e in entries_of(running, ada)] == ["Calls"]
    running.send.button("entry_undo", button_of(first, "entry_undo")["value"], response_url=running.slack.hook("a"))
    (*_, again) = replies(running, 3, hook="a")
    assert "nothing to undo" in all_text(again)


def test_log_takes_every_duration_form(running: Running, ada: dict) -> None:
    for n, words in enumerate(["1h30", "90m", "1.5h", "1:30"]):
        running.send.command(f"log {words} yesterday Work", response_url=running.slack.hook(f"d{n}"))
        replies(running, hook=f"d{n}")
    assert [p.body["duration"] for p in posts(running)] == [5400] * 4


def test_impossible_logs_are_refused_and_create_nothing(running: Running, ada: dict) -> None:
    today = running.service.clock.now().date()
    cases = {
        "log 25h yesterday Long": "more than a day",
        "log 0m yesterday Nothing": "above zero",
        "log -1h yesterday Negative": "above zero",
        f"log 1h {(today + dt.timedelta(days=2)).isoformat()} Later": "has not happened yet",
        "log 1h 2026-02-31 Nonsense": "is not a date",
        "log soon Work": "is not a duration",
        "log 10h today Too much": "later than now",  # 09:30 now: ten hours today would end tonight
    }
    for n, (words, why) in enumerate(cases.items()):
        running.send.command(words, response_url=running.slack.hook(f"x{n}"))
        (reply,) = replies(running, hook=f"x{n}")
        assert why in all_text(reply), (words, all_text(reply))
    assert posts(running) == [] and entries_of(running, ada) == []


def test_log_today_ends_now_in_the_persons_zone(running: Running, ada: dict) -> None:
    running.send.command("log 30m Standup")
    (reply,) = replies(running)
    assert "today 09:00–09:30" in all_text(reply)  # Ada's Berlin time: 09:30 now


def test_log_at_the_quota_is_refused_plainly(running: Running, ada: dict) -> None:
    running.toggl.people[ada["token"]].quota_left = 0
    running.send.command("log 1h yesterday Work")
    (reply,) = replies(running)
    assert "Nothing was logged" in all_text(reply) and entries_of(running, ada) == []
    assert len(posts(running)) == 1  # sent once, never retried


# -- start options and Edit --------------------------------------------------------------------------------


def test_start_takes_task_billable_and_tags(running: Running, ada: dict) -> None:
    task = next(t for t in running.toggl.tasks[ada["wid"]].values() if t["name"] == "Design <mockups>")
    running.send.command("start Mockups project:Website redesign task:design billable #ui #client")
    (reply,) = replies(running)
    assert "Started *Mockups*" in all_text(reply)
    (post,) = posts(running)
    assert post.body["task_id"] == task["id"] and post.body["billable"] is True and post.body["tags"] == ["ui", "client"]
    assert button_of(reply, "timer_edit")["text"]["text"] == "Edit"


def test_a_billable_project_makes_a_billable_entry(running: Running, ada: dict) -> None:
    running.toggl.change_project(ada["wid"], ada["website"]["id"], billable=True)
    running.send.command("start Writing project:Website redesign")
    replies(running)
    (post,) = posts(running)
    assert post.body["billable"] is True
    assert running.toggl.running_entry(ada["token"])["billable"] is True  # type: ignore[index]  # None fails all the same


def test_edit_changes_the_running_entry(running: Running, ada: dict) -> None:
    other = running.toggl.add_project(ada["wid"], "Internal")
    running.send.command("start Typo in description project:Website redesign")
    (reply,) = replies(running)
    running.settle()
    running.send.button("timer_edit", button_of(reply, "timer_edit")["value"])
    (opened,) = running.slack.wait_for_calls("views.open")
    view = opened.body["view"]
    assert_valid_view(view)
    assert view["callback_id"] == "entry_edit_form"
    described = next(b for b in view["blocks"] if b["block_id"] == "entry_description")
    assert described["element"]["initial_value"] == "Typo in description"
    project = next(b for b in view["blocks"] if b["block_id"] == "entry_project")
    assert project["element"]["initial_option"]["value"] == str(ada["website"]["id"])
    running.settle()
    values = state(
        entry_description=("value", "Fixed description"),
        entry_project=("selected_option", {"value": str(other["id"])}),
        entry_billable=("selected_option", {"value": "yes"}),
        entry_tags=("value", "ops, #infra"),
    )
    response = running.send.submit_view("entry_edit_form", values, private_metadata=view["private_metadata"], view_id="V1")
    assert response.status_code == 200 and not response.text
    running.settle()
    entry = running.toggl.running_entry(ada["token"])
    assert entry is not None and entry["description"] == "Fixed description" and entry["project_id"] == other["id"]
    assert entry["billable"] is True and entry["tags"] == ["ops", "infra"]
    (put,) = [r for r in running.toggl.requests if r.method == "PUT"]
    assert put.path.endswith(f"/time_entries/{entry['id']}")
    (*_, saved) = replies(running, 2)
    assert "Saved: *Fixed description* on" in all_text(saved) and "Internal" in all_text(saved)


def test_edit_with_nothing_running_says_so(running: Running, ada: dict) -> None:
    value = buttons.encode(buttons.EditRunning(ws=ada["wid"], id=424242))
    running.send.button("timer_edit", value)
    (reply,) = replies(running)
    assert "Nothing is running" in all_text(reply) and not running.slack.of("views.open")


# -- the message shortcut and the Log time form ------------------------------------------------------------


def test_message_shortcut_prefills_the_message_and_starts_the_timer(running: Running, ada: dict) -> None:
    running.send.message_shortcut("Fix the <https://example.com|login> bug on the Website redesign page", channel="C777")
    (opened,) = running.slack.wait_for_calls("views.open")
    view = opened.body["view"]
    assert_valid_view(view)
    described = next(b for b in view["blocks"] if b["block_id"] == "entry_description")
    assert described["element"]["initial_value"] == "Fix the login bug on the Website redesign page"
    running.settle()
    # the type-ahead finds the projects (the form filled the app's copy)
    options = running.send.form_suggestion("entry_project_pick", {**view, "id": "V1"}, "website").json()["options"]
    assert options[0]["text"]["text"].startswith("Website redesign")
    values = state(
        entry_description=("value", described["element"]["initial_value"]),
        entry_project=("selected_option", {"value": options[0]["value"]}),
        entry_billable=("selected_option", {"value": "project"}),
    )
    response = running.send.submit_view("entry_start_form", values, private_metadata=view["private_metadata"], view_id="V1")
    assert response.status_code == 200 and not response.text
    (reply,) = replies(running)  # privately, in the message's channel, through the shortcut's response_url
    assert reply["response_type"] == "ephemeral" and "Started *Fix the login bug" in all_text(reply)
    entry = running.toggl.running_entry(ada["token"])
    assert entry is not None and entry["project_id"] == ada["website"]["id"]
    # the next timer from a message in that channel suggests the project used there
    running.send.message_shortcut("Another thing", channel="C777")
    (_, again) = running.slack.wait_for_calls("views.open", 2)
    project = next(b for b in again.body["view"]["blocks"] if b["block_id"] == "entry_project")
    assert project["element"]["initial_option"]["value"] == str(ada["website"]["id"])


def test_message_shortcut_suggests_the_project_the_text_names(running: Running, ada: dict) -> None:
    running.service.reader.projects(running.service.accounts.account(_ada_asker()), ada["wid"])
    running.send.message_shortcut("Can someone look at website redesign today?")
    (opened,) = running.slack.wait_for_calls("views.open")
    project = next(b for b in opened.body["view"]["blocks"] if b["block_id"] == "entry_project")
    assert project["element"]["initial_option"]["value"] == str(ada["website"]["id"])


def test_message_shortcut_for_a_stranger_connects_first_then_starts(running: Running) -> None:
    from tests.fakes.toggl import standard_world

    world = standard_world(running.toggl, token="b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0")
    running.send.message_shortcut("Review the contract", user="U9")
    (opened,) = running.slack.wait_for_calls("views.open")
    assert opened.body["view"]["callback_id"] == "connect_modal"
    running.settle()
    token = {"token": {"token_input": {"value": world["token"]}}}
    response = running.send.submit_view(
        "connect_modal", token, private_metadata=opened.body["view"]["private_metadata"], user="U9", view_id="V1"
    )
    update = response.json()
    assert update["response_action"] == "update" and update["view"]["callback_id"] == "entry_start_form"
    described = next(b for b in update["view"]["blocks"] if b["block_id"] == "entry_description")
    assert described["element"]["initial_value"] == "Review the contract"
    running.settle()
    values = state(entry_description=("value", "Review the contract"), entry_billable=("selected_option", {"value": "no"}))
    running.send.submit_view(
        "entry_start_form", values, private_metadata=update["view"]["private_metadata"], user="U9", view_id="V1"
    )
    running.settle()
    entry = running.toggl.running_entry(world["token"])
    assert entry is not None and entry["description"] == "Review the contract"


def test_log_time_form_logs_an_entry(running: Running, ada: dict) -> None:
    running.send.global_shortcut("log_time")
    (opened,) = running.slack.wait_for_calls("views.open")
    view = opened.body["view"]
    assert_valid_view(view)
    day = next(b for b in view["blocks"] if b["block_id"] == "entry_day")
    assert day["element"]["initial_date"] == running.service.clock.now().date().isoformat()
    running.settle()
    bad = state(entry_day=("selected_date", "2026-11-20"), entry_duration=("value", "30h"))
    response = running.send.submit_view("entry_log_form", bad, private_metadata=view["private_metadata"], view_id="V1")
    assert response.json()["errors"] == {"entry_duration": "At most 24 h at a time."} and posts(running) == []
    values = state(
        entry_day=("selected_date", "2026-11-20"),
        entry_start=("selected_time", "14:00"),
        entry_duration=("value", "45m"),
        entry_description=("value", "Client call"),
        entry_project=("selected_option", {"value": str(ada["website"]["id"])}),
        entry_billable=("selected_option", {"value": "project"}),
    )
    running.send.submit_view("entry_log_form", values, private_metadata=view["private_metadata"], view_id="V1")
    (dm,) = running.slack.wait_for_calls("chat.postMessage")  # a global shortcut has no channel: the DM
    assert "Logged 45 min of *Client call*" in all_text(dm.body) and "14:00–14:45" in all_text(dm.body)
    (post,) = posts(running)
    assert post.body["start"] == "2026-11-20T13:00:00Z" and post.body["duration"] == 2700


def _ada_asker() -> Any:
    from bot.identity import Asker

    return Asker(team_id="T1", user_id="U1")


def test_what_capture_costs_of_the_quota_once_the_copy_is_warm(running: Running, ada: dict) -> None:
    """The figures docs/benchmarks.md states: with the app's copy of the projects warm (after `projects`), a `log`
    on a named project is one request, its Undo one, an Edit one (the form opens from what the app remembers),
    and an unfurl none."""
    running.send.command("projects", response_url=running.slack.hook("warm"))
    replies(running, hook="warm")
    running.toggl.requests.clear()

    def spent(words: str, hook: str) -> list[str]:
        running.toggl.requests.clear()
        running.send.command(words, response_url=running.slack.hook(hook))
        replies(running, hook=hook)
        return [f"{r.method} {r.path}" for r in running.toggl.requests]

    wid = ada["wid"]
    assert spent("log 1h yesterday QA project:Website redesign", "c1") == [f"POST /api/v9/workspaces/{wid}/time_entries"]
    logged = replies(running, hook="c1")[0]
    running.toggl.requests.clear()
    running.send.button("entry_undo", button_of(logged, "entry_undo")["value"], response_url=running.slack.hook("c1"))
    replies(running, 2, hook="c1")
    assert [r.method for r in running.toggl.requests] == ["DELETE"]
    assert spent("start Mockups project:Website redesign", "c2") == [f"POST /api/v9/workspaces/{wid}/time_entries"]
    started = replies(running, hook="c2")[0]
    running.toggl.requests.clear()
    running.send.button("timer_edit", button_of(started, "timer_edit")["value"])
    (opened,) = running.slack.wait_for_calls("views.open")
    running.settle()
    assert running.toggl.requests == []  # the form opened from what the app remembers
    values = state(entry_description=("value", "Mockups v2"), entry_billable=("selected_option", {"value": "project"}))
    running.send.submit_view(
        "entry_edit_form", values, private_metadata=opened.body["view"]["private_metadata"], view_id="V1"
    )
    running.settle()
    assert [r.method for r in running.toggl.requests] == ["PUT"]
