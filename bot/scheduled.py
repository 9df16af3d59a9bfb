"""One claim loop for everything scheduled: a channel's digest, a person's weekly summary and reminder, and
whatever is scheduled next. A new kind of scheduled message is a new `Job`, never a new loop.

Every kind needs the same guarantees, so they live here once. Each runner (a scheduler's tick, or
`toggl-bot digest run`) claims a due slot as a lease (`bot.store.leases`) before anything is fetched, so
any number of runners post each slot once. A runner that dies leaves its claim to run out, and the next
run takes the slot over; a slot that killed its runners `MAX_ATTEMPTS` times, or whose time has passed,
is given up and said so. A slot missed by more than the grace period (the app was down) is skipped, once,
and logged; a slot the clock jumped over while the runner kept looking is still posted. Due and lease times
are judged by the database's clock, which every scheduler shares (`bot.store.dbclock`).

A `Job` says what differs: which schedules there are, how to post the slots claimed for it, and what
to tell whom when a schedule cannot run or a slot is given up. While it posts:

- right before the post it marks the slot `posting` (`Claims.begin_post`): the point of no return. A runner
  whose claim was taken over posts nothing; a `posting` slot is never posted again by anyone. If its runner
  stops before recording the outcome, the slot is settled `uncertain` and logged: at most once, never twice.
- after Slack accepted the post, the outcome is recorded with retries (`Claims.record_posted`), so a short
  database outage does not leave it unrecorded; nothing after the post can turn it into a failure.
- a database error before the post is passing weather: the slot stays claimed, nobody is told, and the next
  run takes it over when the lease runs out.

Slots are claimed in batches of `CLAIM_BATCH`, posted, then the next batch is claimed: several schedulers
share a tick's slots instead of the first claiming them all.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent import futures
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.clock import Clock, since_boot
from bot.slots import Scheduled, ScheduleError, latest_slot, slot_key, zone
from bot.store.leases import MAX_ATTEMPTS, Leases, runner_name

log = logging.getLogger(__name__)

GRACE = dt.timedelta(hours=2)
"""A slot missed while the app was down is still posted this long after its time; later, it is skipped."""
LEASE_SECONDS = 300.0
"""How long a claim holds a slot: far longer than one person's fetch and post, short enough that a slot
whose runner died is still posted well within the grace period."""
CLAIM_BATCH = 25
"""Slots one runner claims at a time before posting them: small, so that M schedulers post about 1/M each."""
BATCHES_AT_ONCE = 16
"""Claimed batches one runner posts at once: a batch waits mostly on its people's paced Toggl requests (about
six a person, a second apart), so many in flight keep a run short; the next is claimed as one finishes."""
DONE = ("posting", "posted", "sent", "skipped", "uncertain")
"""Slot records that count as the day's post: a second slot that day (the time was moved) is skipped."""
RECORD_RETRIES = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)
"""Seconds between tries to record a post Slack accepted: about 16 s, longer than a database restart."""


class Schedule(Scheduled, Protocol):
    """What the loop reads of a schedule besides when it runs: a `Subscription`, a `PersonalSchedule`."""

    @property
    def id(self) -> int: ...
    @property
    def paused_reason(self) -> str | None: ...
    @property
    def created_at(self) -> str:
        """ISO 8601: slots before the schedule existed are not due."""
        ...


S = TypeVar("S", bound=Schedule)
R = TypeVar("R")


@dataclass(frozen=True)
class Due(Generic[S]):
    """A slot this runner holds the lease of, for its job to post."""

    schedule: S
    key: str
    """The slot as the slots table keys it (`bot.slots.slot_key`)."""
    slot: dt.datetime


class Job(ABC, Generic[S, R]):
    """One kind of scheduled message, with outcomes of type `R`: everything about it but the claiming."""

    @abstractmethod
    def schedules(self) -> Iterable[S]:
        """Every schedule of this kind, paused ones included (the loop passes over those)."""

    @abstractmethod
    def named(self, schedule: S) -> str:
        """The schedule in a log line, after "the <slot>": `digest of subscription 4`."""

    @abstractmethod
    def outcome(self, schedule: S, status: str, detail: str = "") -> R:
        """What a run reports for one schedule; the loop reports with it a slot skipped as too late."""

    @abstractmethod
    def unschedulable(self, schedule: S, reason: str) -> R:
        """The schedule cannot be computed (a time zone this server does not know): pause it, say so once."""

    @abstractmethod
    def work(self, due: list[Due[S]], now: dt.datetime) -> list[R]:
        """Post the slots claimed for this job; whatever goes wrong becomes outcomes, never the end of the run."""

    @abstractmethod
    def why_given_up(self, *, late: bool) -> str:
        """The record's detail for a slot whose runners died: `late` when its time has passed, else out of attempts."""

    def group(self, schedule: S) -> str:
        """Slots whose schedules share a group are claimed and posted together (a digest: one person's channels,
        whose Toggl data is fetched once)."""
        return str(schedule.id)

    def given_up(self, schedule: S, reason: str) -> R:
        """A slot was given up (logged already): tell whom it concerns, if anyone, and report it."""
        return self.outcome(schedule, "failed", reason)


