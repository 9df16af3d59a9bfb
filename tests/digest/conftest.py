"""Every digest test runs in each era of `tests.clocks`: no outcome may hang on today's date."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.clocks import ERA_IDS, ERAS


@pytest.fixture(params=ERAS, ids=ERA_IDS)
def base_time(request: pytest.FixtureRequest) -> dt.datetime:
    return request.param
