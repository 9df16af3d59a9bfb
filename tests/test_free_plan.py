"""Toggl's free plan (30 requests an hour, and 30 under `/me`): the realistic hour fits, and each saving holds.

The hour itself is `bench.free_hour` (the same steps, counted by the fake Toggl); here it must stay within
16 workspace requests and 3 under `/me`, however fast it is played. The other tests pin each lever apart.
"""

from __future__ import annotations

import pytest

from bench.free_hour import TARGET_ME, TARGET_ORG, play
from bot.answers import answer
from bot.clock import FrozenClock
from bot.commands import parse
from bot.identity import Asker
from bot.service import Service
from tests.blockkit import all_text
from tests.fakes.toggl import FakeToggl, standard_world

ADA = Asker(team_id="T1", user_id="U1")


def say(service: Service, words: str) -> str:
    return "\n".join(all_text(m) for m in answer(parse(words), ADA, service).messages)


@pytest.fixture
def world(fake_toggl: FakeToggl, service: Service) -> dict:
    world = standard_world(fake_toggl, projects=449)
    world["person"].quota_left = 30  # the free plan
    for name in ("Project 0001", "Project 0002"):
        pid = next(p["id"] for p in fake_toggl.projects[world["wid"]].values() if p["name"] == name)
        fake_toggl.add_task(world["wid"], pid, f"Plan for {name}")
    fake_toggl.age()
    service.accounts.connect("T1", "U1", world["token"])
    fake_toggl.requests.clear()
    return world


@pytest.mark.parametrize("pace", [1.0, 2 / 60], ids=["over an hour", "in two minutes"])
def test_the_realistic_hour_fits_the_free_plan(pace: float) -> None:
    _, total = play(pace)
    assert total.org <= TARGET_ORG and total.me <= TARGET_ME, total


def test_one_request_brings_the_tasks_of_several_projects(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    say(service, "projects")
    fake_toggl.requests.clear()
    assert "Design" in say(service, "tasks Website redesign")
    assert "Plan for Project 0001" in say(service, "tasks Project 0001")
    assert "Plan for Project 0002" in say(service, "tasks Project 0002")
    asked = [r for r in fake_toggl.requests if r.path.endswith("/tasks")]
    assert len(asked) == 1 and "pid" not in asked[0].query  # the workspace's tasks, once


def test_a_workspace_with_more_tasks_than_a_page_is_asked_per_project(
    world: dict, fake_toggl: FakeToggl, service: Service
) -> None:
    for n in range(201):
        fake_toggl.add_task(world["wid"], world["website"]["id"], f"Chore {n:03d}")
    say(service, "tasks Project 0001")
    say(service, "tasks Project 0002")
    asked = [r.query.get("pid") for r in fake_toggl.requests if r.path.endswith("/tasks")]
    named = ("Project 0001", "Project 0002")
    pids = [str(p["id"]) for p in fake_toggl.projects[world["wid"]].values() if p["name"] in named]
    # one page to learn there are too many (noted for a day), then each project's own
    assert asked == [None, [pids[0]], [pids[1]]]


def test_on_a_low_quota_lists_are_kept_a_quarter_hour(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    say(service, "projects")
    fake_toggl.requests.clear()
    clock.advance(minutes=10)
    text = say(service, "projects client:Acme")
    assert fake_toggl.count() == 0 and "Website redesign" in text and "As of" not in text
    clock.advance(minutes=6)
    say(service, "projects")
    assert fake_toggl.count("/projects") == 1  # past the quarter hour: one `since` page


def test_with_quota_to_spare_lists_are_kept_a_minute(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    world["person"].quota_left = 240  # a paid plan: freshness is worth a request
    say(service, "projects")
    fake_toggl.requests.clear()
    clock.advance(minutes=2)
    say(service, "projects")
    assert fake_toggl.count("/projects") == 1


def test_a_timer_started_here_is_known_without_asking(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    say(service, "start Writing")
    fake_toggl.requests.clear()
    for _ in range(4):
        clock.advance(minutes=3)
        assert "Writing" in say(service, "now")
    assert fake_toggl.count("/me") == 0
    clock.advance(minutes=4)  # past a quarter hour: Toggl may know of a change made elsewhere
    say(service, "now")
    assert fake_toggl.count("/me/time_entries/current") == 1


def test_a_project_is_found_by_name_in_the_copy(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    say(service, "projects")
    clock.advance(minutes=30)
    fake_toggl.requests.clear()
    assert "started" in say(service, "start Review project:Project 0001").casefold()
    assert fake_toggl.count("/projects") == 0
    fake_toggl.add_project(world["wid"], "Brand new")
    assert "started" in say(service, "start Kickoff project:Brand new").casefold()
    assert fake_toggl.count("/projects") == 1  # a name the copy lacks: one refresh


def test_on_a_low_quota_a_failing_read_is_retried_once_and_the_copy_answers(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    say(service, "projects")
    clock.advance(minutes=16)
    fake_toggl.requests.clear()
    fake_toggl.fail("/projects", status=503, times=10)
    text = say(service, "projects")
    assert "Toggl is not answering right now" in text and "1–40 of 450" in text
    assert fake_toggl.count("/projects") == 2  # the request and one retry: each one is on the hourly quota


def test_with_quota_to_spare_a_failing_read_is_retried_as_usual(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    world["person"].quota_left = 240
    say(service, "projects")
    clock.advance(minutes=2)
    fake_toggl.requests.clear()
    fake_toggl.fail("/projects", status=503, times=10)
    assert "Toggl is not answering right now" in say(service, "projects")
    assert fake_toggl.count("/projects") == 4


def test_at_the_reserve_today_comes_from_the_copy_saying_so(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    say(service, "today")
    world["person"].quota_left = 3
    fake_toggl.quota_resets_in = 1200
    service.reader.client(service.accounts.account(ADA)).clients(world["wid"])  # the reading: 2 left
    clock.advance(minutes=5)
    fake_toggl.requests.clear()
    text = say(service, "today")
    assert fake_toggl.count() == 0
    assert "From the app's copy, as of 09:30" in text and "resets in 15 min" in text


def test_an_archived_project_in_the_copy_is_refused_by_name_without_asking(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    fake_toggl.add_project(world["wid"], "Old archive", active=False, status="archived")
    say(service, "projects")
    clock.advance(minutes=20)
    fake_toggl.requests.clear()
    assert "archived" in say(service, "start Digging project:old archive")
    assert fake_toggl.count() == 0 and fake_toggl.running_entry(world["token"]) is None