class Claims:
    """One runner's claims on the slots of one kind (one slots table): finding and claiming what is due, and
    the lease calls its job makes while posting."""

    def __init__(
        self,
        leases: Leases,
        clock: Clock,
        *,
        grace: dt.timedelta = GRACE,
        lease_seconds: float = LEASE_SECONDS,
        logger: logging.Logger = log,
        monotonic: Callable[[], float] = since_boot,
        kind: str = "scheduled",
    ) -> None:
        self.leases = leases.judged_by(clock)
        self.kind = kind
        """What these slots post (digest, personal), as `bot.metrics` counts their outcomes."""
        self.clock = clock
        """What says whether a slot is due and whose lease ran out: in production the database's clock
        (`Service.schedule_clock`), so that schedulers on hosts whose clocks differ agree."""
        self.grace = grace
        self.lease_seconds = lease_seconds
        self.log = logger
        """Where skipped and given-up slots are logged: the job's own module, so its lines keep their logger."""
        self.owner = runner_name()
        """This runner, as the owner of the slots it claims."""
        self._monotonic = monotonic
        self._last_look: tuple[dt.datetime, float] | None = None
        """The clock's time and the monotonic time of this runner's previous look for due slots."""

    def __repr__(self) -> str:
        return f"Claims({self.owner!r})"

    def run_due(self, job: Job[S, R]) -> list[R]:
        """Claim every slot of `job` that is due now and have the job post them; outcomes of the slots skipped,
        given up or unschedulable come first.

        Slots are claimed `CLAIM_BATCH` at a time, and up to `BATCHES_AT_ONCE` claimed batches are posted at once:
        the next batch is claimed only when one finishes, so other schedulers claim theirs in between and each
        of M schedulers posts about 1/M, while no scheduler waits on one person's slow Toggl to claim more.
        """
        outcomes: list[R] = []
        running: set[Future[list[R]]] = set()
        with ThreadPoolExecutor(max_workers=BATCHES_AT_ONCE, thread_name_prefix="claims") as pool:
            try:
                for due in self._batches(job, outcomes):
                    running.add(pool.submit(job.work, due, self.clock.now()))
                    if len(running) >= BATCHES_AT_ONCE:
                        finished, running = futures.wait(running, return_when=FIRST_COMPLETED)
                        outcomes += [outcome for future in finished for outcome in _outcomes(future, self.log)]
            except SQLAlchemyError as err:  # claiming stopped; what is claimed is still posted, and reported
                self.log.warning("Stopped claiming slots (%s); the next tick goes on", type(err).__name__)
            for future in running:
                outcomes += _outcomes(future, self.log)
        return outcomes

    def _batches(self, job: Job[S, R], outcomes: list[R]) -> Iterator[list[Due[S]]]:
        """Settle what is to be settled (its outcomes go to `outcomes`) and yield batches of due slots claimed.

        One read finds the records of every current slot: a tick writes only where something is to be done,
        not once per schedule (a thousand writes a minute on SQLite's single writer, for slots long since
        handled). Claims are conditional statements, so a record another runner changed since the read is
        simply not won. A job's slots that share a `group` (one person's channels) go in one batch, so that
        person's Toggl data is fetched once.
        """
        now, ticks = self.clock.now(), self._monotonic()
        watched = self._watched_since(ticks)
        self._last_look = (now, ticks)
        latest: list[Due[S]] = []
        for schedule in job.schedules():
            if schedule.paused_reason:
                continue
            try:
                slot = latest_slot(schedule, now)
            except ScheduleError as err:
                outcomes.append(job.unschedulable(schedule, str(err)))
                continue
            if slot is not None and slot >= dt.datetime.fromisoformat(schedule.created_at):
                latest.append(Due(schedule, slot_key(slot), slot))
        # Each runner walks the groups in its own random order: in one order, two runners went through the slots in
        # lockstep, the first winning every claim and the second posting nothing.
        shuffled = {group: random.random() for group in {job.group(current.schedule) for current in latest}}
        latest.sort(key=lambda current: (shuffled[job.group(current.schedule)], job.group(current.schedule)))
        records = self.leases.slots_for([(current.schedule.id, current.key) for current in latest])
        due: list[Due[S]] = []
        for current in latest:
            if len(due) >= CLAIM_BATCH and job.group(current.schedule) != job.group(due[-1].schedule):
                yield due
                due = []
            schedule, key = current.schedule, current.key
            late = now - current.slot > self.grace and not (watched is not None and current.slot > watched)
            record = records.get((schedule.id, key))
            if record is None:
                done = None if late else self.done_that_day(schedule, current.slot)
                if done is not None:
                    self.leases.skip(schedule.id, key, done)
                elif not late and self.leases.claim(schedule.id, key, self.owner, self.lease_seconds):
                    due.append(current)
                elif late and self.leases.skip(schedule.id, key, f"missed by more than {self.grace}"):
                    self.log.warning("Skipped the %s %s: missed by more than %s", key, job.named(schedule), self.grace)
                    metrics.scheduled(self.kind, "skipped")
                    outcomes.append(job.outcome(schedule, "skipped", f"missed slot {key}"))
            elif record.status == "claimed" and (record.lease_expires_at or 0) < now.timestamp():
                if late or record.attempts >= MAX_ATTEMPTS:  # its runners died; no one may try again
                    why = job.why_given_up(late=late)
                    if self.leases.abandon(schedule.id, key, why):  # else another runner did it first
                        self.log.error("Gave up the %s %s: %s", key, job.named(schedule), why)
                        metrics.scheduled(self.kind, "failed")
                        outcomes.append(job.given_up(schedule, why))
                elif self.leases.claim(schedule.id, key, self.owner, self.lease_seconds):
                    metrics.scheduled(self.kind, "taken_over")
                    due.append(current)
            elif record.status == "posting" and (record.lease_expires_at or 0) < now.timestamp():
                why = "its runner stopped while posting it: it may be in Slack, so it is not posted again"
                if self.leases.settle_uncertain(schedule.id, key, why):
                    self.log.warning("The %s %s may not have been posted: %s (at most once)", key, job.named(schedule), why)
                    metrics.scheduled(self.kind, "uncertain")
                    outcomes.append(job.outcome(schedule, "uncertain", why))
        if due:
            yield due

    def _watched_since(self, ticks: float) -> dt.datetime | None:
        """Since when this runner has been looking without a break: the time of its previous look, if that was
        less than the grace ago by the monotonic clock. A slot after it was not missed while the app was down,
        whatever the clock now says: the clock jumped over it (an NTP step, say), and it is still posted."""
        if self._last_look is None:
            return None
        seen_at, then = self._last_look
        return seen_at if ticks - then < self.grace.total_seconds() else None

    def done_that_day(self, schedule: Schedule, slot: dt.datetime) -> str | None:
        """One post a day: a slot on a local day that already had one (posted, sent, skipped, or possibly posted)
        is skipped. Moving a digest from 09:00 to 10:00 at 09:30 makes a new slot that day; without this it was
        posted twice. Read only for a slot about to be claimed, so an idle tick still reads once in all."""
        local = zone(schedule.timezone)
        day = slot.astimezone(local).date()
        for earlier in self.leases.slots(schedule.id):
            when = dt.datetime.strptime(earlier.slot, "%Y-%m-%dT%H:%MZ").replace(tzinfo=dt.UTC)
            if earlier.status in DONE and when.astimezone(local).date() == day:
                return "already posted that day (the time was moved)"
        return None

    def begin_post(self, schedule_id: int, key: str) -> bool:
        """The point of no return, right before the post; False when our claim was taken over (post nothing)."""
        return self.leases.begin_post(schedule_id, key, self.owner, self.lease_seconds)

    def hand_back(self, schedule_id: int, key: str) -> bool:
        """Give our claim up untried, for a runner that can do it; it costs the slot no attempt."""
        return self.leases.release(schedule_id, key, self.owner)

    def record_posted(self, schedule_id: int, key: str, status: str, posted_ts: str) -> bool:
        """Record a post Slack accepted, trying again through a database outage; False when it could not be
        recorded (the slot stays `posting`, so it is never posted again, and an ERROR says so)."""
        for wait in (*RECORD_RETRIES, None):
            try:
                self.finish(schedule_id, key, status, posted_ts=posted_ts)
                return True
            except SQLAlchemyError as err:
                if wait is None:
                    self.log.error(
                        "Slot %s of schedule %s was posted (ts %s) but could not be recorded (%s); it will not be "
                        "posted again",
                        key,
                        schedule_id,
                        posted_ts,
                        type(err).__name__,
                    )
                    return False
                time.sleep(wait)
        return False

    def finish(self, schedule_id: int, key: str, status: str, detail: str = "", posted_ts: str | None = None) -> bool:
        """Record how our claim ended: posted or sent (with Slack's `ts`), failed (with why) or skipped."""
        finished = self.leases.finish(schedule_id, key, self.owner, status, detail, posted_ts)
        if finished:
            metrics.scheduled(self.kind, status)
        return finished


def _outcomes(future: Future[list[R]], logger: logging.Logger) -> list[R]:
    """A batch's outcomes; a batch that failed as a whole is logged, and never costs the run the others' report."""
    try:
        return future.result()
    except Exception:
        logger.exception("A batch of scheduled posts failed; its slots are taken over when their leases run out")
        return []


class Runner(Protocol):
    """Anything the scheduler's tick runs: a runner of one kind of scheduled message."""

    def run_due(self) -> Sequence[object]: ...
