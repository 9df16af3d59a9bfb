"""What a new user's trial found (issue 18): each answer as the person now reads it, over the fake Toggl."""

from __future__ import annotations

import datetime as dt

from slack_sdk import WebClient

from bot import buttons
from bot.answers import answer
from bot.personal.runner import PersonalRunner
from bot.service import Service
from bot.slack import SlackGateway
from tests.blockkit import all_text, assert_valid_message, elements_of
from tests.clocks import berlin, day
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world
from tests.test_answers import ADA, say


def connected(fake_toggl: FakeToggl, service: Service) -> dict:
    world = standard_world(fake_toggl)
    service.accounts.connect("T1", "U1", world["token"])
    return world


def advance(service: Service, **delta: float) -> None:
    service.clock.advance(**delta)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock


def test_start_while_a_timer_runs_says_what_was_stopped_and_after_how_long(fake_toggl: FakeToggl, service: Service) -> None:
    world = connected(fake_toggl, service)
    say(service, "start Writing &lt;drafts&gt; project:website")
    advance(service, minutes=45)
    text = say(service, "start Reviewing")
    assert "Started *Reviewing*" in text
    assert "Toggl stopped *Writing &lt;drafts&gt;*" in text and "after 45 min (09:30–10:15)" in text
    assert fake_toggl.running_entry(world["token"])["description"] == "Reviewing"  # type: ignore[index]  # a None fails the test all the same
    advance(service, seconds=20)
    assert "Toggl stopped *Reviewing* (no project) after under a minute (10:15–10:15)." in say(service, "start Testing")


def test_a_timer_the_app_saw_long_ago_is_named_with_a_doubt(fake_toggl: FakeToggl, service: Service) -> None:
    world = connected(fake_toggl, service)
    now = service.clock.now()
    fake_toggl.add_time_entry(world["token"], world["wid"], "From the web app", now - dt.timedelta(minutes=20))
    assert "From the web app" in say(service, "now")
    advance(service, hours=3)  # what the app saw is old: it may have been stopped since
    text = say(service, "start Reviewing")
    assert "Started *Reviewing*" in text
    assert (
        "Toggl stopped *From the web app* (no project) after 3 h 20 min (09:10–12:30),"
        " if it still ran: I last saw it at 09:30" in text
    )


def test_a_bare_start_says_toggl_shows_no_description(fake_toggl: FakeToggl, service: Service) -> None:
    connected(fake_toggl, service)
    text = say(service, "start")
    assert "Started *(no description)*" in text and "Toggl shows it as “(no description)”" in text
    assert "`start <description>`" in text


def test_starting_on_an_ended_project_says_it_has_ended(
    fake_toggl: FakeToggl, service: Service, base_time: dt.datetime
) -> None:
    world = connected(fake_toggl, service)
    fake_toggl.add_project(world["wid"], "Old <launch>", end_date=day(base_time, -10))
    fake_toggl.add_project(world["wid"], "Finished", status="ended")
    text = say(service, "start Fixing project:old")
    ended = dt.date.fromisoformat(day(base_time, -10))
    assert "Started *Fixing* on" in text and f"ended on {ended:%a} {ended.day} {ended:%b %Y}" in text
    assert "Old &lt;launch&gt;" in text
    assert "has ended in Toggl" in say(service, "start More project:finished")
    assert "ended" not in say(service, "start Fine project:website")


def test_disconnect_with_a_timer_running_says_it_keeps_running(fake_toggl: FakeToggl, service: Service) -> None:
    world = connected(fake_toggl, service)
    say(service, "start Writing project:website")
    text = say(service, "disconnect")
    assert "Disconnected" in text and "*Writing*" in text and "keeps running in Toggl" in text
    assert fake_toggl.running_entry(world["token"]) is not None
    connected(fake_toggl, service)
    say(service, "stop")
    assert "keeps running" not in say(service, "disconnect")


def test_after_a_disconnect_the_app_does_not_say_not_connected_yet(fake_toggl: FakeToggl, service: Service) -> None:
    connected(fake_toggl, service)
    say(service, "disconnect")
    text = say(service, "projects")
    assert "yet" not in text and "not connected" in text
    never = say(service, "projects", ADA.__class__(team_id="T1", user_id="U2"))
    assert "yet" not in never and "not connected" in never  # true for one who never connected too


def test_a_timer_of_seconds_reads_under_a_minute(fake_toggl: FakeToggl, service: Service) -> None:
    connected(fake_toggl, service)
    say(service, "start Quick one")
    advance(service, seconds=12)
    text = say(service, "stop")
    assert "after under a minute (09:30–09:30)" in text and "0 min" not in text


def test_one_project_reads_as_one(fake_toggl: FakeToggl, service: Service) -> None:
    connected(fake_toggl, service)
    text = say(service, "projects")
    assert "1 active project" in text and "1 of 1" not in text and "1 active projects" not in text
    tasks = say(service, "tasks website")
    assert "1 active task" in tasks and "1 of 1" not in tasks


def test_the_greeting_mentions_timers(fake_toggl: FakeToggl, service: Service) -> None:
    assert "`start <description>`" in say(service, "hello")
    connected(fake_toggl, service)
    assert "`start <description>`" in say(service, "hello") and "`stop`" in say(service, "hello")


def test_the_reminder_has_a_start_button_that_starts_a_timer(
    fake_toggl: FakeToggl, service: Service, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    world = connected(fake_toggl, service)
    now = service.clock.now()
    service.clock.set(berlin(now, -2, "12:00"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    service.personal.set("T1", "U1", "reminder", cadence="weekdays", weekday=None, at_time="17:30", timezone="Europe/Berlin")
    service.clock.set(berlin(base_time, 0, "17:31"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url))
    (outcome,) = PersonalRunner(service.with_slack(gateway), gateway).run_due()
    assert outcome.status == "sent"
    (dm,) = [c.body for c in fake_slack.of("chat.postMessage") if c.body["channel"] == "U1"]
    assert_valid_message(dm)
    (start,) = [e for e in elements_of(dm) if e.get("type") == "button" and e["text"]["text"] == "Start a timer"]
    value = buttons.decode(start["value"])
    assert isinstance(value, buttons.Restart)  # a second press is caught as for every Start button
    command = buttons.to_command(value)
    assert command is not None
    (started,) = answer(command, ADA, service).messages
    assert "Started *(no description)*" in all_text(started)
    assert fake_toggl.running_entry(world["token"]) is not None
