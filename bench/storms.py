"""Storms, replayed (issue 17): the bad-weather experiments of the storm trial, on loopback, against the real
processes, on a PostgreSQL server of the bench's own that it may restart.

Each experiment builds a fresh database, fakes of Toggl and Slack (tests/fakes/), and the processes it needs:
two schedulers (each `toggl-bot digest run` again and again, a tick every couple of seconds instead of every
minute, so that takeovers come within the bench's time), or two web instances (`toggl-bot serve
--no-scheduler`). Then it breaks something ordinary, waits for the weather to settle, and counts, from what
the fake Slack received and what the database recorded:

- posted: digests in their channel, or commands answered at their `response_url` (timers started, in the
  duplicate-request experiment);
- posted twice: a channel with two digests of the day, a person with two timers;
- lost: a digest due, not legitimately skipped, and never posted;
- falsely failed: a posted digest whose slot says `failed`, or whose owner was told by DM that it could not
  be posted;
- uncertain: a digest whose runner died between marking it `posting` and Slack's answer. Nobody can tell
  whether it reached Slack without reading the channel (a scope the app does not ask for), so it is never
  posted again and a WARNING says so (issue 17: "if you cannot tell, prefer at most once"). The column says
  how many there were, and in brackets how many of them Slack did not have (those are counted lost too);
- unanswered: an acknowledged command whose `response_url` got nothing.

The goal is 0 in every column but "posted". Benches may read the wall clock (tests may not): the
subprocesses run on it, so digests are made due at the real time, subscribed two days before.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet

from bench.common import ROOT, database
from bot.clock import SYSTEM, FrozenClock
from bot.crypto import TokenCipher
from bot.store import Store
from bot.store.engine import engine_url
from handlers.deps import WORKING
from tests.fakes.server import free_port, wait_healthy
from tests.fakes.signing import SIGNING_SECRET, SlackSender, signed_headers
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world

DONE = ("posted", "skipped", "failed", "uncertain")
"""Slot records nobody will change again: a digest experiment is over when every slot has one."""
TIMER_PATH = re.compile(r"/api/v9/workspaces/\d+/time_entries")
FORM = "application/x-www-form-urlencoded"


@dataclass
class Row:
    """One experiment's line of the table, and what it noticed on the way (printed under the table)."""

    name: str
    key: str
    """The experiment's name on the command line (`--only`), and its logs' prefix."""
    posted: int = 0
    twice: int = 0
    lost: int = 0
    falsely_failed: int = 0
    uncertain: int = 0
    uncertain_missing: int = 0
    """Of the `uncertain`, how many Slack did not have."""
    unanswered: int | None = None
    """None where nothing was asked (the digest experiments)."""
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.twice or self.lost or self.falsely_failed or self.unanswered)


# -- processes -------------------------------------------------------------------------------------------


class Processes:
    """Every process the bench starts, so that each is stopped, by its pid, however an experiment ends."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self._started: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []
        self._lock = threading.Lock()

    def start(self, command: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / log_name, "ab")  # noqa: SIM115 (closed in stop_all, with its process)
        process = subprocess.Popen(command, cwd=self.logs, env=env, stdout=log, stderr=log)
        with self._lock:
            self._started.append((process, log))
        return process

    def stop_all(self) -> None:
        with self._lock:
            started, self._started = self._started, []
        for process, _ in started:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGCONT)  # a stopped process would not act on SIGTERM
                process.terminate()
        for process, log in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
            log.close()


class Postgres:
    """A throwaway PostgreSQL server in a temporary directory, as `.ci/postgres.sh` starts one, that the bench
    can restart mid-run; `stop` removes it whatever state it is in."""

    def __init__(self) -> None:
        found = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)]
        )
        if not found or not (found[-1] / "initdb").exists():
            raise SystemExit("bench.storms needs PostgreSQL's server binaries (apt-get install postgresql)")
        self.bin = found[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="storms-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._as: list[str] = []
        if os.getuid() == 0:  # initdb refuses to run as root
            self.dir.chmod(0o755)
            shutil.chown(self.dir, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        """One of the server's programs, its output dropped: a pipe would be inherited by the server that
        `pg_ctl` starts, and reading it to its end would wait for the server to stop."""
        command = [*self._as, str(self.bin / program), *args]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def _ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), *args)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=300"
        )
        self._ctl("-w", "start", "-o", options)

    def restart(self) -> float:
        """`pg_ctl restart -m fast`: every connection is cut; seconds until the server takes connections again."""
        started = time.monotonic()
        self._ctl("-w", "-m", "fast", "restart")
        return time.monotonic() - started

    def stop(self) -> None:
        try:
            self._ctl("-m", "immediate", "stop")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def environment(database_url: str, toggl: FakeToggl, slack: FakeSlack, key: str, **extra: str) -> dict[str, str]:
    """The environment of one `toggl-bot` process (as tests/test_instances.py builds it), nothing inherited that
    could point it elsewhere."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_", "PORT"))}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "TOKEN_ENCRYPTION_KEY": key,
        "TOGGL_API_URL": toggl.url,
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        **extra,
    }


