"""Forecasts in the digest and the project lists: when a project crosses its estimate at the last four weeks'
pace, from one Reports request per workspace per digest, never one per project."""

from __future__ import annotations

import datetime as dt
from typing import Any

from slack_sdk import WebClient

from bot.answers import answer
from bot.budget import forecasts_for
from bot.commands import parse
from bot.digest.rules import judge
from bot.digest.runner import DigestRunner
from bot.identity import Asker
from bot.service import Service
from bot.slack import SlackGateway
from bot.toggl.models import Period, Project, RecurringParameters
from tests.blockkit import all_text, assert_valid_message
from tests.clocks import berlin, day
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world

H = 3600
TODAY = dt.date(2026, 11, 23)


def project(pid: int, name: str, tracked: int, estimate: int | None, **fields: Any) -> Project:
    return Project(id=pid, name=name, actual_seconds=tracked, estimated_seconds=estimate, **fields)


def test_approaching_projects_carry_their_forecast_and_healthy_ones_heading_over_are_listed() -> None:
    projects = [
        project(1, "Approaching", 9 * H, 10 * H),
        project(2, "Healthy but fast", 5 * H, 10 * H),
        project(3, "Healthy and slow", 1 * H, 1000 * H),
        project(4, "Over", 12 * H, 10 * H),
        project(5, "Quiet", 5 * H, 10 * H),
        project(6, "Muted", 5 * H, 10 * H),
        project(7, "Archived", 5 * H, 10 * H, active=False, status="archived"),
    ]
    pace = {1: 0.5 * H, 2: 1 * H, 3: 0.5 * H, 4: 5 * H, 6: 1 * H, 7: 1 * H}
    report = judge(projects, [], {}, threshold=80, muted_ids=[6], today=TODAY, pace=pace)
    (approaching,) = report.approaching
    assert approaching.forecast is not None and approaching.forecast.crossing == dt.date(2026, 11, 25)
    assert [f.project.name for f in report.heading_over] == ["Healthy but fast"]  # "slow": over a year away
    assert report.heading_over[0].forecast.crossing == dt.date(2026, 11, 28)  # type: ignore[union-attr]  # a None fails the test all the same
    assert report.over[0].forecast is None  # over already: listed as over, not forecast
    assert judge(projects, [], {}, threshold=80, today=TODAY).heading_over == []  # no pace, no forecasts


def test_a_recurring_project_is_forecast_within_its_current_period() -> None:
    params = [RecurringParameters(period="monthly", estimated_seconds=20 * H)]
    period = Period(start_date=dt.date(2026, 11, 1), end_date=dt.date(2026, 11, 30))
    retainer = Project(id=1, name="Retainer", recurring=True, recurring_parameters=params, current_period=period)
    within = forecasts_for([retainer], {1: 15 * H}, {1: 1 * H}, TODAY)
    assert within[1].crossing == dt.date(2026, 11, 28)
    assert forecasts_for([retainer], {1: 15 * H}, {1: 0.5 * H}, TODAY) == {}  # crosses only next period
    assert forecasts_for([retainer], {1: "unavailable"}, {1: 5 * H}, TODAY) == {}  # no figure, no forecast


def test_the_digest_shows_forecasts_from_one_pace_request_per_workspace(
    fake_toggl: FakeToggl, service: Service, fake_slack: FakeSlack, base_time: dt.datetime
) -> None:
    world = standard_world(fake_toggl)  # Website redesign: 5 h 30 min of 10 h
    wid, token = world["wid"], world["token"]
    fake_toggl.add_project(wid, "Nearly there", actual_seconds=9 * H, estimated_seconds=10 * H)
    for n in range(14):  # 28 hours over the last four weeks: an hour a day on Website redesign
        start = berlin(base_time, -2 * n - 1, "10:00")
        fake_toggl.add_time_entry(
            token, wid, "Work", start, start + dt.timedelta(hours=2), project_id=world["website"]["id"]
        )
    service.accounts.connect("T1", "U1", token)
    service.clock.set(berlin(base_time, -2, "12:00"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    for channel in ("C1", "C2", "C3"):
        service.subscriptions.subscribe("T1", channel, "U1", cadence="weekdays", weekday=None, at_time="09:00",
                                              timezone="Europe/Berlin")  # fmt: skip
    service.clock.set(berlin(base_time, 0, "09:30"))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    fake_toggl.requests.clear()
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url))
    outcomes = DigestRunner(service, gateway).run_due()
    assert [o.status for o in outcomes] == ["posted"] * 3
    assert fake_toggl.count("/summary/time_entries") == 1  # one pace request for three digests of one workspace
    digest = fake_slack.of("chat.postMessage")[0].body
    assert_valid_message(digest)
    text = all_text(digest)
    crossing = dt.date.fromisoformat(day(base_time, 5))  # 4 h 30 min left at an hour a day
    assert ":crystal_ball: Heading over" in text and f"at this pace, over on {crossing:%a %-d %b}" in text
    assert "1 heading over within 4 weeks" in text and "Heading over within 4 weeks" in text


