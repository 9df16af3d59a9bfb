"""Personal schedules in the store: one per person and kind, changed in place, paused and resumed, and slots
claimed as leases exactly like a digest's, on both engines."""

from __future__ import annotations

from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.slots import ScheduleError
from bot.store import Store
from tests.stored import count_rows

REMIND: dict[str, Any] = {"cadence": "weekdays", "weekday": None, "at_time": "17:30", "timezone": "Europe/Berlin"}


def test_opting_in_twice_changes_the_one_schedule(store: Store) -> None:
    first = store.personal.set("T1", "U1", "reminder", **REMIND)
    again = store.personal.set("T1", "U1", "reminder", **{**REMIND, "at_time": "18:00"})
    assert again.id == first.id and again.at_time == "18:00" and again.created_at == first.created_at
    summary = store.personal.set("T1", "U1", "summary", cadence="weekly", weekday=0, at_time="09:00", timezone="UTC")
    assert [s.kind for s in store.personal.of_person("T1", "U1")] == ["reminder", "summary"]
    assert store.personal.get("T1", "U1", "summary") == summary and store.personal.get("T1", "U2", "summary") is None


def test_a_schedule_that_cannot_run_is_refused(store: Store) -> None:
    with pytest.raises(ScheduleError):
        store.personal.set("T1", "U1", "reminder", **{**REMIND, "timezone": "Mars/Olympus"})
    assert store.personal.all() == []


def test_pause_resume_and_opt_out(store: Store) -> None:
    sched = store.personal.set("T1", "U1", "reminder", **REMIND)
    assert store.personal.pause_of("T1", "U1", "disconnected") == 1
    assert store.personal.get("T1", "U1", "reminder").paused_reason == "disconnected"  # type: ignore[union-attr]  # a None fails the test all the same
    store.personal.pause_of("T1", "U1", None)
    assert store.personal.get("T1", "U1", "reminder").paused_reason is None  # type: ignore[union-attr]  # a None fails the test all the same
    assert store.personal.leases.claim(sched.id, "2026-11-23T16:30Z", "runner-a", 60)
    assert store.personal.delete("T1", "U1", "reminder") and not store.personal.delete("T1", "U1", "reminder")
    assert count_rows(store, "personal_slots") == 0


def test_a_slot_is_claimed_once_and_taken_over_when_its_lease_runs_out(store: Store, clock: FrozenClock) -> None:
    sched = store.personal.set("T1", "U1", "reminder", **REMIND)
    slot = "2026-11-23T16:30Z"
    assert store.personal.leases.claim(sched.id, slot, "runner-a", 60)
    assert not store.personal.leases.claim(sched.id, slot, "runner-b", 60)
    clock.advance(seconds=61)
    assert store.personal.leases.claim(sched.id, slot, "runner-b", 60)  # runner-a died: its lease ran out
    assert not store.personal.leases.begin_post(sched.id, slot, "runner-a", 60)  # and it may no longer send
    assert store.personal.leases.finish(sched.id, slot, "runner-b", "sent", posted_ts="1.2")
    (row,) = store.personal.leases.slots(sched.id)
    assert (row.status, row.owner, row.posted_ts, row.attempts) == ("sent", "runner-b", "1.2", 2)
    clock.advance(seconds=3600)
    assert not store.personal.leases.claim(sched.id, slot, "runner-c", 60)  # a sent slot is never taken again
    assert store.personal.leases.skip(sched.id, "2026-11-24T16:30Z", "missed") and not store.personal.leases.skip(
        sched.id, "2026-11-24T16:30Z", "x"
    )


def test_forgetting_a_team_forgets_its_personal_messages(store: Store) -> None:
    sched = store.personal.set("T1", "U1", "reminder", **REMIND)
    store.personal.set("T2", "U1", "reminder", **REMIND)
    store.personal.leases.claim(sched.id, "2026-11-23T16:30Z", "runner-a", 60)
    assert store.forget_team("T1") == 1
    assert [s.team_id for s in store.personal.all()] == ["T2"] and count_rows(store, "personal_slots") == 0