class Scheduler:
    """One scheduler: `toggl-bot digest run` again and again until told to stop. The same claim loop as
    `toggl-bot scheduler`, ticking as soon as the previous run ends rather than at second 0 of each minute."""

    def __init__(self, name: str, processes: Processes, env: dict[str, str]) -> None:
        self.name = name
        self.processes = processes
        self.env = env
        self.runs = 0
        self.current: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._dead = threading.Event()
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Scheduler:
        self._thread.start()
        return self

    def _loop(self) -> None:
        command = [sys.executable, "-m", "bot", "digest", "run"]
        while not (self._stop.is_set() or self._dead.is_set()):
            process = self.processes.start(command, self.env, f"{self.name}.log")
            with self._ready:
                self.current = process
                self._ready.notify_all()
            process.wait()
            self.runs += 1

    def kill(self) -> int:
        """`kill -9` of the run in progress; this scheduler starts no other (it is dead). Returns the pid."""
        self._dead.set()
        assert self.current is not None
        os.kill(self.current.pid, signal.SIGKILL)
        return self.current.pid

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)


# -- the digest experiments ----------------------------------------------------------------------------


@dataclass
class DigestWorld:
    database_url: str
    key: str
    subscriptions: int
    channels: dict[int, str]
    """Subscription id: its channel."""


