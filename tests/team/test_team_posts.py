"""The team lead's view end to end, on SQLite and PostgreSQL: a team post of five people with two under the minimum,
one Reports request per post, nudges only to those who allowed them, exactly once however many runners, and a
member's refusal that names the admins. Every test runs in each era of `tests.clocks`."""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient

from bot.service import Service
from bot.slack import SlackGateway
from bot.team import views
from bot.team.period import covered
from bot.team.runner import TeamRunner
from tests.blockkit import all_text, assert_valid_message, assert_valid_view, elements_of
from tests.clocks import ERA_IDS, ERAS, berlin
from tests.fakes.app import Running
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl

H = 3600
TOKENS = {name: (name[:2].lower() * 16)[:32] for name in ("Ada", "Bo", "Cy", "Di", "Ed")}


@pytest.fixture(params=ERAS, ids=ERA_IDS)
def base_time(request: pytest.FixtureRequest) -> dt.datetime:
    return request.param


def five(fake: FakeToggl, service: Service, base: dt.datetime) -> dict:
    """Ada (admin, U1), Bo (U2), Cy (U3), Di (U4, nudges on) connected; Ed tracks in Toggl but never connected.

    On the Friday before the era's Monday: Ada 6 h (2 h billable), Bo 1 h, Cy 4 h 30 on two projects, Di 0, Ed 5 h;
    the minimum is 4 h, so Bo and Di are under it. Monday morning's entries must not count.
    """
    ada = fake.add_person(TOKENS["Ada"], name="Ada Lovelace")
    wid = ada.workspace_ids[0]
    site = fake.add_project(wid, "Website redesign")
    ops = fake.add_project(wid, "Ops & <support>")
    for name in ("Bo", "Cy", "Di", "Ed"):
        fake.add_person(TOKENS[name], name=f"{name} Person", workspaces=[wid])
        fake.roles[(wid, fake.people[TOKENS[name]].me["id"])] = "user"
    friday = berlin(base, -3, "09:00")

    def track(who: str, hours: float, project: dict | None = site, billable: bool = False, at: dt.datetime = friday) -> None:
        pid = project["id"] if project else None
        fake.add_time_entry(TOKENS[who], wid, "work", at, at + dt.timedelta(hours=hours), project_id=pid, billable=billable)

    track("Ada", 4)
    track("Ada", 2, ops, billable=True, at=friday + dt.timedelta(hours=5))
    track("Bo", 1)
    track("Cy", 3)
    track("Cy", 1.5, ops, at=friday + dt.timedelta(hours=4))
    track("Ed", 5, None)
    track("Di", 8, at=berlin(base, 0, "06:00"))  # Monday morning: not the Friday's
    track("Bo", 8, at=berlin(base, -2, "10:00"))  # Saturday: not the Friday's either
    for user, name in (("U1", "Ada"), ("U2", "Bo"), ("U3", "Cy"), ("U4", "Di")):
        service.accounts.connect("T1", user, TOKENS[name])
    service.team.set_nudge("T1", "U4", True)
    service.team.set_nudge("T1", "U3", True)
    return {"wid": wid}


def gateway(slack: FakeSlack) -> SlackGateway:
    return SlackGateway(WebClient(token="xoxb-test", base_url=slack.api_url))


