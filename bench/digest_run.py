"""(c) One digest run: 1,000 subscriptions owned by 200 Toggl people with 500 projects each.

The fake Toggl answers in 50 ms and allows each token one request a second (429 beyond). The
runner (the production `DigestRunner`, paced clients, 32 people at once) posts to the fake
Slack. Prints wall time, Toggl requests per person, and 429s seen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.fernet import Fernet
from slack_sdk import WebClient

from bench.common import database, engine_name, table
from bot.app import DIGEST_REQUEST_INTERVAL
from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.digest.runner import OWNERS_AT_ONCE, DigestRunner
from bot.service import Service
from bot.slack import SlackGateway
from bot.store import Store
from bot.toggl import TogglClients
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--owners-at-once", type=int, default=OWNERS_AT_ONCE)
    parser.add_argument("--database-url", help="a PostgreSQL server to make a database on (default: a SQLite file)")
    parser.add_argument("--runners", type=int, default=1, help="schedulers racing for the same slots")
    parser.add_argument("--pool-size", type=int, default=5, help="DATABASE_POOL_SIZE (and overflow) of each scheduler")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeToggl(latency=0.05, per_token_per_second=1.0) as toggl,
        FakeSlack() as slack,
        database(args.database_url, Path(tmp)) as database_url,
    ):
        cipher = TokenCipher([Fernet.generate_key()])
        clock = FrozenClock(dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC))  # subscribed on a Sunday...
        store = Store(database_url, clock=clock)
        store.migrate()
        tokens = {}
        for n in range(args.people):
            token = f"{n:032x}"
            wid = toggl.add_workspace(f"Workspace {n}")
            person = toggl.add_person(token, name=f"Person {n}", workspaces=[wid])
            for p in range(args.projects):
                over = p % 10 == 0
                toggl.add_project(wid, f"P{n}-{p}", actual_seconds=7200 if over else 600, estimated_seconds=3600)
            first = next(iter(toggl.projects[wid]))
            for t in range(20):
                toggl.add_task(wid, first, f"T{t}", tracked_ms=1000 * 60, estimated_seconds=3600)
            store.people.save(
                "T1", f"U{n}", token_ciphertext=cipher.encrypt(token), toggl_user_id=person.me["id"],
                toggl_name=f"Person {n}", workspace_id=wid, timezone="UTC",
            )  # fmt: skip
            tokens[token] = f"U{n}"
        for s in range(args.subscriptions):
            owner = f"U{s % args.people}"
            store.subscriptions.subscribe(
                "T1", f"C{s}", owner, cadence="daily", weekday=None, at_time="09:00", timezone="UTC"
            )
        toggl.requests.clear()

        clock.set(dt.datetime(2026, 11, 23, 9, 1, tzinfo=dt.UTC))  # ...and run a minute after Monday's 09:00 slot
        runners = []
        for _ in range(args.runners):  # each scheduler with its own engine, pool and Toggl clients, as processes have
            own = Store(database_url, clock=clock, pool_size=args.pool_size, max_overflow=args.pool_size)
            service = Service(own, cipher, TogglClients(toggl.url, clock=clock, min_interval=DIGEST_REQUEST_INTERVAL))
            gateway = SlackGateway(WebClient(token="xoxb-bench", base_url=slack.api_url))
            runners.append(DigestRunner(service.with_slack(gateway), gateway, owners_at_once=args.owners_at_once))
        start = threading.Barrier(len(runners))

        def race(runner: DigestRunner) -> list:
            start.wait()
            return runner.run_due()

        started = time.perf_counter()
        with ThreadPoolExecutor(len(runners)) as pool:
            shares = list(pool.map(race, runners))
        wall = time.perf_counter() - started
        outcomes = [o for share in shares for o in share]

        per_person = Counter(r.token for r in toggl.requests)
        counts = [per_person[t] for t in tokens]
        statuses = Counter(o.status for o in outcomes)
        posts = len(slack.of("chat.postMessage"))
        channels = len({c.body["channel"] for c in slack.of("chat.postMessage")})
        pages = -(-args.projects // 200) + 1 + 1  # project pages, one page of tasks, the workspace list
    print(
        table(
            f"(c) digest run: {args.subscriptions} subscriptions, {args.people} people x {args.projects} projects, "
            f"Toggl 50 ms and 1 request/s per token; {engine_name(database_url)}, {args.runners} scheduler(s)",
            [
                ("wall time", f"{wall:.1f} s ({args.owners_at_once} people at once)"),
                ("outcomes", ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + f"; {posts} Slack posts"),
                ("slots posted twice", str(posts - channels)),
                ("slots each scheduler posted", " / ".join(str(sum(o.status == "posted" for o in s)) for s in shares)),
                (
                    "Toggl requests per person",
                    f"min {min(counts)}, median {statistics.median(counts):g}, max {max(counts)} (pages needed: {pages})",
                ),
                ("Toggl requests in all", str(len(toggl.requests))),
                ("429s seen", str(toggl.too_fast)),
                ("one person's paging alone", f"about {(pages - 1) * DIGEST_REQUEST_INTERVAL + pages * 0.05:.1f} s"),
            ],
        )
    )


if __name__ == "__main__":
    main()
