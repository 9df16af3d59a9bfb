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