def subscribe_before(service: Service, base: dt.datetime, wid: int, **schedule: object) -> int:
    """Ada's team post in C1, subscribed as of the Saturday before the era's Monday."""
    now = service.clock.now()
    service.clock.set(berlin(base, -2, "12:00"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    try:
        settings: dict = {"cadence": "weekdays", "weekday": None, "at_time": "09:00", "timezone": "Europe/Berlin"}
        settings.update(schedule)
        return service.team.subscribe("T1", "C1", "U1", workspace_id=wid, min_seconds=4 * H, **settings).id
    finally:
        service.clock.set(now)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock


def test_the_team_post_has_the_right_figures_once_with_one_reports_request_and_nudges_only_who_allowed_it(
    fake_toggl: FakeToggl, fake_slack: FakeSlack, service: Service, base_time: dt.datetime
) -> None:
    world = five(fake_toggl, service, base_time)
    subscribe_before(service, base_time, world["wid"])
    service.clock.set(berlin(base_time, 0, "09:01"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    fake_toggl.requests.clear()
    slack = gateway(fake_slack)
    first, second = TeamRunner(service.with_slack(slack), slack), TeamRunner(service.with_slack(slack), slack)

    (outcome,) = first.run_due()
    assert (outcome.status, outcome.nudged) == ("posted", 1)
    assert second.run_due() == [] and first.run_due() == []
    assert fake_toggl.count("/reports/") == 1 and fake_toggl.count("/weekly/time_entries") == 1

    posts = [c.body for c in fake_slack.of("chat.postMessage") if c.body["channel"] == "C1"]
    (post,) = posts
    assert_valid_message(post)
    text = all_text(post)
    friday = berlin(base_time, -3).date()
    assert f"Team time: Fri {friday.day} {friday:%b %Y}" in text
    assert "5 people · 16 h 30 min tracked" in text and "2 under 4 h" in text
    assert "*Ada Lovelace*: 6 h, 33% billable · Website redesign 4 h, Ops &amp; &lt;support&gt; 2 h" in text
    assert "*Bo Person*: 1 h, 0% billable · Website redesign 1 h :warning: _under 4 h_" in text  # said no: named
    assert "<@U4>: nothing tracked :warning: _under 4 h_" in text  # said yes: mentioned
    assert "<@U3>: 4 h 30 min, 0% billable · Website redesign 3 h, Ops &amp; &lt;support&gt; 1 h 30 min" in text
    assert "*Ed Person*: 5 h, 0% billable · (no project) 5 h" in text  # never connected: named, never mentioned
    assert text.index("<@U4>") < text.index("Bo Person") < text.index("Ada Lovelace")  # least first among those under
    assert "From <@U1>'s Toggl data, as a workspace admin" in text

    dms = [c.body for c in fake_slack.of("chat.postMessage") if c.body["channel"] != "C1"]
    (nudge,) = dms
    assert_valid_message(nudge)
    assert nudge["channel"] == "U4" and "You tracked 0 min on Fri" in all_text(nudge)
    action_ids = [e["action_id"] for b in nudge["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert action_ids == ["team_nudge_start", "log_time_open"]

    (post_row,) = service.team.all()
    assert post_row.last_lines[str(fake_toggl.people[TOKENS["Di"]].me["id"])].startswith("• *Di Person*: nothing tracked")
    (slot,) = service.team.leases.slots(post_row.id)
    assert slot.status == "posted" and slot.posted_ts


def test_a_runner_killed_after_claiming_leaves_the_post_to_the_next_run_which_posts_it_once(
    fake_toggl: FakeToggl, fake_slack: FakeSlack, service: Service, base_time: dt.datetime
) -> None:
    world = five(fake_toggl, service, base_time)
    post_id = subscribe_before(service, base_time, world["wid"])
    service.clock.set(berlin(base_time, 0, "09:01"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    assert service.team.leases.claim(post_id, "dead", "a dead runner", 60)  # an unrelated slot: harmless
    slot = berlin(base_time, 0, "09:00").astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
    assert service.team.leases.claim(post_id, slot, "a runner that died", 60)
    slack = gateway(fake_slack)
    runner = TeamRunner(service.with_slack(slack), slack)
    assert runner.run_due() == []  # its lease still runs
    service.clock.set(berlin(base_time, 0, "09:03"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    (outcome,) = runner.run_due()
    assert outcome.status == "posted" and runner.run_due() == []
    assert len([c for c in fake_slack.of("chat.postMessage") if c.body["channel"] == "C1"]) == 1


def test_a_disconnected_admin_pauses_the_post_and_the_channel_is_told_once(
    fake_toggl: FakeToggl, fake_slack: FakeSlack, service: Service, base_time: dt.datetime
) -> None:
    world = five(fake_toggl, service, base_time)
    subscribe_before(service, base_time, world["wid"])
    service.accounts.disconnect("T1", "U1")
    slack = gateway(fake_slack)
    runner = TeamRunner(service.with_slack(slack), slack)
    service.clock.set(berlin(base_time, 0, "09:01"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    (outcome,) = runner.run_due()
    assert outcome.status == "paused"
    service.clock.set(berlin(base_time, 1, "09:01"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    assert runner.run_due() == []
    (told,) = fake_slack.of("chat.postMessage")
    assert told.body["channel"] == "C1" and "The team post here is paused" in all_text(told.body)
    service.accounts.connect("T1", "U1", TOKENS["Ada"])
    assert service.team.all()[0].paused_reason is None


def test_runners_racing_post_once_and_a_refused_token_pauses_only_its_own_post(
    fake_toggl: FakeToggl, fake_slack: FakeSlack, service: Service, base_time: dt.datetime
) -> None:
    world = five(fake_toggl, service, base_time)
    subscribe_before(service, base_time, world["wid"])
    now = service.clock.now()
    service.clock.set(berlin(base_time, -2, "12:00"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    service.team.subscribe("T1", "C2", "U2", workspace_id=world["wid"], cadence="weekdays", weekday=None,
                           at_time="09:00", timezone="Europe/Berlin", min_seconds=None)  # fmt: skip
    service.clock.set(now)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    del fake_toggl.people[TOKENS["Bo"]]  # Toggl now refuses Bo's token: 401
    service.clock.set(berlin(base_time, 0, "09:01"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    slack = gateway(fake_slack)
    runners = [TeamRunner(service.with_slack(slack), slack) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = [o for found in pool.map(lambda r: r.run_due(), runners) for o in found]
    assert sorted((o.channel_id, o.status) for o in outcomes) == [("C1", "posted"), ("C2", "paused")]
    in_channel = [c.body for c in fake_slack.of("chat.postMessage") if c.body["channel"] in ("C1", "C2")]
    assert sorted(b["channel"] for b in in_channel) == ["C1", "C2"]
    (told,) = [b for b in in_channel if b["channel"] == "C2"]
    assert "Toggl no longer accepts the token" in all_text(told)
    service.clock.set(berlin(base_time, 1, "09:01"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    assert [o.channel_id for o in runners[0].run_due()] == ["C1"]  # C2 stays paused, and is not told again


def say(running: Running, words: str, user: str = "U1", hook: str = "r1", count: int = 1) -> str:
    running.send.command(words, user=user, response_url=running.slack.hook(hook))
    replies = running.slack.wait_for_calls(f"/hooks/{hook}", count)
    assert_valid_message(replies[-1].body)
    assert replies[-1].body.get("response_type", "ephemeral") == "ephemeral"
    return all_text(replies[-1].body)


def test_a_member_is_refused_with_the_admins_named_and_an_admin_subscribes_and_previews(
    running: Running, base_time: dt.datetime
) -> None:
    five(running.toggl, running.service, base_time)
    refused = say(running, "team subscribe weekdays at 9am min 4h", user="U2", hook="bo")
    assert "Only a Toggl workspace admin" in refused and "Ask *Ada Lovelace* to run `/toggl team subscribe`" in refused
    assert running.service.team.all() == []
    assert "Only a Toggl workspace admin" in say(running, "team preview", user="U2", hook="bo", count=2)
    running.toggl.members_see_users = False  # Cy has no copy of the list yet, and Toggl hides it from her
    assert "does not let your account see who the workspace's admins are" in say(
        running, "team subscribe", user="U3", hook="cy"
    )

    running.toggl.requests.clear()
    assert "This channel gets a team post weekdays at 09:00" in say(running, "team subscribe weekdays at 9am Berlin min 4h")
    (post,) = running.service.team.all()
    assert (post.user_id, post.cadence, post.at_time, post.min_seconds) == ("U1", "weekdays", "09:00", 4 * H)
    (announced,) = running.slack.wait_for_calls("chat.postMessage")
    assert "set up a team post here" in all_text(announced.body)
    preview = say(running, "team preview", count=2)
    assert "5 people · 16 h 30 min tracked" in preview and "2 under 4 h" in preview
    assert running.toggl.count("/reports/") == 1


def test_people_have_their_say_and_see_what_the_post_says_about_them(running: Running, base_time: dt.datetime) -> None:
    five(running.toggl, running.service, base_time)
    assert "no longer mention you" in say(running, "team nudge off", user="U4", hook="di")
    assert not running.service.team.nudge_of("T1", "U4")
    assert "may now mention you" in say(running, "team nudge on", user="U2", hook="bo")
    assert running.service.team.nudge_of("T1", "U2")
    assert "No team post has said anything about you yet" in say(running, "team me", user="U2", hook="bo", count=2)
    assert "Usage:" in say(running, "team frobnicate", count=1)


def test_the_home_tab_shows_the_team_posts_a_person_subscribed_and_their_say(
    running: Running, base_time: dt.datetime
) -> None:
    world = five(running.toggl, running.service, base_time)
    subscribe_before(running.service, base_time, world["wid"])
    running.send.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, "EvHome1")
    home = running.slack.wait_for_calls("views.publish")[0].body["view"]
    assert_valid_view(home)
    text = all_text(home)
    assert "Your team post in <#C1> · weekdays at 09:00 (Europe/Berlin) · marks under 4 h · next" in text
    assert "without mentioning you" in text
    switch = next(e for e in elements_of(home) if e["action_id"] == "home_team_nudge_on")
    running.send.home_button("home_team_nudge_on", switch["value"])
    redrawn = running.slack.wait_for_calls("views.publish", 2)[1].body["view"]
    assert "they may mention you" in all_text(redrawn) and running.service.team.nudge_of("T1", "U1")
    stop = next(e for e in elements_of(redrawn) if e["action_id"] == "home_team_stop")
    running.send.home_button("home_team_stop", stop["value"])
    running.slack.wait_for_calls("views.publish", 3)
    assert running.service.team.all() == []


def test_the_nudge_buttons_start_a_timer_and_open_the_log_form(running: Running, base_time: dt.datetime) -> None:
    world = five(running.toggl, running.service, base_time)
    nudge = views.nudge(covered("weekdays", base_time.date()), 0, 4 * H, world["wid"], "C1")
    start, log = (e for b in nudge["blocks"] if b["type"] == "actions" for e in b["elements"])
    running.send.button(log["action_id"], log["value"], user="U4", response_url=running.slack.hook("di"))
    (opened,) = running.slack.wait_for_calls("views.open")
    assert "Log time" in json.dumps(opened.body)  # the `log_time` shortcut's form
    running.send.button(start["action_id"], start["value"], user="U4", response_url=running.slack.hook("di"))
    running.slack.wait_for_calls("/hooks/di", 1)
    assert running.toggl.running_entry(TOKENS["Di"]) is not None
