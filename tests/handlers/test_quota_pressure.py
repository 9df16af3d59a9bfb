"""Toggl's hourly limit nearly or wholly spent, end to end through signed requests: reads come from the app's
copy saying how old it is, the last requests go to starting and stopping, and a refused write says it did
not happen and when to try again."""

from __future__ import annotations

from bot import buttons
from bot.identity import Asker
from tests.blockkit import all_text
from tests.fakes.app import Running
from tests.handlers.test_home import open_home
from tests.handlers.test_timers import advance, replies

ADA = Asker(team_id="T1", user_id="U1")


def down_to_two(running: Running, ada: dict, count: int) -> None:
    """After one `projects` that fills the copy: the next refresh leaves 2 requests (the reserve) on the quota."""
    running.toggl.age()  # long-lived projects: the `since` refresh is one page
    ada["person"].quota_left = 3
    running.toggl.quota_resets_in = 1200
    advance(running, minutes=2)
    running.send.command("projects over")  # past the minute: one `since` refresh, and the reading says 2 left
    replies(running, count)


def test_with_two_requests_left_projects_come_from_the_copy_and_start_really_starts(running: Running, ada: dict) -> None:
    running.send.command("projects")
    replies(running)
    down_to_two(running, ada, 2)
    advance(running, minutes=2)
    before = running.toggl.count()
    running.send.command("projects")
    listed = all_text(replies(running, 3)[-1])
    assert running.toggl.count() == before  # the last two are kept
    assert "1–40 of 450" in listed and "From the app's copy, as of 09:32" in listed and "resets in 18 min" in listed
    running.send.command("start Writing")
    started = all_text(replies(running, 4)[-1])
    assert "Started *Writing*" in started
    assert running.toggl.running_entry(ada["token"])["description"] == "Writing"  # type: ignore[index]  # None fails all the same
    running.send.command("stop")
    assert "Stopped" in all_text(replies(running, 5)[-1]) and running.toggl.running_entry(ada["token"]) is None


def test_with_nothing_left_start_says_it_did_not_start_and_when_to_try_again(running: Running, ada: dict) -> None:
    ada["person"].quota_left = 0
    running.toggl.quota_resets_in = 1200
    running.send.command("start Writing")
    text = all_text(replies(running)[-1])
    assert "did *not* start" in text and "resets in 20 min" in text and "start` again then" in text
    assert "Nothing is lost" not in text
    assert running.toggl.running_entry(ada["token"]) is None


def test_with_nothing_left_stop_says_the_timer_still_runs(running: Running, ada: dict) -> None:
    running.send.command("start Writing")
    replies(running)
    ada["person"].quota_left = 0
    running.toggl.quota_resets_in = 600
    running.send.command("stop")
    text = all_text(replies(running, 2)[-1])
    assert "did *not* stop: it is still running" in text and "resets in 10 min" in text
    assert "Nothing is lost" not in text and running.toggl.running_entry(ada["token"]) is not None


def test_the_home_tabs_refresh_says_why_it_shows_the_copy(running: Running, ada: dict) -> None:
    running.send.command("projects")
    replies(running)
    down_to_two(running, ada, 2)
    open_home(running)
    advance(running, minutes=2)
    before = running.toggl.count("/projects")
    running.send.home_button("home_refresh", buttons.encode(buttons.RefreshHome()))
    view = running.slack.wait_for_calls("views.publish", 2)[1].body["view"]
    assert running.toggl.count("/projects") == before  # (the timer is on the other quota, `/me`'s)
    assert "From the app's copy, as of 09:32" in all_text(view) and "kept for starting and stopping" in all_text(view)


def test_a_slow_toggl_gets_the_copy_first_and_the_fresh_answer_replaces_it(running: Running, ada: dict) -> None:
    running.toggl.age()
    running.send.command("projects")
    replies(running)
    advance(running, minutes=2)  # past the freshness window: the next list asks Toggl
    running.toggl.fail("/projects", kind="slow", delay=2.5)
    running.send.command("projects")
    first, fresh = replies(running, 3)[1:]
    assert first["response_type"] == "ephemeral" and "replace_original" not in first
    assert "1–40 of 450" in all_text(first) and "From the app's copy, as of 09:30: Toggl is slow" in all_text(first)
    assert fresh["replace_original"] is True
    assert "1–40 of 450" in all_text(fresh) and "slow" not in all_text(fresh)
    running.settle()
    assert len(running.slack.of("/hooks/r1")) == 3  # nothing else came


def test_a_slow_toggl_with_no_copy_sends_the_answer_alone(running: Running, ada: dict) -> None:
    running.toggl.fail("/projects", kind="slow", delay=2.0)
    running.send.command("projects")
    (only,) = replies(running)
    assert "1–40 of 450" in all_text(only) and "replace_original" not in only
    running.settle()
    assert len(running.slack.of("/hooks/r1")) == 1


def test_a_slow_start_gets_no_answer_from_the_copy(running: Running, ada: dict) -> None:
    running.toggl.fail("/time_entries", kind="slow", delay=2.0)
    running.send.command("start Writing")
    (only,) = replies(running)
    assert "Started *Writing*" in all_text(only)
    running.settle()
    assert len(running.slack.of("/hooks/r1")) == 1


def test_at_the_reserve_with_no_copy_of_the_projects_start_says_what_works_now(running: Running, ada: dict) -> None:
    ada["person"].quota_left = 3
    running.toggl.quota_resets_in = 1200
    running.service.reader.client(running.service.accounts.account(ADA)).clients(ada["wid"])  # the reading: 2 left
    running.send.command("start Writing project:website")
    text = all_text(replies(running)[-1])
    assert "did *not* start" in text and "without `project:` works now" in text and "resets in 20 min" in text
    running.send.command("start Writing")
    assert "Started *Writing*" in all_text(replies(running, 2)[-1])


def test_in_a_dm_a_slow_toggl_gets_the_copy_first_and_the_fresh_answer_updates_it(running: Running, ada: dict) -> None:
    running.toggl.age()
    running.send.dm("projects", event_id="EvDm1")
    running.slack.wait_for_calls("chat.postMessage", 1)
    advance(running, minutes=2)
    running.toggl.fail("/projects", kind="slow", delay=2.5)
    running.send.dm("projects", event_id="EvDm2")
    (update,) = running.slack.wait_for_calls("chat.update", 1)
    first = running.slack.of("chat.postMessage")[1]
    assert "Toggl is slow" in all_text(first.body) and "1–40 of 450" in all_text(first.body)
    assert update.body["channel"] == "D1" and update.body["ts"] == "1700000000.000100"
    assert "1–40 of 450" in all_text(update.body) and "slow" not in all_text(update.body)
    running.settle()
    assert len(running.slack.of("chat.postMessage")) == 2
