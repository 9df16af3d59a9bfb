"""Toggl answers in bad weather: one too large or too deeply nested is refused with a sentence, read no further
than the cap, and kept nowhere (issue 17, "Large answers")."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import pytest

from bot import toggl
from bot.answers import answer
from bot.clock import FrozenClock
from bot.commands import parse
from bot.identity import Asker
from bot.service import Service
from bot.toggl import TogglClient
from bot.toggl.client import MAX_BODY_BYTES
from bot.toggl.errors import AnswerTooLarge
from tests.blockkit import all_text, assert_valid_message
from tests.fakes.toggl import FakeToggl, standard_world

ADA = Asker(team_id="T1", user_id="U1", channel_id="C1")
HUGE = 64 * 1024 * 1024


def test_a_huge_answer_is_refused_at_the_cap_without_reading_it_all(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    fake_toggl.fail("/projects", kind="huge", size=HUGE)
    client = TogglClient(world["token"], base_url=fake_toggl.url)
    tracemalloc.start()
    try:
        with pytest.raises(AnswerTooLarge):
            client.projects(world["wid"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_BODY_BYTES, f"peak {peak:,} bytes"  # the cap, its chunks joined, and change
    assert fake_toggl.huge_sent < HUGE // 2, f"the client read on: {fake_toggl.huge_sent:,} bytes sent"
    assert isinstance(AnswerTooLarge("x"), toggl.BadResponse)  # so every existing `BadResponse` path holds


@pytest.mark.parametrize("depth", [40, 100_000])
def test_an_answer_nested_too_deep_is_refused(fake_toggl: FakeToggl, depth: int) -> None:
    world = standard_world(fake_toggl)
    fake_toggl.fail("/api/v9/me", kind="deep", size=depth)
    with pytest.raises(AnswerTooLarge):
        TogglClient(world["token"], base_url=fake_toggl.url).me()


def test_a_summary_report_nests_within_the_cap(fake_toggl: FakeToggl, clock: FrozenClock) -> None:
    """Toggl's deepest answer (groups, sub-groups, rates) is well inside the depth cap."""
    world = standard_world(fake_toggl)
    start = clock.now() - dt.timedelta(hours=2)
    fake_toggl.add_time_entry(
        world["token"], world["wid"], "Mockups", start, clock.now(), project_id=world["website"]["id"], billable=True
    )
    day = clock.now().date()
    report = TogglClient(world["token"], base_url=fake_toggl.url).summary(world["wid"], day, day)
    assert report.groups


@pytest.mark.parametrize("kind", ["huge", "deep"])
def test_projects_answers_a_sentence_and_keeps_nothing(fake_toggl: FakeToggl, service: Service, kind: str) -> None:
    world = standard_world(fake_toggl)
    service.accounts.connect("T1", "U1", world["token"])
    fake_toggl.fail("/projects", kind=kind, times=10)
    (message,) = answer(parse("projects"), ADA, service).messages
    assert_valid_message(message)
    assert "too large or too deeply nested for me to read" in all_text(message)
    assert service.store.cache.state("T1", "U1", world["wid"], "projects") is None
    assert service.store.cache.items("T1", "U1", world["wid"], "projects") == []
    fake_toggl.faults.clear()
    assert "Website redesign" in all_text(answer(parse("projects"), ADA, service).messages[0])


def page_numbers(fake: FakeToggl) -> list[int]:
    return [int(r.query["page"][0]) for r in fake.requests if r.path.endswith("/projects")]


def test_a_large_workspace_is_listed_over_several_answers_keeping_each_part(fake_toggl: FakeToggl, service: Service) -> None:
    """2,100 projects: 11 pages. Each answer spends at most 5 of them and says the list is partial."""
    world = standard_world(fake_toggl, projects=2099)
    service.accounts.connect("T1", "U1", world["token"])
    first = all_text(answer(parse("projects"), ADA, service).messages[0])
    assert page_numbers(fake_toggl) == [1, 2, 3, 4, 5]
    assert "rest come as your Toggl quota allows" in first
    assert len(service.store.cache.items("T1", "U1", world["wid"], "projects")) == 1000
    second = all_text(answer(parse("projects"), ADA, service).messages[0])
    assert page_numbers(fake_toggl) == list(range(1, 11)) and "rest come as your Toggl quota allows" in second
    third = all_text(answer(parse("projects"), ADA, service).messages[0])
    assert page_numbers(fake_toggl) == list(range(1, 12))  # page 11 is short: the list is whole
    assert "rest come" not in third and "As of" not in third
    assert len(service.store.cache.items("T1", "U1", world["wid"], "projects")) == 2100


def test_a_quota_spent_mid_list_keeps_the_pages_read_and_resumes_after_them(
    fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    """The free plan's storm: one `projects` spent 32 requests, then met 402 and showed nothing, again and again."""
    world = standard_world(fake_toggl, projects=2099)
    service.accounts.connect("T1", "U1", world["token"])
    world["person"].quota_left = 3
    (message,) = answer(parse("projects"), ADA, service).messages
    assert "rest come as your Toggl quota allows" in all_text(message)  # a partial list, not a failure
    assert len(service.store.cache.items("T1", "U1", world["wid"], "projects")) == 600
    (message,) = answer(parse("projects"), ADA, service).messages  # within the hour: the part kept, no request
    assert "rest come" in all_text(message) and page_numbers(fake_toggl) == [1, 2, 3, 4]
    world["person"].quota_left = None
    clock.advance(seconds=fake_toggl.quota_resets_in)  # the hour is over
    answer(parse("projects"), ADA, service)
    assert page_numbers(fake_toggl) == [1, 2, 3, 4, 4, 5, 6, 7, 8]  # 4 was refused (402), then asked again


def test_a_normal_workspace_is_still_listed_whole_at_once(fake_toggl: FakeToggl, service: Service) -> None:
    world = standard_world(fake_toggl, projects=449)
    service.accounts.connect("T1", "U1", world["token"])
    text = all_text(answer(parse("projects"), ADA, service).messages[0])
    assert page_numbers(fake_toggl) == [1, 2, 3] and "rest come" not in text
