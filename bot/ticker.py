"""The once-a-minute tick that runs everything scheduled, over APScheduler (pinned `<4`).

APScheduler only ticks: it never decides what is due. Each tick asks the database which slots are due and
claims them (`bot.scheduled`), so any number of schedulers, or `toggl-bot digest run` from cron, post each
slot once, and a tick at start posts a slot missed while the app was down (within the grace period).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock

TICK_SECONDS = 60


def _add_ticks(scheduler: BaseScheduler, ticks: Sequence[Callable[[], object]], clock: Clock) -> None:
    """Each tick its own job, at second 0 of every minute: slots are whole minutes, so a post comes within
    seconds of its time rather than up to a minute late; and its own thread, so personal messages never wait
    behind a long digest run."""
    for number, tick in enumerate(ticks):
        scheduler.add_job(
            tick,
            CronTrigger(second=0, timezone=dt.UTC),
            id=f"tick-{number}",
            next_run_time=clock.now(),  # at start too: a slot missed while down is posted within the grace
            max_instances=1,
            coalesce=True,
            misfire_grace_time=TICK_SECONDS,
        )


__all__ = ["TICK_SECONDS", "BackgroundScheduler", "background_scheduler", "blocking_scheduler", "every"]


def background_scheduler(ticks: Sequence[Callable[[], object]], clock: Clock) -> BackgroundScheduler:
    """A scheduler thread beside the Slack app (`toggl-bot serve`); call `.start()`."""
    scheduler = BackgroundScheduler(timezone=dt.UTC)
    _add_ticks(scheduler, ticks, clock)
    return scheduler


def blocking_scheduler(ticks: Sequence[Callable[[], object]], clock: Clock) -> BlockingScheduler:
    """The scheduler alone (`toggl-bot scheduler`, the Procfile's clock process); `.start()` blocks."""
    scheduler = BlockingScheduler(timezone=dt.UTC)
    _add_ticks(scheduler, ticks, clock)
    return scheduler


def every(seconds: float, job: Callable[[], object]) -> BackgroundScheduler:
    """A scheduler thread running `job` every `seconds`, never two at once (the hand-over's sweep); `.start()`."""
    scheduler = BackgroundScheduler(timezone=dt.UTC)
    scheduler.add_job(job, IntervalTrigger(seconds=seconds), max_instances=1, coalesce=True, misfire_grace_time=None)
    return scheduler
