"""(t) A team post for 200 people (issue 21): its time, its blocks, and its requests.

    python -m bench.team_post

A workspace of 200 people in the fake Toggl, 100 of them connected in Slack (half of those said `team nudge
on`), each with one to four projects' time on the Friday before; an admin's weekdays post with `min 4h` is run
by the real `TeamRunner` at Monday 09:01 on SQLite, then on Tuesday (nobody tracked Monday: everyone under the
minimum). Prints the run's wall time, the blocks of the post and its thread, and every request to Toggl and
Slack.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet
from slack_sdk import WebClient

from bench.common import table
from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.service import Service
from bot.slack import SlackGateway
from bot.store import Store
from bot.team.runner import TeamRunner
from bot.toggl import TogglClients
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl

PEOPLE = 200
CONNECTED = 100
MONDAY = dt.datetime(2026, 11, 23, 8, 1, tzinfo=dt.UTC)  # 09:01 in Berlin
FRIDAY = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def _token(n: int) -> str:
    return f"{n:032x}"


def main() -> None:
    clock = FrozenClock(FRIDAY + dt.timedelta(days=1))
    with tempfile.TemporaryDirectory() as tmp, FakeToggl(now=clock.now) as toggl, FakeSlack() as slack:
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}", clock=clock)
        store.migrate()
        service = Service(store, TokenCipher([Fernet.generate_key()]), TogglClients(toggl.url, clock=clock))
        gateway = SlackGateway(WebClient(token="xoxb-bench", base_url=slack.api_url))
        service = service.with_slack(gateway)
        admin = toggl.add_person(_token(0), name="Admin Person")
        wid = admin.workspace_ids[0]
        projects = [toggl.add_project(wid, f"Client project {p:02d} & co")["id"] for p in range(12)]
        for n in range(PEOPLE):
            if n:
                toggl.add_person(_token(n), name=f"Person {n:03d} <team>", workspaces=[wid])
                toggl.roles[(wid, toggl.people[_token(n)].me["id"])] = "user"
            for k in range(n % 4 + 1):
                start = FRIDAY + dt.timedelta(hours=2 * k)
                hours = (n % 9) / 2 / (k + 1)
                toggl.add_time_entry(_token(n), wid, "work", start, start + dt.timedelta(hours=hours),
                                     project_id=projects[(n + k) % len(projects)], billable=k % 2 == 0)  # fmt: skip
        for n in range(CONNECTED):
            service.accounts.connect("T1", f"U{n:04d}", _token(n))
            if n % 2:
                service.team.set_nudge("T1", f"U{n:04d}", True)
        service.team.subscribe("T1", "CTEAM", "U0000", workspace_id=wid, cadence="weekdays", weekday=None,
                               at_time="09:00", timezone="Europe/Berlin", min_seconds=4 * 3600)  # fmt: skip
        rows = []
        for day in range(2):
            clock.set(MONDAY + dt.timedelta(days=day))
            toggl.requests.clear()
            slack.calls.clear()
            started = time.perf_counter()
            (outcome,) = TeamRunner(service, gateway).run_due()
            took = (time.perf_counter() - started) * 1000
            posts = [c.body for c in slack.of("chat.postMessage") if c.body["channel"] == "CTEAM"]
            main_post, thread = posts[0], posts[1:]
            label = "Monday (Friday's time)" if day == 0 else "Tuesday (Monday's: nothing)"
            rows += [
                (f"{label}: run", f"{took:.0f} ms, {outcome.status}, {outcome.nudged} nudges"),
                ("  Toggl requests", _requests(toggl)),
                ("  post: blocks", f"{len(main_post['blocks'])} of 50, {len(str(main_post)):,} bytes"),
                ("  thread: messages, blocks", ", ".join(f"{len(t['blocks'])} blocks" for t in thread) or "none"),
                ("  Slack calls", f"{len(posts)} channel posts, {len(slack.of('chat.postMessage')) - len(posts)} DMs"),
            ]
        print(table(f"(t) a team post of {PEOPLE} people, {CONNECTED} connected", rows))


def _requests(toggl: FakeToggl) -> str:
    reports = toggl.count("/reports/")
    users = toggl.count("/users")
    other = len(toggl.requests) - reports - users
    return f"{reports} Reports, {users} workspace users, {other} other"


if __name__ == "__main__":
    main()
