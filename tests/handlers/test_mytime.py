"""`today` and `week` end to end: the person's own time per project with the billable share, from one Reports
request, in their Toggl time zone and week; answered privately wherever they ask."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.blockkit import all_text
from tests.clocks import BERLIN
from tests.fakes.app import Running
from tests.handlers.test_timers import me_requests, replies

H = 3600


BO = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"


def berlin_today(running: Running, hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    today = running.service.clock.now().astimezone(BERLIN).date() + dt.timedelta(days=days)
    return dt.datetime.combine(today, dt.time(hour, minute), BERLIN)


def track(running: Running, ada: dict, description: str, start: dt.datetime, hours: float, **fields: Any) -> None:
    running.toggl.add_time_entry(ada["token"], ada["wid"], description, start, start + dt.timedelta(hours=hours), **fields)


def test_today_per_project_with_the_billable_share_from_one_report(running: Running, ada: dict) -> None:
    website = ada["website"]["id"]
    other = running.toggl.add_project(ada["wid"], "Internal <tools>")["id"]
    track(
        running, ada, "Design", berlin_today(running, 0, 30), 2, project_id=website, billable=True
    )  # 23:30 UTC the day before
    track(running, ada, "Review", berlin_today(running, 3), 1, project_id=website)
    track(running, ada, "Tooling", berlin_today(running, 5), 0.5, project_id=other)
    track(running, ada, "Email", berlin_today(running, 6), 0.25)
    track(running, ada, "Yesterday", berlin_today(running, 22, days=-1), 1, project_id=website)
    running.toggl.add_person(BO, name="Bo", workspaces=[ada["wid"]])
    running.toggl.add_time_entry(BO, ada["wid"], "Not Ada's", berlin_today(running, 1), berlin_today(running, 2))
    running.send.command("projects")  # the copy of the projects names them
    replies(running)
    running.toggl.requests.clear()
    running.send.command("today", response_url=running.slack.hook("today"))
    (reply,) = replies(running, hook="today")
    assert reply["response_type"] == "ephemeral"
    text = all_text(reply)
    assert "Today, Mon 23 Nov 2026" in text
    assert "*3 h 45 min* tracked · 2 h billable (53%)" in text
    assert "Website redesign" in text and "3 h · 66% billable" in text
    assert "Internal &lt;tools&gt;" in text and "30 min" in text and "_No project_ — 15 min" in text
    assert [r.path.rsplit("/", 1)[-1] for r in running.toggl.requests] == ["time_entries"]  # one Reports request
    (request,) = running.toggl.requests
    assert request.body["user_ids"] == [ada["person"].me["id"]] and me_requests(running) == []


def test_a_report_without_a_billable_split_says_the_share_is_unknown(running: Running, ada: dict) -> None:
    """Trial, on the free plan: "none billable", though Toggl's report had no billable figures to give."""
    running.toggl.workspaces[ada["wid"]]["premium"] = False
    track(running, ada, "Design", berlin_today(running, 9), 2, project_id=ada["website"]["id"], billable=True)
    running.send.command("projects")  # the copy of the projects names them
    replies(running)
    running.toggl.requests.clear()
    running.send.command("today", response_url=running.slack.hook("today"))
    text = all_text(replies(running, hook="today")[0])
    assert "*2 h* tracked · billable share unknown" in text and "none billable" not in text and "% billable" not in text
    assert [r.path.rsplit("/", 1)[-1] for r in running.toggl.requests] == ["time_entries"]  # still one Reports request
    running.toggl.workspaces[ada["wid"]]["premium"] = True  # a paid plan: the split comes in the same request
    running.send.command("week", response_url=running.slack.hook("week"))
    assert "*2 h* tracked · 2 h billable (100%)" in all_text(replies(running, hook="week")[0])


def test_week_follows_the_toggl_week_start(running: Running, ada: dict) -> None:
    running.toggl.people[ada["token"]].me["beginning_of_week"] = 0  # weeks from Sunday
    running.service.accounts.connect("T1", "U1", ada["token"])  # the profile is read again
    track(running, ada, "Sunday work", berlin_today(running, 10, days=-1), 2, project_id=ada["website"]["id"])
    track(running, ada, "Saturday work", berlin_today(running, 10, days=-2), 1, project_id=ada["website"]["id"])
    track(running, ada, "Monday work", berlin_today(running, 8), 1, project_id=ada["website"]["id"])
    running.send.dm("week")
    (post,) = running.slack.wait_for_calls("chat.postMessage")
    text = all_text(post.body)
    assert post.body["channel"] == "D1"
    assert "This week, Sun 22 – Sat 28 Nov 2026" in text
    assert "*3 h* tracked" in text  # Sunday and Monday, not Saturday


def test_nothing_tracked_today_and_a_running_timer_is_mentioned(running: Running, ada: dict) -> None:
    running.send.command("start Writing")
    replies(running)
    running.service.clock.advance(minutes=10)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    running.send.command("today")
    (_, reply) = replies(running, 2)
    text = all_text(reply)
    assert "You tracked nothing today" in text and "Not counted yet: *Writing*, running since 09:30 (10 min)" in text


def test_today_needs_a_connection(running: Running) -> None:
    running.send.command("today", user="U9")
    (reply,) = replies(running)
    assert "connect_open" in str(reply["blocks"])


def test_today_right_after_stop_counts_the_stopped_timer(running: Running, ada: dict) -> None:
    """Found in review: the report kept for the freshness window hid a timer stopped a moment later."""
    running.send.command("start Writing", response_url=running.slack.hook("start"))
    replies(running, hook="start")
    running.service.clock.advance(hours=1)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    running.send.command("today", response_url=running.slack.hook("before"))
    replies(running, hook="before")
    running.send.command("stop", response_url=running.slack.hook("stop"))
    replies(running, hook="stop")
    running.service.clock.advance(seconds=20)  # type: ignore[attr-defined]  # FrozenClock; inside the freshness window
    running.send.command("today", response_url=running.slack.hook("after"))
    (after,) = replies(running, hook="after")
    assert "*1 h* tracked" in all_text(after)
