"""The app's tabs: a Home worth opening (status, workspace switcher, digests, projects at risk, quick
actions) that stays cheap and within 100 blocks, and a welcome the first time the Messages tab opens."""

from __future__ import annotations

from typing import Any

import pytest

from bot import buttons
from bot.identity import Asker
from tests.blockkit import all_text, assert_valid_view, elements_of
from tests.fakes.app import Running
from tests.fakes.toggl import standard_world

DAILY: dict[str, Any] = {"cadence": "daily", "weekday": None, "at_time": "08:00", "timezone": "UTC"}


@pytest.fixture
def ada(running: Running) -> dict:
    """Ada has connected; her Toggl has 'Website redesign' (55% of its estimate) and nothing else."""
    world = standard_world(running.toggl)
    running.service.accounts.connect("T1", "U1", world["token"])
    running.toggl.requests.clear()
    return world


def open_home(running: Running, user: str = "U1", n: int = 1, event_id: str | None = None) -> dict:
    """Open the Home tab and return the `n`-th view published (the listener publishes from the pool)."""
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
    running.send.event(event, event_id or f"EvH{n}{user}")
    view = running.slack.wait_for_calls("views.publish", n)[n - 1].body["view"]
    assert_valid_view(view)
    return view


def test_home_for_a_stranger_and_for_ada(running: Running, ada: dict) -> None:
    stranger = open_home(running, "U5")
    assert "connect_open" in str(stranger) and running.toggl.count() == 0
    home = open_home(running, "U1", 2)
    text = all_text(home)
    assert "Connected as *Ada Lovelace*" in text and "Workspace: *Acme*" in text
    assert "*Your digests* (0)" in text and "Quick actions" in text


def test_home_shows_digests_with_edit_and_stop_and_the_projects_at_risk(running: Running, ada: dict) -> None:
    wid = ada["wid"]
    running.toggl.add_project(wid, "Hot & <spicy>", estimated_seconds=3600, actual_seconds=4000)
    running.toggl.add_project(wid, "Warm", estimated_seconds=3600, actual_seconds=3000)
    running.service.subscriptions.subscribe("T1", "C7", "U1", cadence="daily", weekday=None, at_time="08:00", timezone="UTC")
    running.service.subscriptions.subscribe(
        "T1", "D1", "U1", cadence="weekdays", weekday=None, at_time="09:00", timezone="UTC"
    )
    home = open_home(running)
    text = all_text(home)
    assert "<#C7> · every day at 08:00 (UTC)" in text
    assert "our direct messages · weekdays" in text and "<#D1>" not in text
    edits = [e for e in elements_of(home) if e["action_id"] == "home_edit"]
    stops = [e for e in elements_of(home) if e["action_id"] == "home_stop"]
    assert len(edits) == len(stops) == 2 and all("confirm" in s for s in stops)
    risky = text.split("*At risk*")[1]
    assert risky.index("Hot &amp; &lt;spicy&gt;") < risky.index("Warm")  # over, then approaching
    assert "Website redesign" not in risky  # 55%: not at risk


def test_stop_from_home_removes_the_digest_and_redraws(running: Running, ada: dict) -> None:
    sub = running.service.subscriptions.subscribe("T1", "C7", "U1", **DAILY)
    open_home(running)
    running.send.home_button("home_stop", buttons.encode(buttons.StopDigest(sub=sub.id)))
    redrawn = running.slack.wait_for_calls("views.publish", 2)[1].body["view"]
    assert "*Your digests* (0)" in all_text(redrawn)
    assert running.service.subscriptions.of_channel("T1", "C7") == []
    bo_sub = running.service.subscriptions.subscribe("T1", "C8", "U2", **DAILY)
    running.send.home_button("home_stop", buttons.encode(buttons.StopDigest(sub=bo_sub.id)))
    (dm,) = running.slack.wait_for_calls("chat.postMessage")
    assert "not yours to stop" in all_text(dm.body) and running.service.subscriptions.of_channel("T1", "C8")


def test_the_workspace_menu_switches_and_redraws(running: Running, ada: dict) -> None:
    side = running.toggl.add_workspace("Side")
    running.toggl.people[ada["token"]].workspace_ids.append(side)
    running.service.reader.workspaces(running.service.accounts.account(Asker(team_id="T1", user_id="U1")), fresh=True)
    home = open_home(running)
    (menu,) = [e for e in elements_of(home) if e["action_id"] == "home_workspace"]
    assert [o["text"]["text"] for o in menu["options"]] == ["Acme", "Side"]
    assert menu["initial_option"]["text"]["text"] == "Acme"
    running.send.home_button("home_workspace", menu["options"][1]["value"], kind="static_select")
    redrawn = running.slack.wait_for_calls("views.publish", 2)[1].body["view"]
    assert "Workspace: *Side*" in all_text(redrawn)
    assert running.service.store.people.get("T1", "U1").workspace_id == side  # type: ignore[union-attr]  # a None fails the test all the same
    assert running.slack.of("chat.postMessage") == []  # the tab itself shows it; no message needed


def test_opening_home_is_cheap(running: Running, ada: dict) -> None:
    """The first open fetches the projects and the running timer; opens within 15 minutes ask Toggl nothing.

    `/me` is asked only for the timer (`/me/time_entries/current`), once each 15 minutes at most.
    """
    running.toggl.age()  # long-lived data: a `since` refresh finds nothing new
    open_home(running, n=1)
    first = running.toggl.count()
    assert [r.path for r in running.toggl.requests if r.path.startswith("/api/v9/me")] == ["/api/v9/me/time_entries/current"]
    for n in range(2, 12):
        running.service.clock.advance(seconds=60)  # type: ignore[attr-defined]  # FrozenClock; ten opens over ten minutes
        open_home(running, n=n)
    assert running.toggl.count() == first
    running.service.clock.advance(seconds=300)  # type: ignore[attr-defined]  # FrozenClock; past 15 minutes
    open_home(running, n=12)
    refreshed = [r.path.rsplit("/", 1)[-1] for r in running.toggl.requests[first:]]
    assert refreshed == ["projects", "current"]  # one `since` page and the timer (client names are kept an hour)


