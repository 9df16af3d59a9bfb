"""Real-time alerts, measured: `python -m bench.alerts`.

Two instances of the app on one SQLite database (the production door, Bolt app and work pool, in this process),
the fake Toggl with its Webhooks API, and the fake Slack:

1. delivery to post: time tracked at the fake Toggl crosses a project's threshold; from the moment Toggl sends
   the delivery to the moment the alert reaches Slack's `chat.postMessage`, for 20 crossings;
2. a burst of 1,000 deliveries within 10 s, spread over both instances, each delivered twice (Toggl repeats):
   how many were acknowledged (2xx), how fast, how many alerts were posted (one per crossing expected) and how
   many Toggl requests the app spent on them;
3. the free plan's realistic hour (`bench.free_hour`: 450 projects, the person's words, buttons and Home)
   with alerts on for their digest while a teammate tracks 15 minutes every 5 minutes on one project (from
   minute 3, so the crossing, at minute 48, falls between two checks): Toggl
   requests on the person's quotas, and when the alert came, with the periodic check (no `PUBLIC_URL`) and
   with webhooks.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.fernet import Fernet

from bench import free_hour
from bench.common import percentile, table
from bot.alerts.watch import POLL_SECONDS, RECONCILE_SECONDS
from bot.answers import answer
from bot.app import alert_receiver, create_app
from bot.clock import FrozenClock
from bot.commands import parse
from bot.crypto import TokenCipher
from bot.doors import wsgi_app
from bot.service import Service
from bot.store import Store
from bot.toggl import TogglClients
from bot.work import WorkPool
from tests.blockkit import all_text
from tests.fakes.app import settings_for
from tests.fakes.server import WSGILoopback, free_port
from tests.fakes.signing import SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import NO_BACKOFF, FakeToggl

TOKEN = "ada0ada0ada0ada0ada0ada0ada0ada0"
PROJECTS = 50
BURST = 1000


def _alerts(slack: FakeSlack) -> list[str]:
    return [all_text(c.body) for c in slack.of("chat.postMessage") if "crossed" in all_text(c.body)]


def _hour(figures: tuple[int, int, float | None]) -> str:
    org, me, came = figures
    when = f"the alert {came:.2f} min into the hour" if came is not None else "no alert"
    return f"{org} workspace + {me} /me requests of the person; {when}"


def _more_than(slack: FakeSlack, seen: int, _calls: object) -> bool | None:
    return len(_alerts(slack)) > seen or None


def hour_with_alerts(webhooks: bool) -> tuple[int, int, float | None]:
    """The free plan's hour with alerts on: (workspace requests, `/me` requests, minute the alert came)."""
    clock = FrozenClock(free_hour.NOW)
    with tempfile.TemporaryDirectory() as folder, FakeToggl(now=clock.now) as toggl, FakeSlack() as slack:
        world = free_hour.free_world(toggl)
        token, wid, website = world["token"], world["wid"], world["website"]["id"]
        teammate = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
        toggl.add_person(teammate, name="Bo Teammate", workspaces=[wid])
        database = f"sqlite:///{Path(folder) / 'hour.db'}"
        store = Store(database, clock=clock)
        store.migrate()
        port = free_port()
        clients = TogglClients(toggl.url, clock=clock)
        service = Service(
            store, TokenCipher([Fernet.generate_key()]), clients, public_url=f"http://127.0.0.1:{port}" if webhooks else None
        )
        pool = WorkPool(workers=4)
        settings = settings_for(slack, toggl, database)
        receive, watcher = alert_receiver(settings, service, pool)
        app = wsgi_app(create_app(settings, service=service, pool=pool), service, settings, receive=receive)
        with WSGILoopback(app, port=port):
            live = watcher.service
            live.accounts.connect("T1", "U1", token)
            for words in ("digest subscribe daily at 09:00 UTC", "digest alerts on"):
                answer(parse(words), free_hour.ADA, live)
            pool.wait_idle()
            toggl.requests.clear()
            elapsed, came, next_track = 0.0, None, 3.0
            for gap, _, run in free_hour.HOUR:
                for _ in range(int(gap * 4)):  # the check ticks every 15 s, as in `serve`
                    clock.advance(seconds=15)
                    elapsed += 0.25
                    if elapsed >= next_track:  # the teammate's 15 minutes, every 5 minutes, on one project
                        toggl.track(teammate, wid, website, 15 * 60)
                        next_track += 5
                        pool.wait_idle()
                    watcher.tick()
                    if came is None and _alerts(slack):
                        came = elapsed
                run(live)
            pool.wait_idle()
        pool.shutdown(wait=True)
        ada = [r for r in toggl.requests if r.token == token]
        me = sum(1 for r in ada if r.path == free_hour.ME or r.path.startswith(free_hour.ME + "/"))
        return len(ada) - me, me, came


