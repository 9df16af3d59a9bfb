"""The once-a-minute tick that runs everything scheduled, over APScheduler (pinned `<4`).

APScheduler only ticks: it never decides what is due. Each tick asks the database which slots are due and
claims them (`bot.scheduled`), so any number of schedulers, or `toggl-bot digest run` from cron, post each
slot once, and a tick at start posts a slot missed while the app was down (within the grace period).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock

TICK_SECONDS = 60


def _add_tick(scheduler: BaseScheduler, tick: Callable[[], object], clock: Clock) -> None:
    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=TICK_SECONDS),
        id="digest-tick",
        next_run_time=clock.now(),  # at start too: a slot missed while down is posted within the grace
        max_instances=1,
        coalesce=True,
        misfire_grace_time=TICK_SECONDS,
    )


def background_scheduler(tick: Callable[[], object], clock: Clock) -> BackgroundScheduler:
    """A scheduler thread beside the Slack app (`toggl-bot serve`); call `.start()`."""
    scheduler = BackgroundScheduler(timezone=dt.UTC)
    _add_tick(scheduler, tick, clock)
    return scheduler


def blocking_scheduler(tick: Callable[[], object], clock: Clock) -> BlockingScheduler:
    """The scheduler alone (`toggl-bot scheduler`, the Procfile's clock process); `.start()` blocks."""
    scheduler = BlockingScheduler(timezone=dt.UTC)
    _add_tick(scheduler, tick, clock)
    return scheduler
