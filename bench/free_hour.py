"""(f) A realistic hour on Toggl's free plan: what each word, button and Home open costs on each quota.

The hour of issue 18, for a person with 450 projects: projects, projects over, a client filter, a Next
page, tasks of 3 projects, 4 start/stop pairs, `now` x4, today, week, Home x2. Everything goes through
the same code as Slack (`bot.answers.answer`, and `bot.home.home_for` for the Home tab) against the fake
Toggl on loopback, on a frozen clock moved as a person would: spread over the hour, and again played in two
minutes. Requests are counted by the fake, per quota: the workspace's (Free: 30 an hour) and the user
quota of everything under `/me` (30 an hour on every plan). The hour starts with `connect`
(the profile and the workspaces: 2 under `/me`).

    python -m bench.free_hour
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from bot.answers import answer
from bot.clock import FrozenClock
from bot.commands import ListProjects, parse
from bot.crypto import TokenCipher
from bot.home import home_for
from bot.identity import Asker
from bot.service import Service
from bot.store import Store
from bot.toggl import TogglClients
from tests.fakes.toggl import FakeToggl, standard_world

NOW = dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC)  # Monday, 09:30 in Berlin
ADA = Asker(team_id="T1", user_id="U1", channel_id="C1")
ME = "/api/v9/me"
TARGET_ORG, TARGET_ME = 16, 3

Step = tuple[float, str, Callable[[Service], object]]
"""(minutes after the previous step, what a person did, doing it)."""


def say(words: str | ListProjects) -> Callable[[Service], object]:
    command = parse(words) if isinstance(words, str) else words

    def run(service: Service) -> None:
        for message in answer(command, ADA, service).messages:
            text = message["text"]
            assert "went wrong" not in text and "limit" not in text and "not answering" not in text, text

    return run


def home(service: Service) -> None:
    home_for("T1", "U1", service)


HOUR: list[Step] = [
    (0, "projects", say("projects")),
    (3, "projects over", say("projects over")),
    (2, "projects client:Acme", say("projects client:Acme")),
    (1, "projects, Next page", say(ListProjects(page=2))),
    (2, "Home", home),
    (3, "tasks Website redesign", say("tasks Website redesign")),
    (2, "tasks Project 0001", say("tasks Project 0001")),
    (2, "tasks Project 0002", say("tasks Project 0002")),
    (1, "start (1)", say("start Design project:Website redesign")),
    (1, "now (1)", say("now")),
    (6, "stop (1)", say("stop")),
    (2, "start (2)", say("start Review project:Project 0001")),
    (4, "now (2)", say("now")),
    (5, "stop (2)", say("stop")),
    (2, "today", say("today")),
    (3, "start (3)", say("start Call")),
    (5, "now (3)", say("now")),
    (4, "stop (3)", say("stop")),
    (2, "Home", home),
    (3, "start (4)", say("start Write-up project:Project 0002")),
    (4, "now (4)", say("now")),
    (2, "stop (4)", say("stop")),
    (1, "week", say("week")),
]


@dataclass
class Count:
    org: int = 0
    me: int = 0

    def __add__(self, other: Count) -> Count:
        return Count(self.org + other.org, self.me + other.me)


def free_world(toggl: FakeToggl) -> dict:
    """The person of the hour: 450 projects (20 of them of 4 clients), tasks, a week of time, the free plan's quota."""
    world = standard_world(toggl, projects=429)  # and 20 projects of 4 clients below: 450 in all
    token, wid = world["token"], world["wid"]
    world["person"].quota_left = 30  # the free plan: 30 an hour on the workspace quota (and 30 under /me)
    for client in ("Acme", "Acme Labs", "Globex", "Initech"):
        for k in range(5):
            toggl.add_project(wid, f"{client} job {k}", client_name=client, estimated_seconds=3600 * (k + 1))
    for name in ("Project 0001", "Project 0002"):
        pid = next(p["id"] for p in toggl.projects[wid].values() if p["name"] == name)
        for k in range(4):
            toggl.add_task(wid, pid, f"Task {k}", tracked_ms=k * 600_000)
    for n in range(1, 8):  # an hour and a half a day on Website redesign this past week
        start = NOW - dt.timedelta(days=n)
        toggl.add_time_entry(token, wid, "Design", start, start + dt.timedelta(hours=1.5), project_id=world["website"]["id"])
    toggl.age()  # long-lived projects: a `since` refresh brings back nothing
    return world


def play(pace: float) -> tuple[list[tuple[str, Count]], Count]:
    """Play the hour with each gap scaled by `pace` (1: as a person would; 2/60: in two minutes)."""
    clock = FrozenClock(NOW)
    with tempfile.TemporaryDirectory() as tmp, FakeToggl(now=clock.now) as toggl:
        world = free_world(toggl)
        token = world["token"]
        store = Store(f"sqlite:///{Path(tmp) / 'bot.db'}", clock=clock)
        store.migrate()
        service = Service(store, TokenCipher([Fernet.generate_key()]), TogglClients(toggl.url, clock=clock))
        rows: list[tuple[str, Count]] = []
        total = Count()
        for gap, name, run in [(0.0, "connect", lambda s: s.accounts.connect("T1", "U1", token)), *HOUR]:
            clock.advance(minutes=gap * pace)
            before = len(toggl.requests)
            run(service)
            made = toggl.requests[before:]
            me = sum(1 for r in made if r.path == ME or r.path.startswith(ME + "/"))
            count = Count(len(made) - me, me)
            rows.append((name, count))
            total += count

    return rows, total


def report(title: str, rows: list[tuple[str, Count]], total: Count) -> str:
    width = max(len(name) for name, _ in rows)
    lines = [title, "-" * len(title), f"{'action'.ljust(width)}  workspace  /me"]
    lines += [f"{name.ljust(width)}  {c.org:>9}  {c.me:>3}" for name, c in rows]
    lines.append(f"{'total'.ljust(width)}  {total.org:>9}  {total.me:>3}   (target: at most {TARGET_ORG} and {TARGET_ME})")
    return "\n".join(lines)


def main() -> None:
    spread, spread_total = play(1.0)
    print(report("(f) the free plan's hour, spread over 60 minutes: Toggl requests per quota", spread, spread_total))
    print()
    quick, quick_total = play(2 / 60)
    print(report("(f) the same hour played in two minutes", quick, quick_total))


if __name__ == "__main__":
    main()