def main() -> None:
    clock = FrozenClock(dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC))
    with tempfile.TemporaryDirectory() as folder, FakeToggl(now=clock.now) as toggl, FakeSlack() as slack:
        database = f"sqlite:///{Path(folder) / 'bench.db'}"
        person = toggl.add_person(TOKEN)
        wid = person.workspace_ids[0]
        pids = [
            toggl.add_project(wid, f"Project {n}", estimated_seconds=36_000, actual_seconds=0)["id"] for n in range(PROJECTS)
        ]
        cipher = TokenCipher([Fernet.generate_key()])
        port = free_port()
        servers, pools, urls = [], [], []
        for n in range(2):
            store = Store(database, clock=clock)
            store.migrate()
            service = Service(
                store, cipher, TogglClients(toggl.url, clock=clock, retry=NO_BACKOFF), public_url=f"http://127.0.0.1:{port}"
            )
            pool = WorkPool(workers=8, max_pending=5000)
            settings = settings_for(slack, toggl, database)
            receive, _ = alert_receiver(settings, service, pool)
            server = WSGILoopback(
                wsgi_app(create_app(settings, service=service, pool=pool), service, settings, receive=receive),
                port=port if n == 0 else 0,
            )
            server.start()
            servers.append(server)
            pools.append(pool)
            urls.append(server.url)
            if n == 0:
                service.accounts.connect("T1", "U1", TOKEN)
        send = SlackSender(urls[0] + "/slack/events", slack.hook("r"))
        send.command("digest subscribe daily at 09:00 UTC", response_url=slack.hook("r"))
        slack.wait_for_calls("/hooks/r", 1)
        send.command("digest alerts on", response_url=slack.hook("r"))
        slack.wait_for_calls("/hooks/r", 2)
        (sub,) = toggl.webhooks.subscriptions.values()
        before = toggl.count()

        # 1. delivery to post, one crossing at a time
        latencies = []
        for pid in pids[:20]:
            seen = len(_alerts(slack))
            started = time.perf_counter()
            toggl.track(TOKEN, wid, pid, 30_000)  # 83%: over the 80% threshold
            slack.wait_for(functools.partial(_more_than, slack, seen), timeout=30)
            latencies.append((time.perf_counter() - started) * 1000)

        # 2. a burst: 1,000 deliveries in 10 s over both instances, each sent twice
        path = sub["url_callback"][len(urls[0]) :]
        bodies = []
        for n in range(BURST):
            pid = pids[20 + n % 30]
            entry = toggl.add_time_entry(
                TOKEN, wid, "burst", clock.now() - dt.timedelta(seconds=60), clock.now(), project_id=pid
            )
            bodies.append(
                {
                    "event_id": 10_000_000 + n,
                    "created_at": clock.now().isoformat(),
                    "metadata": {"action": "created", "model": "time_entry", "workspace_id": str(wid)},
                    "payload": {**entry, "duration": 900},
                    "subscription_id": sub["subscription_id"],
                }
            )
        statuses: list[int] = []
        acks: list[float] = []
        lock = threading.Lock()
        alerts_before = len(_alerts(slack))
        burst_started = time.perf_counter()

        def deliver(n: int) -> None:
            time.sleep(max(0.0, burst_started + n * 10 / (BURST * 2) - time.perf_counter()))  # spread over 10 s
            body = bodies[n // 2]
            target = {**sub, "url_callback": urls[n % 2] + path}
            started = time.perf_counter()
            answer = toggl.webhooks.post(target, body)
            with lock:
                acks.append((time.perf_counter() - started) * 1000)
                statuses.append(answer.status_code if answer is not None else 0)

        with ThreadPoolExecutor(64) as senders:
            list(senders.map(deliver, range(BURST * 2)))
        sent_in = time.perf_counter() - burst_started
        for pool in pools:
            pool.wait_idle()
        burst_alerts = len(_alerts(slack)) - alerts_before
        spent = toggl.count() - before
        for server in servers:
            server.stop()
        for pool in pools:
            pool.shutdown(wait=True)

    polled = hour_with_alerts(webhooks=False)
    pushed = hour_with_alerts(webhooks=True)
    per_hour_polling = 3600 // POLL_SECONDS
    per_hour_webhooks = 3600 / RECONCILE_SECONDS
    print(
        table(
            "Real-time alerts (bench.alerts: two instances on SQLite, fake Toggl with webhooks, fake Slack)",
            [
                ("delivery to Slack post, p50", f"{percentile(latencies, 50):.0f} ms (20 crossings, one at a time)"),
                ("delivery to Slack post, p99", f"{percentile(latencies, 99):.0f} ms"),
                (
                    "burst: deliveries sent",
                    f"{BURST * 2} ({BURST} events, each twice) in {sent_in:.1f} s, over both instances",
                ),
                ("burst: acknowledged (2xx)", f"{sum(1 for s in statuses if 200 <= s < 300)} of {len(statuses)}"),
                ("burst: ack p50 / p99", f"{percentile(acks, 50):.0f} ms / {percentile(acks, 99):.0f} ms"),
                ("burst: alerts posted", f"{burst_alerts} (30 projects crossed 80%: one post each expected)"),
                ("Toggl requests spent on 1,020 events", f"{spent}"),
                (
                    "alerts by polling",
                    f"{per_hour_polling} requests per alerting person an hour (a check every {POLL_SECONDS // 60} min)",
                ),
                (
                    "alerts by webhooks",
                    f"{per_hour_webhooks:g} requests per alerting person an hour (the reconcile), 0 per delivery",
                ),
                ("free-plan hour + alerts, polling", _hour(polled)),
                ("free-plan hour + alerts, webhooks", _hour(pushed)),
                (
                    "saved by webhooks in that hour",
                    f"{polled[0] - pushed[0]} workspace, {polled[1] - pushed[1]} /me requests",
                ),
            ],
        )
    )


if __name__ == "__main__":
    main()