def test_refresh_asks_toggl_again(running: Running, ada: dict) -> None:
    open_home(running)
    before = running.toggl.count()
    running.service.clock.advance(seconds=61)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    running.send.home_button("home_refresh", buttons.encode(buttons.RefreshHome()))
    running.slack.wait_for_calls("views.publish", 2)
    assert running.toggl.count() == before + 2  # the projects (`since`) and the timer


def test_home_stays_within_100_blocks_whatever_the_numbers(running: Running, ada: dict) -> None:
    wid = ada["wid"]
    for n in range(300):
        running.toggl.add_project(wid, f"Risky {n:03d} " + "x" * 200, estimated_seconds=3600, actual_seconds=3600 + n)
    for n in range(150):
        running.toggl.add_workspace(f"Workspace {n:03d}")
    running.toggl.people[ada["token"]].workspace_ids.extend(list(running.toggl.workspaces)[-150:])
    running.service.reader.workspaces(running.service.accounts.account(Asker(team_id="T1", user_id="U1")), fresh=True)
    for n in range(40):
        running.service.subscriptions.subscribe("T1", f"C{n:03d}", "U1", **DAILY)
    home = open_home(running)
    text = all_text(home)
    assert "and 30 more" in text and "…and 285 more" in text  # 10 digests and 15 projects shown
    (menu,) = [e for e in elements_of(home) if e["action_id"] == "home_workspace"]
    assert len(menu["options"]) == 100


def test_edit_opens_the_digest_form_filled_in(running: Running, ada: dict) -> None:
    sub = running.service.subscriptions.subscribe(
        "T1", "C7", "U1", cadence="weekly", weekday=4, at_time="16:30", timezone="UTC"
    )
    running.send.home_button("home_edit", buttons.encode(buttons.EditDigest(sub=sub.id)))
    (call,) = running.slack.wait_for_calls("views.open")
    view = call.body["view"]
    assert_valid_view(view)
    assert view["callback_id"] == "digest_modal" and call.body["trigger_id"].startswith("trigger-")
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["cadence"]["initial_option"]["value"] == "weekly-4" and fields["time"]["initial_time"] == "16:30"
    assert "channel" not in fields  # editing: the channel is the digest's own


def test_the_messages_tab_says_hello_once(running: Running, ada: dict) -> None:
    """Opening the Messages tab for the first time said nothing."""
    for n in range(2):
        running.send.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "messages"}, f"EvM{n}")
    running.send.dm("me", event_id="Ev-after")  # a later message proves the second open was passed over
    posts = [all_text(p.body) for p in running.slack.wait_for_calls("chat.postMessage", 2)]
    (welcome,) = [p for p in posts if "Hi Ada!" in p]
    assert "`projects`" in welcome and "`digest subscribe`" in welcome
    assert any("Ada Lovelace" in p for p in posts)
    assert len(running.slack.of("chat.postMessage")) == 2


def test_a_quick_action_answers_in_the_messages_tab(running: Running, ada: dict) -> None:
    home = open_home(running)
    (mine,) = [e for e in elements_of(home) if e.get("text", {}).get("text") == "My projects"]
    running.send.home_button(mine["action_id"], mine["value"])
    (post,) = running.slack.wait_for_calls("chat.postMessage")
    assert post.body["channel"] == "U1" and "1 active project" in all_text(post.body)


def test_a_new_digest_from_home_asks_for_the_channel_and_redraws(running: Running, ada: dict) -> None:
    home = open_home(running)
    (new,) = [e for e in elements_of(home) if e["action_id"] == "home_new_digest"]
    running.send.home_button("home_new_digest", new["value"])
    (call,) = running.slack.wait_for_calls("views.open")
    running.settle()
    view = call.body["view"]
    assert_valid_view(view)
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["channel"]["type"] == "conversations_select"
    values = {
        "channel": {"channel_input": {"type": "conversations_select", "selected_conversation": "C42"}},
        "cadence": {"cadence_input": {"type": "static_select", "selected_option": {"value": "daily"}}},
        "time": {"time_input": {"type": "timepicker", "selected_time": "08:15"}},
        "zone": {"zone_input": {"type": "plain_text_input", "value": "Berlin"}},
        "threshold": {"threshold_input": {"type": "number_input", "value": "90"}},
    }
    assert running.send.submit_view("digest_modal", values, view["private_metadata"]).status_code == 200
    redrawn = running.slack.wait_for_calls("views.publish", 2)[1].body["view"]
    assert "<#C42> · every day at 08:15 (Europe/Berlin) · warns from 90%" in all_text(redrawn)
    confirmation = running.slack.wait_for(
        lambda calls: [c for c in calls if c.method == "chat.postMessage" and c.body.get("channel") == "U1"]
    )[0]
    assert "Subscribed: <#C42> gets your Toggl budget digest every day at 08:15" in all_text(confirmation.body)


def test_connecting_again_does_not_bring_the_welcome_back(running: Running, ada: dict) -> None:
    assert running.service.accounts.first_visit("T1", "U1")
    running.service.accounts.connect("T1", "U1", ada["token"])  # clears the cache of Toggl data, not the welcome
    assert not running.service.accounts.first_visit("T1", "U1")