def digest_world(database_url: str, toggl: FakeToggl, subscriptions: int, per_person: int) -> DigestWorld:
    """`subscriptions` daily digests due two minutes ago by the real clock, subscribed two days before, owned
    `per_person` each by people with a few projects (one over its estimate, so no digest is empty)."""
    key = Fernet.generate_key()
    cipher = TokenCipher([key])
    now = dt.datetime.now(dt.UTC)
    clock = FrozenClock(now - dt.timedelta(days=2))
    store = Store(database_url, clock=clock)
    store.migrate()
    people = -(-subscriptions // per_person)
    for n in range(people):
        token = f"{n:032x}"
        wid = toggl.add_workspace(f"Workspace {n}")
        person = toggl.add_person(token, name=f"Person {n}", workspaces=[wid])
        for p in range(6):
            toggl.add_project(wid, f"P{n}-{p}", actual_seconds=7200 if p == 0 else 600, estimated_seconds=3600)
        store.people.save(
            "T1", f"U{n}", token_ciphertext=cipher.encrypt(token), toggl_user_id=person.me["id"],
            toggl_name=f"Person {n}", workspace_id=wid, timezone="UTC",
        )  # fmt: skip
    due = (now - dt.timedelta(minutes=2)).strftime("%H:%M")
    channels = {}
    for s in range(subscriptions):
        owner = f"U{s // per_person}"
        sub = store.subscriptions.subscribe("T1", f"C{s}", owner, cadence="daily", weekday=None, at_time=due, timezone="UTC")
        channels[sub.id] = sub.channel_id
    store.db.dispose()
    return DigestWorld(database_url, key.decode(), subscriptions, channels)


def slot_records(engine: sa.Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(sa.text("SELECT * FROM digest_slots")).mappings()]


def settled(engine: sa.Engine, world: DigestWorld) -> bool:
    try:
        return sum(r["status"] in DONE for r in slot_records(engine)) >= world.subscriptions
    except sa.exc.OperationalError:  # the server restarting
        return False


def wait_until(condition: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def posting_by(engine: sa.Engine, pid: int) -> int:
    """Slots the process `pid` has marked `posting` (its post on its way to Slack, or about to be)."""
    try:
        with engine.connect() as conn:
            statement = sa.text("SELECT count(*) FROM digest_slots WHERE status = 'posting' AND owner LIKE :owner")
            return int(conn.execute(statement, {"owner": f"%:{pid}:%"}).scalar_one())
    except sa.exc.OperationalError:
        return 0


def count_digests(row: Row, world: DigestWorld, slack: FakeSlack, engine: sa.Engine) -> None:
    """Fill `row` from what the fake Slack received and what the slots table says."""
    calls = slack.of("chat.postMessage")
    posts = Counter(str(c.body.get("channel")) for c in calls if str(c.body.get("channel", "")).startswith("C"))
    told = set()  # channels whose owner was told by DM that the digest could not be posted
    for call in calls:
        text = json.dumps(call.body)
        if str(call.body.get("channel", "")).startswith("U") and "could not be posted" in text:
            told.update(re.findall(r"<#(C\d+)", text))
    records = {world.channels[r["subscription_id"]]: r for r in slot_records(engine)}
    statuses = Counter(r["status"] for r in records.values())
    row.posted = sum(1 for channel in world.channels.values() if posts[channel])
    row.twice = sum(1 for channel in world.channels.values() if posts[channel] > 1)
    lost = [c for c in world.channels.values() if not posts[c] and records.get(c, {}).get("status") != "skipped"]
    row.lost = len(lost)
    false = {c for c in world.channels.values() if posts[c] and (records.get(c, {}).get("status") == "failed" or c in told)}
    row.falsely_failed = len(false)
    uncertain = [c for c in world.channels.values() if records.get(c, {}).get("status") == "uncertain"]
    row.uncertain = len(uncertain)
    row.uncertain_missing = sum(1 for c in uncertain if not posts[c])
    row.notes.append("slots: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    if told:
        row.notes.append(f"owners told by DM that a digest could not be posted: {len(told)}")
    if lost:
        row.notes.append("lost: " + ", ".join(f"{c} ({records.get(c, {}).get('status', 'no slot')})" for c in lost[:10]))
    if uncertain:
        row.notes.append(
            f"uncertain: {len(uncertain)} settled `uncertain` (at most once); {row.uncertain_missing} of them not in Slack"
        )


Fake = TypeVar("Fake", FakeSlack, FakeToggl)


def quiet(fake: Fake) -> Fake:
    """No traceback on the bench's output when a killed process leaves a fake writing to a closed socket."""
    fake.server._httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]  # socketserver's hook for exactly this
    return fake


@contextmanager
def digest_storm(args: argparse.Namespace, server: Postgres, logs: Path, name: str, **env: str) -> Iterator[Any]:
    """A fresh database with the digest world, the fakes, and two schedulers; yields (world, slack, engine,
    schedulers), and stops the processes and drops the database afterwards."""
    with (
        quiet(FakeToggl()) as toggl,
        quiet(FakeSlack()) as slack,
        database(server.url, logs) as url,
    ):
        slack.delays["chat.postMessage"] = args.slack_delay
        world = digest_world(url, toggl, args.subscriptions, args.per_person)
        engine = sa.create_engine(engine_url(url), pool_pre_ping=True)
        processes = Processes(logs)
        schedulers: list[Scheduler] = []
        try:
            full = environment(url, toggl, slack, world.key, DIGEST_LEASE_SECONDS=str(args.lease), **env)
            schedulers = [Scheduler(f"{name}-scheduler-{n}", processes, full).start() for n in range(2)]
            yield world, slack, engine, schedulers
        finally:
            for scheduler in schedulers:
                scheduler._stop.set()
            processes.stop_all()
            for scheduler in schedulers:
                scheduler.stop()
            engine.dispose()


def postgres_restart(args: argparse.Namespace, server: Postgres, logs: Path) -> Row:
    row = Row("PostgreSQL restart mid-run", "restart")
    with digest_storm(args, server, logs, "restart") as (world, slack, engine, _):
        half = world.subscriptions // 2
        wait_until(lambda: len(slack.of("chat.postMessage")) >= half, timeout=120)
        before = len(slack.of("chat.postMessage"))
        took = server.restart()
        row.notes.append(f"`pg_ctl restart -m fast` after {before} posts, {took:.1f} s")
        if not wait_until(lambda: settled(engine, world), timeout=args.settle, every=0.5):
            row.notes.append(f"not settled after {args.settle:.0f} s")
        count_digests(row, world, slack, engine)
    return row


def _running_scheduler(
    schedulers: list[Scheduler], engine: sa.Engine, in_flight: int, timeout: float
) -> tuple[Scheduler, int] | None:
    """A scheduler mid-post, the moment to hit it: the first seen with `in_flight` slots marked `posting` (or,
    failing that within `timeout`, with one)."""
    found: list[tuple[Scheduler, int]] = []

    def look(at_least: int) -> bool:
        for scheduler in schedulers:
            process = scheduler.current
            if process is not None and process.poll() is None and posting_by(engine, process.pid) >= at_least:
                found.append((scheduler, process.pid))
                return True
        return False

    if wait_until(lambda: look(in_flight), timeout, every=0.01) or wait_until(lambda: look(1), timeout, every=0.01):
        return found[0]
    return None


def paused_scheduler(args: argparse.Namespace, server: Postgres, logs: Path) -> Row:
    row = Row("SIGSTOP of a scheduler mid-post", "sigstop")
    with digest_storm(args, server, logs, "sigstop") as (world, slack, engine, schedulers):
        caught = _running_scheduler(schedulers, engine, args.in_flight, timeout=60)
        if caught is None:
            row.notes.append("no scheduler was seen mid-post")
        else:
            _, pid = caught
            os.kill(pid, signal.SIGSTOP)
            mid = posting_by(engine, pid)
            time.sleep(args.lease + args.pause_extra)
            os.kill(pid, signal.SIGCONT)
            row.notes.append(
                f"SIGSTOP with {mid} slot(s) marked posting, for {args.lease + args.pause_extra:.0f} s "
                f"(lease {args.lease:.0f} s), then SIGCONT"
            )
        if not wait_until(lambda: settled(engine, world), timeout=args.settle, every=0.5):
            row.notes.append(f"not settled after {args.settle:.0f} s")
        count_digests(row, world, slack, engine)
    return row


def killed_scheduler(args: argparse.Namespace, server: Postgres, logs: Path) -> Row:
    row = Row("kill -9 of a scheduler mid-post", "kill")
    with digest_storm(args, server, logs, "kill") as (world, slack, engine, schedulers):
        caught = _running_scheduler(schedulers, engine, args.in_flight, timeout=60)
        if caught is None:
            row.notes.append("no scheduler was seen mid-post")
        else:
            scheduler, pid = caught
            mid = posting_by(engine, pid)
            scheduler.kill()
            row.notes.append(f"kill -9 with {mid} slot(s) marked posting; that scheduler stays dead")
        if not wait_until(lambda: settled(engine, world), timeout=args.settle, every=0.5):
            row.notes.append(f"not settled after {args.settle:.0f} s")
        count_digests(row, world, slack, engine)
    return row


# -- the web experiments ---------------------------------------------------------------------------------


@dataclass
class Web:
    urls: list[str]
    processes: list[subprocess.Popen[bytes]]
    toggl: FakeToggl
    slack: FakeSlack
    tokens: dict[str, str]
    """Slack user id: their Toggl token."""


@contextmanager
def two_instances(server: Postgres, logs: Path, name: str, people: int, **env: str) -> Iterator[Web]:
    """A fresh database with `people` connected people, the fakes, and two web instances on it."""
    with (
        quiet(FakeToggl()) as toggl,
        quiet(FakeSlack()) as slack,
        database(server.url, logs) as url,
    ):
        key = Fernet.generate_key()
        cipher = TokenCipher([key])
        store = Store(url, clock=SYSTEM)
        store.migrate()
        tokens = {}
        for n in range(people):
            world = standard_world(toggl, token=f"{n:04d}" + "ab" * 14, projects=20)
            store.people.save(
                "T1", f"U{n}", token_ciphertext=cipher.encrypt(world["token"]), toggl_user_id=world["person"].me["id"],
                toggl_name="Ada Lovelace", workspace_id=world["wid"], timezone="Europe/Berlin",
            )  # fmt: skip
            tokens[f"U{n}"] = world["token"]
        store.db.dispose()
        processes = Processes(logs)
        try:
            started, urls = [], []
            for n in range(2):
                port = free_port()
                full = environment(url, toggl, slack, key.decode(), PORT=str(port), **env)
                command = [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--host", "127.0.0.1"]
                started.append(processes.start(command, full, f"{name}-web-{n}.log"))
                urls.append(f"http://127.0.0.1:{port}")
            for n, base in enumerate(urls):
                if not wait_healthy(base, timeout=60):
                    raise RuntimeError(f"web instance {n} of {name} did not start; see {logs}/{name}-web-{n}.log")
            yield Web(urls, started, toggl, slack, tokens)
        finally:
            processes.stop_all()


def answered(slack: FakeSlack, hooks: list[str]) -> set[str]:
    """The hooks that got an answer: "Working on it" (sent when a pool is busy) is a promise, not an answer."""
    working = WORKING["text"]
    found = {
        c.path.rsplit("/", 1)[-1] for c in slack.calls if c.path.startswith("/hooks/") and c.body.get("text") != working
    }
    return found & set(hooks)


def wait_answers(slack: FakeSlack, hooks: list[str], timeout: float) -> set[str]:
    wait_until(lambda: len(answered(slack, hooks)) == len(hooks), timeout, every=0.1)
    return answered(slack, hooks)


def apologies(slack: FakeSlack, prefix: str) -> int:
    """Answers that are an apology rather than what was asked for: answered, but worth a note."""
    texts = [json.dumps(c.body) for c in slack.calls if c.path.startswith(f"/hooks/{prefix}")]
    return sum("went wrong" in t or "try again" in t.lower() or "could not answer" in t for t in texts)


def timers(toggl: FakeToggl) -> Counter[str]:
    """Timers started per token (POSTs to `/workspaces/{wid}/time_entries`)."""
    with toggl.lock:
        return Counter(str(r.token) for r in toggl.requests if r.method == "POST" and TIMER_PATH.fullmatch(r.path))


def sigterm_under_load(args: argparse.Namespace, server: Postgres, logs: Path) -> Row:
    row = Row("SIGTERM of a web instance under load", "sigterm")
    people = args.commands
    with two_instances(server, logs, "sigterm", people) as web:
        web.toggl.fail("/projects", kind="slow", delay=args.toggl_delay, times=10 * people)
        senders = [SlackSender(base + "/slack/events", web.slack.hook()) for base in web.urls]
        hooks = [f"p{n}" for n in range(people)]
        acked = [0, 0]

        def send(n: int) -> None:
            target = 0 if n % 3 else 1  # two thirds to the instance about to be stopped
            response = senders[target].command("projects", user=f"U{n}", response_url=web.slack.hook(hooks[n]))
            if response.status_code == 200:
                acked[target] += 1

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(send, range(people)))
        stopping = time.monotonic()
        web.processes[0].send_signal(signal.SIGTERM)
        try:
            code: int | str = web.processes[0].wait(timeout=40)
        except subprocess.TimeoutExpired:
            code = "still running after 40 s"
        row.notes.append(
            f"{acked[0]} + {acked[1]} acknowledged `projects` (Toggl {args.toggl_delay:g} s an answer), SIGTERM to the "
            f"first: it exited {code} after {time.monotonic() - stopping:.1f} s"
        )
        got = wait_answers(web.slack, hooks, timeout=args.answer_wait)
        row.posted, row.unanswered = len(got), people - len(got)
        if sorry := apologies(web.slack, "p"):
            row.notes.append(f"{sorry} answered with an apology")
    return row


def killed_instance(args: argparse.Namespace, server: Postgres, logs: Path) -> Row:
    row = Row("kill -9 of a web instance", "kill-web")
    people = args.commands
    lease = 3
    with two_instances(server, logs, "kill-web", people, HANDOVER_LEASE_SECONDS=str(lease)) as web:
        web.toggl.fail("", kind="slow", delay=20, times=10 * people)  # every Toggl answer hangs until the kill
        sender = SlackSender(web.urls[0] + "/slack/events", web.slack.hook())
        hooks = [f"k{n}" for n in range(people)]
        words = ["projects" if n % 4 else f"start Task {n}" for n in range(people)]

        def send(n: int) -> int:
            return sender.command(words[n], user=f"U{n}", response_url=web.slack.hook(hooks[n])).status_code

        with ThreadPoolExecutor(8) as pool:
            acked = sum(code == 200 for code in pool.map(send, range(people)))
        time.sleep(1.0)  # the doomed instance's workers are waiting on Toggl
        before = len(answered(web.slack, hooks))
        os.kill(web.processes[0].pid, signal.SIGKILL)
        web.processes[0].wait()
        killed = time.monotonic()
        with web.toggl.lock:
            web.toggl.faults.clear()
        got = wait_answers(web.slack, hooks, timeout=args.answer_wait)
        row.notes.append(
            f"{acked} acknowledged ({words.count('projects')} `projects`, {people - words.count('projects')} `start`), "
            f"{before} answered before kill -9; HANDOVER_LEASE_SECONDS={lease}; the rest answered by the other "
            f"instance within {time.monotonic() - killed:.1f} s"
        )
        uncertain = sum(
            "cannot tell whether it was done" in json.dumps(c.body) for c in web.slack.calls if c.path.startswith("/hooks/k")
        )
        if uncertain:
            row.notes.append(f'{uncertain} `start` answered "cannot tell whether it was done" (never run twice)')
        row.posted, row.unanswered = len(got), people - len(got)
        row.twice = sum(1 for n in timers(web.toggl).values() if n > 1)
        if sorry := apologies(web.slack, "k"):
            row.notes.append(f"{sorry} answered with an apology")
    return row


def duplicate_requests(args: argparse.Namespace, server: Postgres, logs: Path) -> Row:
    row = Row("the same request to both instances", "duplicates")
    people = args.duplicates
    with two_instances(server, logs, "duplicates", people) as web:
        sender = SlackSender(web.urls[0] + "/slack/events", web.slack.hook())
        hooks = [f"s{n}" for n in range(people)]
        bodies = [
            sender.command_body(f"start Review {n}", user=f"U{n}", response_url=web.slack.hook(hooks[n]))
            for n in range(people)
        ]
        gate = threading.Barrier(2)

        def send(base: str, body: str, headers: dict[str, str]) -> int:
            gate.wait(timeout=10)  # both copies leave together
            answer = requests.post(base + "/slack/events", data=body, headers={"Content-Type": FORM, **headers}, timeout=10)
            return answer.status_code

        codes: list[int] = []
        with ThreadPoolExecutor(2) as both:
            for body in bodies:
                headers = signed_headers(body)  # one signed request, captured once, sent twice
                codes += both.map(send, web.urls, [body, body], [headers, headers])
        got = wait_answers(web.slack, hooks, timeout=args.answer_wait)
        started = timers(web.toggl)
        row.posted = sum(1 for token in web.tokens.values() if started[token])
        row.twice = sum(1 for token in web.tokens.values() if started[token] > 1)
        row.unanswered = people - len(got)
        row.notes.append(f"{people} people x `start` sent to both instances at once: {Counter(codes)} HTTP answers")
    return row


# -- the table -------------------------------------------------------------------------------------------


EXPERIMENTS: dict[str, Callable[[argparse.Namespace, Postgres, Path], Row]] = {
    "restart": postgres_restart,
    "sigstop": paused_scheduler,
    "kill": killed_scheduler,
    "sigterm": sigterm_under_load,
    "kill-web": killed_instance,
    "duplicates": duplicate_requests,
}


def render(rows: list[Row]) -> str:
    header = ("experiment", "posted", "posted twice", "lost", "falsely failed", "uncertain (not in Slack)", "unanswered")
    lines = [
        "| " + " | ".join(header) + " |",
        "| --- | " + " | ".join("---:" for _ in header[1:]) + " |",
    ]
    for row in rows:
        cells = [
            row.name,
            row.posted,
            row.twice,
            row.lost,
            row.falsely_failed,
            f"{row.uncertain} ({row.uncertain_missing})",
            "–" if row.unanswered is None else row.unanswered,
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def log_lines(logs: Path, key: str, limit: int = 10) -> list[str]:
    """One experiment's WARNING and ERROR lines, each message once (its first time), to say why a count is not 0."""
    found: dict[str, str] = {}
    for path in sorted(p for p in logs.glob("*.log") if re.fullmatch(rf"{re.escape(key)}-(scheduler|web)-\d+\.log", p.name)):
        for line in path.read_text(errors="replace").splitlines():
            if re.search(r" (ERROR|WARNING) |Traceback", line):
                message = re.sub(r"\d", "#", line[24:])  # without its time, and numbers alike
                found.setdefault(message, f"{path.name}: {line[:300]}")
    return list(found.values())[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=300, help="digests due at once in each digest experiment")
    parser.add_argument("--per-person", type=int, default=2, help="digests owned by each person")
    parser.add_argument("--slack-delay", type=float, default=0.2, help="seconds the fake Slack takes per post")
    parser.add_argument("--in-flight", type=int, default=5, help="hit a scheduler once it has this many posts under way")
    parser.add_argument("--lease", type=float, default=8.0, help="DIGEST_LEASE_SECONDS of the schedulers")
    parser.add_argument("--pause-extra", type=float, default=6.0, help="SIGSTOP lasts the lease and this much more")
    parser.add_argument("--commands", type=int, default=60, help="acknowledged commands in the web experiments")
    parser.add_argument("--toggl-delay", type=float, default=2.0, help="seconds the fake Toggl takes per project list")
    parser.add_argument("--duplicates", type=int, default=20, help="people whose `start` reaches both instances")
    parser.add_argument("--settle", type=float, default=120.0, help="longest wait for every slot to be settled")
    parser.add_argument("--answer-wait", type=float, default=45.0, help="longest wait for every command's answer")
    parser.add_argument("--only", choices=list(EXPERIMENTS), action="append", help="run only these experiments")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this directory (default: removed)")
    args = parser.parse_args()

    started = time.monotonic()
    rows: list[Row] = []
    with ExitStack() as stack:
        logs = args.logs or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="storms-")))
        logs.mkdir(parents=True, exist_ok=True)
        server = Postgres()
        stack.callback(server.stop)
        server.start()
        for name, experiment in EXPERIMENTS.items():
            if args.only and name not in args.only:
                continue
            began = time.monotonic()
            row = experiment(args, server, logs)
            row.notes.append(f"{time.monotonic() - began:.0f} s")
            rows.append(row)
            print(f"  {render([row]).splitlines()[-1]}  {'; '.join(row.notes)}", file=sys.stderr)
        print(
            f"Storms, replayed: PostgreSQL {server.bin.parent.name} restarted by the bench, two schedulers or two web "
            f"instances; {platform.platform()}, {os.cpu_count()} cores; {time.monotonic() - started:.0f} s in all\n"
        )
        print(render(rows))
        print()
        for row in rows:
            print(f"- {row.name}: " + "; ".join(row.notes))
        for row in rows:
            if not row.clean:
                print(f"\nWARNING and ERROR lines of {row.name} (each message once):")
                for line in log_lines(logs, row.key):
                    print("    " + line)


if __name__ == "__main__":
    main()
