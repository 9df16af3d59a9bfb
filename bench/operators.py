"""(issue 22) What the operator-facing parts cost: the pages and a `/metrics` scrape on the real server, pruning a
database full of stale copies, and forgetting a workspace of 1,000 people. `python -m bench.operators`.

None of them asks Toggl anything: their cost on the hourly quota is zero.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from bench.common import percentile, served_app, table
from bot.clock import FrozenClock
from bot.store import Store
from bot.store.retention import CACHE_KEEP_SECONDS
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl

SCRAPES = 300
STALE_PEOPLE = 2_000
TEAM = 1_000


def timed(session: requests.Session, url: str, headers: dict[str, str] | None = None) -> list[float]:
    took = []
    for _ in range(SCRAPES):
        started = time.perf_counter()
        assert session.get(url, headers=headers, timeout=10).status_code == 200
        took.append((time.perf_counter() - started) * 1000)
    return took


def served(workdir: Path) -> list[tuple[str, str]]:
    rows = []
    with FakeSlack() as slack, FakeToggl() as toggl:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench",
            "SLACK_API_URL": slack.api_url,
            "TOGGL_API_URL": toggl.url,
            "DATABASE_URL": f"sqlite:///{workdir / 'bot.db'}",
            "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "METRICS_TOKEN": "bench-token",
        }
        with served_app(env, workdir) as events, requests.Session() as session:
            base = events.removesuffix("/slack/events")
            for name, path, headers in (
                ("GET /", "/", None),
                ("GET /privacy", "/privacy", None),
                ("GET /metrics", "/metrics", {"Authorization": "Bearer bench-token"}),
            ):
                took = timed(session, base + path, headers)
                rows.append((name, f"p50 {percentile(took, 50):.2f} ms, p99 {percentile(took, 99):.2f} ms ({SCRAPES})"))
    return rows


def stored(workdir: Path) -> list[tuple[str, str]]:
    clock = FrozenClock(dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC))
    store = Store(f"sqlite:///{workdir / 'retention.db'}", clock=clock)
    store.migrate()
    for n in range(STALE_PEOPLE):
        user = f"U{n:05d}"
        for name in ("me", "workspaces", "welcomed", "report:week"):
            store.cache.put_doc("T1", user, name, "{}", clock.time())
    clock.set(clock.now() + dt.timedelta(seconds=CACHE_KEEP_SECONDS + 60))
    started = time.perf_counter()
    pruned = store.retention.prune()
    prune_ms = (time.perf_counter() - started) * 1000
    for n in range(TEAM):
        user = f"U{n:05d}"
        store.people.save("T2", user, token_ciphertext="x", toggl_user_id=n, toggl_name="x", workspace_id=1, timezone=None)
        store.subscriptions.subscribe("T2", f"C{n}", user, cadence="daily", weekday=None, at_time="09:00", timezone="UTC")
    started = time.perf_counter()
    removed = store.forget_team("T2")
    forget_ms = (time.perf_counter() - started) * 1000
    store.db.dispose()
    return [
        (f"prune {STALE_PEOPLE * 4:,} stale copies (SQLite)", f"{prune_ms:.0f} ms, deleted {sum(pruned.values()):,}"),
        (f"forget a workspace of {TEAM:,} people (SQLite)", f"{forget_ms:.0f} ms, {removed:,} people and digests"),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        rows = served(Path(scratch)) + stored(Path(scratch))
    print(table("Operators: pages, /metrics, retention (no Toggl request in any)", rows))


if __name__ == "__main__":
    main()
