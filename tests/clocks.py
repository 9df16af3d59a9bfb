"""Test clocks: every test runs at a fixed moment, never at today's date.

`ERAS` are two Mondays, 09:30 in Berlin, seven years and a daylight-saving change apart. The
digest, cache and quota tests run under both (their modules ask for `base_time` across eras),
so a test that secretly read the wall clock, or assumed one year or one UTC offset, fails. A test there
that runs on the real clock (a subprocess) takes one era only (`ONE_ERA`): a second would only repeat it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

BERLIN = ZoneInfo("Europe/Berlin")

ERAS = [
    dt.datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN),  # winter time (CET, UTC+1)
    dt.datetime(2033, 6, 13, 9, 30, tzinfo=BERLIN),  # summer time (CEST, UTC+2), years later
]
ERA_IDS = [f"{era:%Y-%m-%d}" for era in ERAS]

ONE_ERA = pytest.mark.parametrize("base_time", ERAS[:1], ids=ERA_IDS[:1])
"""For a test on the real clock (a subprocess, say) in a module that runs under every era: the eras cannot
reach it, so a second era would only repeat it. Parametrizing `base_time` directly overrides the module's."""


def berlin(base: dt.datetime, days: int = 0, at: str = "09:30") -> dt.datetime:
    """`at` (HH:MM) in Berlin, `days` after the base day, as an aware datetime."""
    hour, minute = (int(part) for part in at.split(":"))
    day = base.astimezone(BERLIN).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), BERLIN)


def day(base: dt.datetime, days: int = 0) -> str:
    """The Berlin date `days` after the base day, as Toggl writes dates (`YYYY-MM-DD`)."""
    return (base.astimezone(BERLIN).date() + dt.timedelta(days=days)).isoformat()
