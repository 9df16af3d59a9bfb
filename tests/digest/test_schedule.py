"""Slot arithmetic: weekdays, weekly, daily, daylight-saving changes and several time zones."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.slots import describe, latest_slot, next_slot, slot_key
from bot.store import Subscription


def sub(cadence: str = "weekdays", at: str = "09:00", tz: str = "Europe/Berlin", weekday: int | None = None) -> Subscription:
    return Subscription(1, "T", "C", "U", cadence, weekday, at, tz, 80, False, [], None, None, "", "")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_weekdays_skip_the_weekend() -> None:
    friday_noon = utc(2026, 11, 20, 12)
    assert next_slot(sub(), friday_noon) == dt.datetime.fromisoformat("2026-11-23T09:00:00+01:00")
    assert latest_slot(sub(), utc(2026, 11, 22, 12)) == dt.datetime.fromisoformat("2026-11-20T09:00:00+01:00")


def test_weekly_on_a_day() -> None:
    thursday = sub("weekly", "17:30", "America/New_York", weekday=3)
    assert next_slot(thursday, utc(2026, 11, 22)) == dt.datetime.fromisoformat("2026-11-26T17:30:00-05:00")
    assert describe(thursday) == "every Thu at 17:30 (America/New_York)"


def test_daily_across_the_spring_daylight_saving_change() -> None:
    daily = sub("daily")
    slots = [next_slot(daily, utc(2026, 3, 27, 12))]
    for _ in range(2):
        slots.append(next_slot(daily, slots[-1]))
    assert [s.astimezone(dt.UTC).hour for s in slots] == [8, 7, 7]  # 09:00 local, before and after the change
    assert all(s.hour == 9 for s in slots)


def test_autumn_change_in_another_hemisphere() -> None:
    sydney = sub("daily", "08:15", "Australia/Sydney")  # daylight saving starts there on 4 Oct 2026
    before = next_slot(sydney, utc(2026, 10, 2, 12))
    after = next_slot(sydney, utc(2026, 10, 4, 12))
    assert before.utcoffset() == dt.timedelta(hours=10) and after.utcoffset() == dt.timedelta(hours=11)
    assert (before.hour, before.minute) == (after.hour, after.minute) == (8, 15)


@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata", "America/Los_Angeles", "Pacific/Auckland"])
def test_slots_are_at_local_time_in_any_zone(tz: str) -> None:
    slot = next_slot(sub("daily", "07:45", tz), utc(2026, 6, 1))
    assert (slot.hour, slot.minute) == (7, 45)
    assert slot_key(slot).endswith("Z")


def test_latest_slot_looks_back_to_last_week() -> None:
    assert latest_slot(sub("weekly", weekday=0), utc(2026, 11, 23, 7, 59)) == dt.datetime.fromisoformat(
        "2026-11-16T09:00:00+01:00"
    )


@pytest.mark.parametrize(
    ("at", "zone", "now", "latest"),
    [
        # the hour the clocks go back: 02:30 happens twice in Berlin, and is posted at its first occurrence
        ("02:30", "Europe/Berlin", utc(2026, 10, 25, 1, 31), "2026-10-25T02:30:00+02:00"),
        ("02:30", "Europe/Berlin", utc(2026, 10, 25, 0, 35), "2026-10-25T02:30:00+02:00"),
        ("01:30", "America/New_York", utc(2026, 11, 3, 12), "2026-11-03T01:30:00-05:00"),
        # the night the clocks go forward, 02:30 does not exist: it is 03:30 summer time
        ("02:30", "Europe/Berlin", utc(2026, 3, 29, 1, 30), "2026-03-29T03:30:00+02:00"),
    ],
)
def test_daylight_saving_nights_have_one_slot_and_end(at: str, zone: str, now: dt.datetime, latest: str) -> None:
    """The repeated hour once made `latest_slot` loop for ever: every digest of every team stopped for 8 days."""
    found = latest_slot(sub("daily", at, zone), now)
    assert found is not None and found.isoformat() == latest  # an ambiguous time never equals another zone's


def test_every_minute_around_the_autumn_change_has_a_slot_that_only_moves_forward() -> None:
    daily = sub("daily", "02:30", "Europe/Berlin")
    seen = []
    moment = utc(2026, 10, 24, 23)
    while moment < utc(2026, 10, 26, 3):
        slot = latest_slot(daily, moment)
        assert slot is not None
        seen.append(slot)
        moment += dt.timedelta(minutes=7)
    assert seen == sorted(seen) and len(set(seen)) == 3  # 24 Oct, 25 Oct (once), 26 Oct
