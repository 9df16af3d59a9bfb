"""(b) Toggl requests and wall time for 20 consecutive `/toggl projects` by one person with 450 projects.

Signed slash commands go to the app (served on loopback), the answer is awaited at the
response_url, and the fake Toggl counts requests. Cold: an empty cache. Warm: the cache holds a
copy older than the freshness window, so one `since=` request refreshes it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

from bench.common import table
from bot.app import create_app
from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.doors import wsgi_app
from bot.service import Service
from bot.store import Store
from bot.toggl import TogglClients
from bot.work import WorkPool
from tests.fakes.app import settings_for
from tests.fakes.server import WSGILoopback
from tests.fakes.signing import SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world

COMMANDS = 20


def twenty(sender: SlackSender, slack: FakeSlack, toggl: FakeToggl, label: str) -> tuple[int, float, list[float]]:
    before = toggl.count()
    started = time.perf_counter()
    each = []
    for n in range(COMMANDS):
        one = time.perf_counter()
        sender.command("projects", response_url=slack.hook(f"{label}{n}"))
        slack.wait_for_calls(f"/hooks/{label}{n}")
        each.append((time.perf_counter() - one) * 1000)
    return toggl.count() - before, time.perf_counter() - started, each


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeToggl(latency=0.05) as toggl, FakeSlack() as slack:
        world = standard_world(toggl, projects=449)
        toggl.age()  # last changed long ago: a since= refresh brings back nothing
        clock = FrozenClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
        store = Store(f"sqlite:///{Path(tmp) / 'bot.db'}", clock=clock)
        service = Service(store, TokenCipher([Fernet.generate_key()]), TogglClients(toggl.url, clock=clock))
        store.migrate()
        service.accounts.connect("T1", "U1", world["token"])
        settings = settings_for(slack, toggl, Path(tmp) / "bot.db")
        pool = WorkPool()
        with WSGILoopback(wsgi_app(create_app(settings, service=service, pool=pool), service, settings)) as server:
            sender = SlackSender(server.url + "/slack/events", slack.hook("x"))
            cold_requests, cold_time, cold_each = twenty(sender, slack, toggl, "cold")
            clock.advance(seconds=120)  # the copy is now older than the 60 s freshness window
            warm_requests, warm_time, warm_each = twenty(sender, slack, toggl, "warm")
        pool.shutdown()
    print(
        table(
            f"(b) {COMMANDS} consecutive /toggl projects, one person, 450 projects, Toggl at 50 ms",
            [
                ("cold cache: Toggl requests", f"{cold_requests} (first command {cold_each[0]:.0f} ms)"),
                ("cold cache: wall time", f"{cold_time:.2f} s; commands 2-20 median {sorted(cold_each[1:])[9]:.0f} ms"),
                (
                    "warm, stale copy: Toggl requests",
                    f"{warm_requests} (first command {warm_each[0]:.0f} ms, a since= refresh)",
                ),
                (
                    "warm, stale copy: wall time",
                    f"{warm_time:.2f} s; commands 2-20 median {sorted(warm_each[1:])[9]:.0f} ms",
                ),
            ],
        )
    )


if __name__ == "__main__":
    main()
