"""Acks beside the floor: `toggl-bot serve` and a bare Bolt app (`bench.bare_bolt`), side by side in one run.

Both run on loopback at the same time against the same fake Toggl (every request answered in `--toggl-latency`
seconds) and fake Slack. Each gets the same bursts of `--commands` concurrent signed `/toggl projects`, taking
turns (bare first in one burst, ours first in the next), each burst by new people so our app asks Toggl. A
burst's answers are awaited before the next burst. Three scenarios:

- calm: one instance each, SQLite;
- half-open: `--half-open` connections that sent half a request and then nothing are held open against our
  app throughout; the bare app is measured in calm as the floor (gunicorn's threads stall on such connections:
  one burst against it under the same attack, with a `--stall-timeout` client timeout, shows how);
- postgres: two instances of each, ours sharing a PostgreSQL database (a throwaway server started here, or
  `--database-url`), each burst spread over both.

Prints p50 and p99 of the acks for both, and the p99 ratio (ours / bare); with `--runs N`, N such tables and a
summary. `--profile DIR` records our first instance with py-spy (speedscope JSON, one file per scenario).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.fernet import Fernet

from bench.common import ROOT, database, percentile
from bot.clock import Clock
from bot.crypto import TokenCipher
from bot.store import Store
from tests.fakes.server import free_port
from tests.fakes.signing import SIGNING_SECRET, SlackSender, signed_headers
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl

SCENARIOS = ("calm", "half-open", "postgres")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Served:
    """One server process on loopback: its events URL and process."""

    url: str
    process: subprocess.Popen[bytes]

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname or "127.0.0.1", parts.port or 80


def _environment(env: dict[str, str], port: int) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_", "PORT"))}
    return {**clean, **env, "PORT": str(port), "PYTHONPATH": str(ROOT)}


def healthy(base_url: str, timeout: float) -> bool:
    """`/healthz` answered 200 within `timeout` (a busy machine: a slow answer is waited for, not an error)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base_url + "/healthz", timeout=5).status_code == 200:
                return True
        except requests.RequestException:
            time.sleep(0.2)
    return False


