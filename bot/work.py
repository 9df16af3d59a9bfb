"""The after-ack work pool: Toggl calls run here, never on Bolt's listener threads, so acks stay fast.

Bolt runs listeners on a small thread pool. A listener that waited on Toggl (seconds, with
retries) would hold its thread, and the next commands could not even be acknowledged within
Slack's 3 seconds. So listeners `ack()`, then hand the slow part to this bounded pool.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from bot import metrics

log = logging.getLogger(__name__)


def prestart(executor: ThreadPoolExecutor, workers: int) -> None:
    """Start all of an executor's threads now. It would start them one per submit, and a thread's start
    costs milliseconds under load: on the ack path of the first commands of a burst, exactly when it hurts."""
    everyone = threading.Barrier(workers + 1)
    for _ in range(workers):
        executor.submit(everyone.wait)
    everyone.wait()


class AcksFirst:
    """The requests the front door is answering now; after-ack jobs start once it has answered them all.

    In a burst, the first commands' jobs started on their pool threads while the later commands were still
    waiting to be acknowledged: one process, one GIL, and every thread that holds it delays an ack. A job now
    waits until no request has been in the door for `quiet` seconds, or `most` seconds at the longest (under
    steady traffic), before it starts: a lone command's answer comes `quiet` later, a burst's acks come first.
    With 20 ms, requests of one burst that arrived more than 20 ms apart let jobs in between; 50 ms kept the
    server's CPU per ack level with a bare Bolt app's in `bench.ack_floor` (docs/benchmarks.md).
    """

    def __init__(self, quiet: float = 0.05, most: float = 0.5) -> None:
        self.quiet = quiet
        self.most = most
        self._lock = threading.Lock()
        self._answering = 0
        self._last = 0.0

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Around a request the door answers (the router's whole call)."""
        with self._lock:
            self._answering += 1
            self._last = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self._answering -= 1
                self._last = time.monotonic()

    def wait(self, since: float | None = None) -> None:
        """Return once the door has been quiet for `quiet` seconds, or `most` seconds after `since` (when the job
        was queued, on the monotonic clock; now if not given). Counted from the queueing, not from the job's
        start: under steady traffic every job waited the full `most` once it reached a worker, so four workers
        started eight jobs a second and the queue behind them grew (found in review)."""
        deadline = (time.monotonic() if since is None else since) + self.most
        while True:
            now = time.monotonic()
            with self._lock:
                answering, since = self._answering, now - self._last
            if now >= deadline or (not answering and since >= self.quiet):
                return
            time.sleep(min(deadline - now, self.quiet - since if not answering else self.quiet))


class WorkPool:
    """A fixed number of worker threads and a bounded queue in front of them.

    >>> pool = WorkPool(workers=16, max_pending=500)
    >>> pool.submit(print, "hello")  # doctest: +SKIP
    True
    """

    def __init__(
        self, workers: int = 16, max_pending: int = 500, *, name: str = "answers", after: AcksFirst | None = None
    ) -> None:
        self.workers = workers
        self.name = name
        """How `bot.metrics` names this pool's queue depth (`toggl_bot_work_pending{pool=…}`)."""
        self.after = after
        """When set, each job waits for the door's acknowledgements first (`AcksFirst`)."""
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="toggl-work")
        self._slots = threading.BoundedSemaphore(max_pending)
        self._pending = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        prestart(self._executor, workers)

    def __repr__(self) -> str:
        return f"WorkPool(workers={self.workers}, pending={self._pending})"

    @property
    def will_queue(self) -> bool:
        """True when a job submitted now would wait for a free worker."""
        with self._lock:
            return self._pending >= self.workers

    def submit(self, job: Callable[..., object], *args: object) -> bool:
        """Run `job(*args)` on a worker; False (and nothing queued) when the queue is full."""
        if not self._slots.acquire(blocking=False):
            return False
        with self._lock:
            self._pending += 1
        metrics.work_queued(self.name, 1)
        try:  # in a copy of the caller's context: the job's log lines name the request it answers (bot.logs)
            self._executor.submit(contextvars.copy_context().run, self._run, job, args, time.monotonic())
        except RuntimeError:  # shut down
            self._done()
            return False
        return True

    def _run(self, job: Callable[..., object], args: tuple[object, ...], queued: float) -> None:
        if self.after is not None:
            self.after.wait(since=queued)
        try:
            job(*args)
        except Exception:
            log.exception("A background job failed")
        finally:
            self._done()

    def _done(self) -> None:
        metrics.work_queued(self.name, -1)
        with self._lock:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()
        self._slots.release()

    def wait_idle(self, timeout: float = 30) -> bool:
        """Block until no job is queued or running (a clean shutdown, or a test's "nothing else happened")."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=not wait)


class Deadlines:
    """One thread that calls each function at its deadline, for "if it is not done by then" (a slow Toggl).

    The calls must be quick (hand real work to a pool): they run one after another on this thread. The
    thread starts with the first deadline; it is a daemon, so a process may end with deadlines pending.
    """

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Callable[[], object]]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def after(self, seconds: float, call: Callable[[], object]) -> None:
        """Call `call()` in `seconds` (measured on the monotonic clock)."""
        with self._changed:
            heapq.heappush(self._due, (time.monotonic() + seconds, next(self._order), call))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="deadlines", daemon=True)
                self._thread.start()
            self._changed.notify()

    def _loop(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._changed.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, _, call = heapq.heappop(self._due)
            try:
                call()
            except Exception:
                log.exception("A deadline's call failed")
