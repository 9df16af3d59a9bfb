"""What keeps acks at the floor (issue 23): the writes an ack waits for share one transaction and go before other
writes, and after-ack jobs start once the door has answered. `bench.ack_floor` measures it; these pin the rules."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store import Store
from bot.store.engine import WriterTurns
from bot.work import AcksFirst, WorkPool
from tests.stored import count_rows


def test_writes_waiting_together_are_committed_in_one_transaction(store: Store) -> None:
    """Forty claims at once were forty transactions in a row on SQLite's one writer: a burst's p99."""
    db = store.db
    transactions: set[int] = set()
    inside = threading.Event()
    release = threading.Event()

    def first(conn: Connection) -> str:
        inside.set()
        release.wait(timeout=30)  # the others queue behind this batch meanwhile
        return "first"

    leader = threading.Thread(target=db.together, args=(first,))
    leader.start()
    assert inside.wait(timeout=30)
    results: dict[int, bool] = {}

    def claim(n: int) -> None:
        results[n] = store.seen.first_time(f"sig:{n % 10}")  # ten keys, each claimed twice

    def claimed(conn: Connection, clause: object, *args: object) -> None:
        if "seen_requests" in str(clause) and "INSERT" in str(clause):
            transactions.add(id(conn.get_transaction()))

    for engine in db.engines:
        sa.event.listen(engine, "after_execute", claimed)
    claimers = [threading.Thread(target=claim, args=(n,)) for n in range(20)]
    for thread in claimers:
        thread.start()
    while len(db._together._queue) < 20:  # every claimer is queued: then let the leader go
        threading.Event().wait(0.005)
    release.set()
    leader.join(timeout=30)
    for thread in claimers:
        thread.join(timeout=30)
    assert sorted(results) == list(range(20))
    assert sum(results.values()) == 10  # of two claims of one key in one batch, exactly one wins
    assert len(transactions) == 1  # the twenty claims queued meanwhile: one transaction
    assert count_rows(store, "seen_requests") == 10


def test_a_write_that_fails_in_a_batch_fails_alone(store: Store) -> None:
    db = store.db
    gate = threading.Event()
    entered = threading.Event()

    def slow(conn: Connection) -> None:
        entered.set()
        gate.wait(timeout=30)

    def bad(conn: Connection) -> None:
        conn.execute(sa.text("SELECT * FROM no_such_table"))

    outcomes: dict[str, object] = {}

    def run(name: str, write: object) -> None:
        try:
            outcomes[name] = db.together(write)  # type: ignore[arg-type]  # the test's own writes
        except sa.exc.SQLAlchemyError as err:
            outcomes[name] = err

    leader = threading.Thread(target=run, args=("slow", slow))
    leader.start()
    assert entered.wait(timeout=30)
    broken = threading.Thread(target=run, args=("bad", bad))
    claim = threading.Thread(target=lambda: outcomes.setdefault("claim", store.seen.first_time("sig:x")))
    for thread in (broken, claim):
        thread.start()
    while len(db._together._queue) < 2:
        threading.Event().wait(0.005)
    gate.set()
    for thread in (leader, broken, claim):
        thread.join(timeout=30)
    assert isinstance(outcomes["bad"], sa.exc.SQLAlchemyError)
    assert outcomes["claim"] is True and outcomes["slow"] is None
    assert store.seen.first_time("sig:x") is False  # the claim was committed despite its neighbour's error


def test_an_urgent_writer_goes_before_every_writer_already_waiting() -> None:
    turns = WriterTurns()
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with turns.turn():
            holding.set()
            release.wait(timeout=30)

    def write(name: str, urgent: bool, queued: threading.Event) -> None:
        queued.set()
        with turns.turn(urgent=urgent):
            order.append(name)

    first = threading.Thread(target=hold)
    first.start()
    assert holding.wait(timeout=30)
    threads = []
    for name, urgent in (("cache 1", False), ("cache 2", False), ("ack", True)):
        queued = threading.Event()
        thread = threading.Thread(target=write, args=(name, urgent, queued))
        thread.start()
        assert queued.wait(timeout=30)
        threading.Event().wait(0.05)  # it is waiting for its turn now
        threads.append(thread)
    release.set()
    for thread in [first, *threads]:
        thread.join(timeout=30)
    assert order[0] == "ack" and sorted(order[1:]) == ["cache 1", "cache 2"]


def test_after_ack_jobs_start_once_the_door_has_answered() -> None:
    acks = AcksFirst(quiet=0.01, most=30)
    pool = WorkPool(workers=2, after=acks)
    started = threading.Event()
    try:
        with acks.answering():
            assert pool.submit(started.set)
            assert not started.wait(timeout=0.2)  # a request is still being answered: the job waits
        assert started.wait(timeout=10)
    finally:
        pool.shutdown()


def test_after_ack_jobs_wait_no_longer_than_most_under_steady_traffic() -> None:
    acks = AcksFirst(quiet=0.01, most=0.05)
    pool = WorkPool(workers=1, after=acks)
    started = threading.Event()
    try:
        with acks.answering():  # the door never falls quiet
            assert pool.submit(started.set)
            assert started.wait(timeout=10)
    finally:
        pool.shutdown()


def test_under_steady_traffic_jobs_queued_together_wait_most_once_not_once_each() -> None:
    """Found in review: `most` was counted from each job's start, so a worker started one job per `most` under
    steady traffic (four jobs on one worker: 2 s at 0.5 s each), and the queue grew without bound."""
    acks = AcksFirst(quiet=0.01, most=0.5)
    pool = WorkPool(workers=1, after=acks)
    started: list[float] = []
    try:
        with acks.answering():  # the door never falls quiet
            queued = time.monotonic()
            for _ in range(4):
                assert pool.submit(lambda: started.append(time.monotonic()))
            assert pool.wait_idle(timeout=10)
        assert len(started) == 4 and max(started) - queued < 1.5  # each waited for its own deadline, not in turn
    finally:
        pool.shutdown()


def test_a_pool_without_the_door_starts_at_once() -> None:
    pool = WorkPool(workers=1)
    started = threading.Event()
    try:
        assert pool.submit(started.set)
        assert started.wait(timeout=10)
    finally:
        pool.shutdown()
