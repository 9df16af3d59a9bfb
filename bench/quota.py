"""(e) What timers, my time and forecasts cost of Toggl's quotas: requests per `now`, `today`, `week`, and
per digest with forecasts, counted by the fake Toggl.

Everything under `/me` draws on a user quota of 30 requests an hour (every plan), the rest on the
workspace's hourly quota (Free 30, Starter 240, Premium 600). The words go through the same code as the
Slack handlers (`bot.answers.answer`) on a frozen clock; the digest through the production `DigestRunner`.
One person, 450 projects, a running timer, a week of time entries.

    python -m bench.quota
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet
from slack_sdk import WebClient

from bench.common import table
from bot.answers import answer
from bot.clock import FrozenClock
from bot.commands import parse
from bot.crypto import TokenCipher
from bot.digest.runner import DigestRunner
from bot.identity import Asker
from bot.service import Service
from bot.slack import SlackGateway
from bot.store import Store
from bot.toggl import TogglClients
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world

NOW = dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC)  # Monday, 09:30 in Berlin
ADA = Asker(team_id="T1", user_id="U1", channel_id="C1")
ME = "/api/v9/me"


class Counted:
    """Toggl requests made by `run()`: under `/me`, on the workspace's quota, and of those, Reports requests."""

    def __init__(self, toggl: FakeToggl) -> None:
        self.toggl = toggl

    def __call__(self, run: Callable[[], object]) -> str:
        before = len(self.toggl.requests)
        run()
        made = self.toggl.requests[before:]
        me = sum(1 for r in made if r.path == ME or r.path.startswith(ME + "/"))
        reports = sum(1 for r in made if r.path.startswith("/reports/"))
        return f"{me} under /me; {len(made) - me} on the workspace quota ({reports} of them Reports)"


def say(service: Service, words: str) -> None:
    for message in answer(parse(words), ADA, service).messages:
        assert "went wrong" not in message["text"], message["text"]


def main() -> None:
    clock = FrozenClock(NOW)
    with tempfile.TemporaryDirectory() as tmp, FakeToggl(now=clock.now) as toggl, FakeSlack() as slack:
        world = standard_world(toggl, projects=449)
        token, wid = world["token"], world["wid"]
        for n in range(1, 8):  # an hour and a half a day on Website redesign this past week
            start = NOW - dt.timedelta(days=n)
            toggl.add_time_entry(
                token, wid, "Design", start, start + dt.timedelta(hours=1.5), project_id=world["website"]["id"]
            )
        toggl.add_time_entry(token, wid, "Running", NOW - dt.timedelta(minutes=20), project_id=world["website"]["id"])
        store = Store(f"sqlite:///{Path(tmp) / 'bot.db'}", clock=clock)
        store.migrate()
        service = Service(store, TokenCipher([Fernet.generate_key()]), TogglClients(toggl.url, clock=clock))
        service.accounts.connect("T1", "U1", token)
        count = Counted(toggl)
        rows: list[tuple[str, str]] = []

        def ten_nows() -> None:
            for _ in range(10):
                say(service, "now")
                clock.advance(seconds=5)

        rows.append(("10 x now, first thing (names its project: the list)", count(ten_nows)))
        toggl.age()  # long-lived projects: a `since` refresh brings back nothing
        clock.advance(seconds=120)
        rows.append(("now, past the freshness window", count(lambda: say(service, "now"))))
        rows.append(("stop (the entry remembered)", count(lambda: say(service, "stop"))))
        rows.append(("10 x now after stop", count(ten_nows)))
        clock.advance(seconds=120)
        rows.append(("10 x now, nothing running, last entry known", count(ten_nows)))
        store.cache.clear("T1", "U1")  # as after a reconnect: only the profile and the workspaces are kept
        service.reader.me(service.accounts.account(ADA))
        service.reader.workspaces(service.accounts.account(ADA), fresh=True)
        rows.append(("10 x now, nothing running, nothing remembered", count(ten_nows)))
        clock.advance(seconds=120)
        rows.append(("start <description> project:<name>", count(lambda: say(service, "start Review project:website"))))
        rows.append(("10 x now after start", count(ten_nows)))
        clock.advance(seconds=120)
        rows.append(("today", count(lambda: say(service, "today"))))
        rows.append(("week", count(lambda: say(service, "week"))))
        rows.append(("today again within the freshness window", count(lambda: say(service, "today"))))

        gateway = SlackGateway(WebClient(token="xoxb-bench", base_url=slack.api_url))
        service = service.with_slack(gateway)
        for channel in ("C1", "C2", "C3"):
            store.subscriptions.subscribe(
                "T1", channel, "U1", cadence="daily", weekday=None, at_time="09:00", timezone="UTC"
            )
        clock.advance(hours=2)  # past every freshness window, and the pace's hour
        rows.append(
            (
                "digest run: 3 channels of one person, pace not kept",
                count(lambda: DigestRunner(service, gateway).run_forced()),
            )
        )
        clock.advance(minutes=30)
        rows.append(
            (
                "the same run 30 min later (pace kept an hour)",
                count(lambda: DigestRunner(service, gateway).run_forced()),
            )
        )
    print(table("(e) Toggl requests for timers, my time and forecasts: one person, 450 projects", rows))


if __name__ == "__main__":
    main()
