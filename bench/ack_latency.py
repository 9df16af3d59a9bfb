"""(a) Ack latency for 40 concurrent signed `/toggl projects` while every Toggl request takes 2 seconds.

Runs the production server (`toggl-bot serve`: gunicorn, one worker, 16 threads) on loopback
against the fake Toggl and Slack from tests/, and prints p50, p99 and the maximum time from
sending a command to its HTTP ack, then how long the 40 real answers took to arrive.

`--database-url postgresql://…` runs it on a new database on that server, and `--instances 2`
spreads each burst over two web processes sharing that database.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from cryptography.fernet import Fernet

from bench.common import ROOT, database, engine_name, percentile, served_app, table
from bot.clock import Clock
from bot.crypto import TokenCipher
from bot.store import Store
from tests.fakes.signing import SIGNING_SECRET, SlackSender, signed_headers
from tests.fakes.slack import Call, FakeSlack
from tests.fakes.toggl import FakeToggl


def answers(calls: list, round_: int) -> list:
    """This round's replies at the per-person response URLs, not counting the 'working on it' notes."""
    prefix = f"/hooks/r{round_}u"
    return [c for c in calls if c.path.startswith(prefix) and "Working on it" not in str(c.body)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5, help="bursts, each by new people (a cold cache: Toggl is asked)")
    parser.add_argument("--toggl-latency", type=float, default=2.0)
    parser.add_argument("--database-url", help="a PostgreSQL server to make a database on (default: a SQLite file)")
    parser.add_argument("--instances", type=int, default=1, help="web processes sharing the database")
    args = parser.parse_args()
    people = args.commands * args.rounds

    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeToggl(latency=args.toggl_latency) as toggl,
        FakeSlack() as slack,
        database(args.database_url, Path(tmp)) as database_url,
    ):
        store = Store(database_url, clock=Clock())
        store.migrate()
        key = Fernet.generate_key()
        cipher = TokenCipher([key])
        wid = toggl.add_workspace("Bench")
        for n in range(people):
            token = f"{n:032x}"
            person = toggl.add_person(token, workspaces=[wid])
            store.people.save(
                "T1", f"U{n}", token_ciphertext=cipher.encrypt(token), toggl_user_id=person.me["id"],
                toggl_name="Bench", workspace_id=wid, timezone="UTC",
            )  # fmt: skip
        for n in range(120):
            toggl.add_project(wid, f"Project {n}")
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "TOGGL_API_URL": toggl.url,
            "DATABASE_URL": database_url,
            "TOKEN_ENCRYPTION_KEY": key.decode(),
        }
        store.db.dispose()
        with ExitStack() as running:
            urls = [running.enter_context(served_app(env, Path(tmp))) for _ in range(args.instances)]
            url = urls[0]
            sender = SlackSender(url, slack.hook("warm"))
            sender.command("help", user="U0")  # one warm-up request
            slack.wait_for_calls("/hooks/warm")
            serial = []
            for n in range(5):  # one at a time first: the cost of a single ack with nothing else running
                start = time.perf_counter()
                sender.command("help", user="U0", response_url=slack.hook(f"serial{n}"))
                serial.append((time.perf_counter() - start) * 1000)
            rounds = []
            for round_ in range(args.rounds):
                users = range(round_ * args.commands, (round_ + 1) * args.commands)
                bodies = [
                    sender.command_body("projects", user=f"U{n}", response_url=slack.hook(f"r{round_}u{n}")) for n in users
                ]
                form = {"Content-Type": "application/x-www-form-urlencoded"}
                job = {"urls": urls, "bodies": bodies, "headers": [{**form, **signed_headers(b)} for b in bodies]}
                started = time.perf_counter()
                burst = subprocess.run(
                    [sys.executable, "-m", "bench.burst"],
                    input=json.dumps(job),
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                )
                results = json.loads(burst.stdout)

                def answered(calls: list[Call], r: int = round_) -> bool:
                    return len(answers(calls, r)) >= args.commands

                slack.wait_for(answered, timeout=120)
                rounds.append((results, time.perf_counter() - started))
        acks = [ms for results, _ in rounds for ms, _ in results]
        ok = sum(status == 200 for results, _ in rounds for _, status in results)
        notes = sum("Working on it" in str(c.body) for c in slack.calls if c.path.startswith("/hooks/r"))
        per_round = "; ".join(
            f"{percentile([m for m, _ in r], 50):.0f}/{percentile([m for m, _ in r], 99):.0f}/{max(m for m, _ in r):.0f}"
            for r, _ in rounds
        )
        print(
            table(
                f"(a) ack latency: {args.rounds} bursts of {args.commands} concurrent /toggl projects, Toggl at "
                f"{args.toggl_latency:g} s a request; {engine_name(database_url)}, {args.instances} web instance(s)",
                [
                    ("acks with HTTP 200", f"{ok} of {len(acks)}"),
                    ("one ack alone (median of 5)", f"{sorted(serial)[2]:.0f} ms"),
                    ("ack p50, all bursts", f"{percentile(acks, 50):.0f} ms"),
                    ("ack p99, all bursts", f"{percentile(acks, 99):.0f} ms"),
                    ("ack max, all bursts", f"{max(acks):.0f} ms"),
                    ("each burst p50/p99/max (ms)", per_round),
                    ("all answers of a burst in", f"{max(t for _, t in rounds):.1f} s at most"),
                    ("'working on it' notes", f"{notes} (of {len(acks)} commands)"),
                ],
            )
        )


if __name__ == "__main__":
    main()
