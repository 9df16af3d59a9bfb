"""A project list through a signed `/toggl projects` says when a project crosses its estimate at its pace."""

from __future__ import annotations

import datetime as dt

from tests.blockkit import all_text
from tests.fakes.app import Running
from tests.handlers.test_timers import replies


def test_the_project_list_forecasts_from_the_last_four_weeks(running: Running, ada: dict) -> None:
    now = running.service.clock.now()
    for n in range(1, 10):  # 9 h over the last four weeks on Website redesign (5 h 30 min of 10 h)
        start = now - dt.timedelta(days=n * 3)
        running.toggl.add_time_entry(ada["token"], ada["wid"], "Work", start, start + dt.timedelta(hours=1),
                                     project_id=ada["website"]["id"])  # fmt: skip
    running.send.command("projects website")
    (reply,) = replies(running)
    assert "Website redesign" in all_text(reply) and "at this pace, over on Mon 7 Dec" in all_text(
        reply
    )  # 4 h 30 min left at 9 h in 28 days
    assert running.toggl.count("/summary/time_entries") == 1