def test_the_project_list_shows_forecasts_and_keeps_the_pace_an_hour(
    fake_toggl: FakeToggl, service: Service, base_time: dt.datetime
) -> None:
    world = standard_world(fake_toggl)
    wid, token = world["wid"], world["token"]
    start = berlin(base_time, -3, "10:00")
    fake_toggl.add_time_entry(token, wid, "Work", start, start + dt.timedelta(hours=28), project_id=world["website"]["id"])
    service.accounts.connect("T1", "U1", token)
    asker = Asker(team_id="T1", user_id="U1", channel_id="C1")
    (message,) = answer(parse("projects"), asker, service).messages
    assert_valid_message(message)
    assert "at this pace, over on" in all_text(message) and "pace of the last four weeks" in all_text(message)
    service.clock.advance(minutes=30)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    answer(parse("projects"), asker, service)
    assert fake_toggl.count("/summary/time_entries") == 1


def test_a_crossing_after_the_end_date_is_never_forecast_and_the_digest_looks_four_weeks_ahead(
    fake_toggl: FakeToggl, service: Service, base_time: dt.datetime
) -> None:
    """The trial's digest said "Healthy project · 20% · at this pace, over in about 5 months" under heading over,
    though the project ends in 90 days: a crossing after the end is no forecast, and five months is no news for
    a digest that comes again next week."""
    world = standard_world(fake_toggl)
    wid, token = world["wid"], world["token"]
    ending = fake_toggl.add_project(wid, "Healthy project", actual_seconds=20 * H, estimated_seconds=100 * H,
                                    end_date=day(base_time, 90))  # fmt: skip
    open_ended = fake_toggl.add_project(wid, "Long haul", actual_seconds=20 * H, estimated_seconds=100 * H)
    for pid in (ending["id"], open_ended["id"]):  # 15 h in four weeks: 80 h left take about 5 months
        for n in range(1, 16):
            start = berlin(base_time, -n, "10:00")
            fake_toggl.add_time_entry(token, wid, "Work", start, start + dt.timedelta(hours=1), project_id=pid)
    service.accounts.connect("T1", "U1", token)
    asker = Asker(team_id="T1", user_id="U1", channel_id="C1")
    (digest,) = answer(parse("digest preview"), asker, service).messages
    assert_valid_message(digest)
    text = all_text(digest)
    assert "Healthy project" not in text and "Long haul" not in text  # neither crosses within four weeks
    (listing,) = answer(parse("projects"), asker, service).messages
    lines = all_text(listing).splitlines()
    (healthy,) = [line for line in lines if "Healthy project" in line]
    (long_haul,) = [line for line in lines if "Long haul" in line]
    assert "at this pace" not in healthy  # it ends before it would cross
    assert "at this pace, over in about 5 months" in long_haul  # a list may look further ahead than a digest


def test_forecasts_stop_at_the_end_date_and_the_digest_horizon_is_four_weeks() -> None:
    ends = dt.date(2026, 12, 20)
    soon = project(1, "Ends soon", 5 * H, 10 * H, end_date=ends)
    assert forecasts_for([soon], {}, {1: 1 * H}, TODAY)[1].crossing == dt.date(2026, 11, 28)  # before its end
    assert forecasts_for([soon], {}, {1: 0.1 * H}, TODAY) == {}  # would cross on 12 Jan, after its end
    far = project(2, "Far", 0, 40 * H)
    assert forecasts_for([far], {}, {2: 1 * H}, TODAY)[2].days == 40  # a list may show it
    assert judge([far], [], {}, threshold=80, today=TODAY, pace={2: 1 * H}).heading_over == []  # the digest does not
    near = project(3, "Near", 0, 28 * H)
    report = judge([near], [], {}, threshold=80, today=TODAY, pace={3: 1 * H})
    assert [f.project.name for f in report.heading_over] == ["Near"]  # 28 days: the last day within