@contextmanager
def serving(command: list[str], env: dict[str, str], workdir: Path, port: int) -> Iterator[Served]:
    log = open(workdir / f"server-{port}.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, cwd=workdir, env=_environment(env, port), stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        if not healthy(base, timeout=120):
            raise SystemExit(f"{command[:4]} did not start; see {log.name}")
        yield Served(base + "/slack/events", process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def ours(env: dict[str, str], workdir: Path) -> AbstractContextManager[Served]:
    port = free_port()
    command = [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--host", "127.0.0.1"]
    return serving(command, env, workdir, port)


def bare(env: dict[str, str], workdir: Path) -> AbstractContextManager[Served]:
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "bench.bare_bolt:app", "--workers", "1", "--threads", "16",
        "--backlog", "2048", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
    ]  # fmt: skip
    return serving(command, env, workdir, port)


def send_burst(urls: list[str], bodies: list[str], timeout: float | None = None) -> list[tuple[float, int]]:
    """The burst from its own process (`bench.burst`), so the client does not share this one's GIL."""
    job = {"urls": urls, "bodies": bodies, "headers": [{**FORM, **signed_headers(b)} for b in bodies], "timeout": timeout}
    done = subprocess.run(
        [sys.executable, "-m", "bench.burst"], input=json.dumps(job), capture_output=True, text=True, check=True, cwd=ROOT
    )
    return [(ms, status) for ms, status in json.loads(done.stdout)]


HALF_A_REQUEST = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
TRICKLE_SECONDS = 5.0
"""How often each half-open connection sends one more byte of its headers: within the server's `CHANNEL_TIMEOUT`
(15 s), so that none is closed as silent and the attack lasts the whole scenario, as a slowloris client's does."""


@contextmanager
def half_open(address: tuple[str, int], count: int) -> Iterator[list[socket.socket]]:
    """`count` connections that sent half a request, held open until the block ends. The measuring starts once
    the server has taken them in (2 s): the attack measured is the one going on, not its first second."""
    hogs = []
    for _ in range(count):
        hog = socket.create_connection(address, timeout=10)
        hog.sendall(HALF_A_REQUEST)
        hogs.append(hog)
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(TRICKLE_SECONDS):
            for hog in hogs:
                with suppress(OSError):  # closed by the server: it is counted in `held_open`
                    hog.send(b"X")

    keeper = threading.Thread(target=trickle, name="half-open", daemon=True)
    keeper.start()
    time.sleep(2.0)
    try:
        yield hogs
    finally:
        stop.set()
        keeper.join()
        for hog in hogs:
            hog.close()


def held_open(hogs: list[socket.socket]) -> int:
    """How many of the connections the server has not closed (a closed one reads as end of file at once)."""
    alive = 0
    for hog in hogs:
        hog.setblocking(False)
        try:
            alive += hog.recv(1) != b""
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
        finally:
            hog.setblocking(True)
    return alive


@dataclass
class Result:
    """One scenario of one run: the acks of every burst, ours and the bare app's."""

    scenario: str
    ours: list[tuple[float, int]] = field(default_factory=list)
    bare: list[tuple[float, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cpu: dict[str, list[float]] = field(default_factory=lambda: {"ours": [], "bare": []})
    """CPU seconds the servers used from the start of each burst to its last ack."""
    bursts: dict[str, list[list[float]]] = field(default_factory=lambda: {"ours": [], "bare": []})
    """Each burst's ack times, in the order sent (`--detail`)."""

    def p(self, which: str, q: float) -> float:
        return percentile([ms for ms, _ in getattr(self, which)], q)

    @property
    def ratio(self) -> float:
        return self.p("ours", 99) / self.p("bare", 99)

    def cpu_per_ack(self, which: str) -> float:
        """Milliseconds of server CPU per ack, over every burst."""
        return 1000 * sum(self.cpu[which]) / max(1, len(getattr(self, which)))

    def ok(self, which: str) -> str:
        acks = getattr(self, which)
        return f"{sum(status == 200 for _, status in acks)}/{len(acks)}"


class World:
    """The fakes, the people (new ones for every burst: a cold cache, so Toggl is asked) and the environment."""

    def __init__(self, toggl: FakeToggl, slack: FakeSlack, people: int) -> None:
        self.toggl, self.slack = toggl, slack
        self.key = Fernet.generate_key()
        self.wid = toggl.add_workspace("Bench")
        for n in range(120):
            toggl.add_project(self.wid, f"Project {n}")
        self.tokens = {}
        for n in range(people):
            token = f"{n:032x}"
            self.tokens[n] = (token, toggl.add_person(token, workspaces=[self.wid]).me["id"])
        self.next_person = 0

    def seed(self, database_url: str) -> None:
        store = Store(database_url, clock=Clock())
        store.migrate()
        cipher = TokenCipher([self.key])
        for n, (token, toggl_id) in self.tokens.items():
            store.people.save(
                "T1", f"U{n}", token_ciphertext=cipher.encrypt(token), toggl_user_id=toggl_id,
                toggl_name="Bench", workspace_id=self.wid, timezone="UTC",
            )  # fmt: skip
        store.db.dispose()

    def env(self, database_url: str) -> dict[str, str]:
        return {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.slack.api_url,
            "TOGGL_API_URL": self.toggl.url,
            "DATABASE_URL": database_url,
            "TOKEN_ENCRYPTION_KEY": self.key.decode(),
        }

    def people(self, count: int) -> range:
        first = self.next_person
        self.next_person += count
        return range(first, first + count)


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes and their children (gunicorn's worker) have used so far (Linux `/proc`;
    0 elsewhere)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            own, rest = stat.read_text().rsplit(")", 1)[1].split(), None
        except OSError:
            continue
        del rest
        pid, parent = int(stat.parent.name), int(own[1])
        if pid in pids or parent in pids:
            total += int(own[11]) + int(own[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def one_burst(
    world: World, served: list[Served], tag: str, count: int, timeout: float | None = None, cpu: list[float] | None = None
) -> list[tuple[float, int]]:
    """A burst of `count` new people's `/toggl projects`; returns once every answer is in (or after 120 s). Adds
    the CPU the servers used until the last ack to `cpu`."""
    urls = [s.url for s in served]
    sender = SlackSender(urls[0], world.slack.hook("unused"))
    bodies = [
        sender.command_body("projects", user=f"U{n}", response_url=world.slack.hook(f"{tag}u{n}"))
        for n in world.people(count)
    ]
    pids = [s.process.pid for s in served]
    before = cpu_seconds(pids)
    acks = send_burst(urls, bodies, timeout)
    if cpu is not None:
        cpu.append(cpu_seconds(pids) - before)
    prefix = f"/hooks/{tag}u"
    world.slack.wait_for(
        lambda calls: (
            len([c for c in calls if c.path.startswith(prefix) and "Working on it" not in str(c.body)])
            >= sum(status == 200 for _, status in acks)
        ),
        timeout=120,
    )
    return acks


def warm(world: World, served: list[Served], tag: str) -> None:
    for n, server in enumerate(served):
        SlackSender(server.url, world.slack.hook(f"{tag}{n}")).command("help", user="U0")
    time.sleep(1.0)


@contextmanager
def profiled(pid: int, out: Path | None) -> Iterator[None]:
    if out is None:
        yield
        return
    spy = subprocess.Popen(
        ["py-spy", "record", "--pid", str(pid), "--rate", "250", "--threads", "--idle", "--nonblocking",
         "--format", "speedscope", "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def scenario(name: str, args: argparse.Namespace, run: int, pg_url: str | None) -> Result:
    result = Result(name)
    instances = 2 if name == "postgres" else 1
    per_scenario = 2 * args.commands * args.bursts + 2 * args.commands
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeToggl(latency=args.toggl_latency) as toggl,
        FakeSlack() as slack,
        database(pg_url if name == "postgres" else None, Path(tmp)) as database_url,
        ExitStack() as running,
    ):
        world = World(toggl, slack, per_scenario)
        world.seed(database_url)
        env = world.env(database_url)
        ours_served = [running.enter_context(ours(env, Path(tmp))) for _ in range(instances)]
        bare_served = [running.enter_context(bare(env, Path(tmp))) for _ in range(instances)]
        warm(world, ours_served, f"r{run}{name}warm-o")
        warm(world, bare_served, f"r{run}{name}warm-b")
        attack: AbstractContextManager[list[socket.socket]] = (
            half_open(ours_served[0].address, args.half_open) if name == "half-open" else nullcontext([])
        )
        profile = Path(args.profile) / f"ours-{name}-run{run}.json" if args.profile else None
        if profile is not None:
            profile.parent.mkdir(parents=True, exist_ok=True)
        with attack as hogs, profiled(ours_served[0].process.pid, profile):
            for burst in range(args.bursts):
                turns = [("bare", bare_served), ("ours", ours_served)]
                for which, served in turns if burst % 2 == 0 else reversed(turns):
                    tag = f"r{run}{name}{which}{burst}"
                    acks = one_burst(world, served, tag, args.commands, cpu=result.cpu[which])
                    getattr(result, which).extend(acks)
                    result.bursts[which].append([ms for ms, _ in acks])
            if hogs:
                result.notes.append(f"half-open connections still held open after the last burst: {held_open(hogs)}")
        if name == "half-open" and args.stall_timeout:
            with half_open(bare_served[0].address, args.half_open):
                stalled = one_burst(world, bare_served[:1], f"r{run}stall", args.commands, args.stall_timeout)
            answered = sum(status == 200 for _, status in stalled)
            result.notes.append(
                f"bare Bolt (gunicorn) under the same {args.half_open} half-open connections: {answered} of "
                f"{args.commands} acked within {args.stall_timeout:g} s"
            )
    return result


def print_table(results: list[Result], title: str, *, detail: bool = False) -> None:
    header = (
        "| scenario | bare p50 | bare p99 | ours p50 | ours p99 | p99 ratio | acks 200 (bare, ours) "
        "| server CPU per ack (bare, ours) |"
    )
    print(title)
    print(header)
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.scenario} | {r.p('bare', 50):.0f} ms | {r.p('bare', 99):.0f} ms | {r.p('ours', 50):.0f} ms | "
            f"{r.p('ours', 99):.0f} ms | {r.ratio:.2f} | {r.ok('bare')}, {r.ok('ours')} | "
            f"{r.cpu_per_ack('bare'):.1f} ms, {r.cpu_per_ack('ours'):.1f} ms |"
        )
    for r in results:
        for note in r.notes:
            print(f"- {r.scenario}: {note}")
        if detail:  # a run's p99 is the third-slowest of its 200 acks: which bursts they came from
            for which in ("bare", "ours"):
                slowest = ", ".join("/".join(f"{ms:.0f}" for ms in sorted(b)[-3:][::-1]) for b in r.bursts[which])
                print(f"- {r.scenario}, {which}: each burst's three slowest acks (ms): {slowest}")
    print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="times to run the whole comparison, one table each")
    parser.add_argument("--bursts", type=int, default=5, help="bursts sent to each app per scenario")
    parser.add_argument("--commands", type=int, default=40, help="concurrent commands in a burst")
    parser.add_argument("--toggl-latency", type=float, default=2.0)
    parser.add_argument("--half-open", type=int, default=200)
    parser.add_argument("--stall-timeout", type=float, default=5.0, help="0: do not attack the bare app")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of {', '.join(SCENARIOS)}")
    parser.add_argument("--database-url", help="a PostgreSQL server for the postgres scenario (default: start one)")
    parser.add_argument("--profile", help="a directory for py-spy recordings of our app")
    parser.add_argument("--detail", action="store_true", help="print each burst's three slowest acks too")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if importlib.util.find_spec("gunicorn") is None:
        parser.error('the bare Bolt app runs under gunicorn: python -m pip install ".[bench]"')
    if args.profile and shutil.which("py-spy") is None:
        parser.error('--profile needs py-spy: python -m pip install ".[bench]"')

    with ExitStack() as stack:
        pg_url = args.database_url
        if "postgres" in chosen and not pg_url:
            from bench.storms import Postgres

            server = Postgres()
            stack.callback(server.stop)
            server.start()
            pg_url = server.url
        every: list[Result] = []
        for run in range(1, args.runs + 1):
            results = [scenario(name, args, run, pg_url) for name in chosen]
            every.extend(results)
            print_table(
                results,
                f"run {run} of {args.runs}: {args.bursts} bursts of {args.commands} concurrent /toggl projects to each "
                f"app, Toggl at {args.toggl_latency:g} s; {os.cpu_count()} cores",
                detail=args.detail,
            )
        if args.runs > 1:
            print("p99 ratio per run (ours / bare):")
            for name in chosen:
                ratios = [r.ratio for r in every if r.scenario == name]
                print(f"- {name}: {', '.join(f'{x:.2f}' for x in ratios)} (worst {max(ratios):.2f})")


if __name__ == "__main__":
    main()
