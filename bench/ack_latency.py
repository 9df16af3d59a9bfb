"""(a) Ack latency for 40 concurrent signed `/toggl projects` while every Toggl request takes 2 seconds.

Runs the production server (`toggl-bot serve`: gunicorn, one worker, 16 threads) on loopback
against the fake Toggl and Slack from tests/, and prints p50, p99 and the maximum time from
sending a command to its HTTP ack, then how long the 40 real answers took to arrive.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, percentile, served_app, table
from bot.crypto import cipher_from
from bot.store import Store
from tests.fakes.signing import SIGNING_SECRET, SlackSender, signed_headers
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl


def answers(calls: list) -> list:
    """Replies at the per-person response URLs, not counting the 'working on it' notes."""
    return [c for c in calls if c.path.startswith("/hooks/u") and "Working on it" not in str(c.body)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=40)
    parser.add_argument("--toggl-latency", type=float, default=2.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FakeToggl(latency=args.toggl_latency) as toggl, FakeSlack() as slack:
        database = Path(tmp) / "bot.db"
        store = Store(database)
        store.migrate()
        cipher = cipher_from(None, database)
        wid = toggl.add_workspace("Bench")
        for n in range(args.commands):
            token = f"{n:032x}"
            person = toggl.add_person(token, workspaces=[wid])
            store.save_person(
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
            "DATABASE_URL": f"sqlite:///{database}",
        }
        with served_app(env, Path(tmp)) as url:
            slack.wait_for_calls("auth.test", 2, timeout=30)
            senders = [SlackSender(url, slack.hook(f"u{n}")) for n in range(args.commands)]
            senders[0].command("help", user="U0", response_url=slack.hook("warm"))  # one warm-up request
            slack.wait_for_calls("/hooks/warm")

            serial = []
            for n in range(5):  # one at a time first: the cost of a single ack with nothing else running
                start = time.perf_counter()
                senders[0].command("help", user="U0", response_url=slack.hook(f"serial{n}"))
                serial.append((time.perf_counter() - start) * 1000)
            bodies = [senders[n].command_body("projects", user=f"U{n}") for n in range(args.commands)]
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            job = {"url": url, "bodies": bodies, "headers": [{**form, **signed_headers(b)} for b in bodies]}
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
            slack.wait_for(lambda calls: len(answers(calls)) >= args.commands, timeout=120)
            answered = time.perf_counter() - started
        acks = [ms for ms, _ in results]
        statuses = {status for _, status in results}
        notes = sum("Working on it" in str(c.body) for c in slack.calls if c.path.startswith("/hooks/u"))
        print(
            table(
                f"(a) ack latency: {args.commands} concurrent /toggl projects, Toggl at {args.toggl_latency:g} s a request",
                [
                    (
                        "acks with HTTP 200",
                        f"{sum(s == 200 for _, s in results)} of {args.commands} (statuses {sorted(statuses)})",
                    ),
                    ("one ack alone (median of 5)", f"{sorted(serial)[2]:.0f} ms"),
                    ("ack p50", f"{percentile(acks, 50):.0f} ms"),
                    ("ack p99", f"{percentile(acks, 99):.0f} ms"),
                    ("ack max", f"{max(acks):.0f} ms"),
                    ("all answers in", f"{answered:.1f} s"),
                    ("'working on it' notes", str(notes)),
                ],
            )
        )


if __name__ == "__main__":
    main()
