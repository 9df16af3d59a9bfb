"""(e) Signed acks under attack: 200 half-open connections, ten 5 MB bodies and a 40-command burst at once.

Runs `toggl-bot serve` (waitress) on loopback against the fakes. First it opens 200 connections that
send half a request and then nothing, and starts ten clients each pushing a 5 MB unsigned body; while
those hold on, 40 signed `/toggl projects` arrive at once (the burst client of `bench.ack_latency`),
then 20 signed `/toggl help` one after another. Prints the ack times, and what the attackers got.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

from bench.common import ROOT, percentile, served_app, table
from bot.clock import Clock
from bot.crypto import TokenCipher
from bot.store import Store
from tests.fakes.signing import SIGNING_SECRET, SlackSender, signed_headers
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl

BIG = 5 * 1024 * 1024


def half_open(host: str, port: int, count: int) -> list[socket.socket]:
    hogs = []
    for _ in range(count):
        hog = socket.create_connection((host, port), timeout=10)
        hog.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n")
        hogs.append(hog)
    return hogs


def push_big_body(host: str, port: int, results: list[str]) -> None:
    """One attacker: a 5 MB unsigned body, written as fast as the server takes it."""
    try:
        with socket.create_connection((host, port), timeout=30) as client:
            head = f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: {BIG}\r\n\r\n".encode()
            client.sendall(head)
            with contextlib.suppress(OSError):  # the server answers and closes before taking it all, as it should
                client.sendall(b"a" * BIG)
            results.append(client.recv(100).split(b"\r\n")[0].decode(errors="replace") or "closed")
    except OSError as err:
        results.append(type(err).__name__)


def spread(values: list[float]) -> str:
    return f"{percentile(values, 50):.0f} / {percentile(values, 99):.0f} / {max(values):.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--half-open", type=int, default=200)
    parser.add_argument("--big-bodies", type=int, default=10)
    parser.add_argument("--commands", type=int, default=40)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FakeToggl(latency=0.5) as toggl, FakeSlack() as slack:
        database = f"sqlite:///{Path(tmp) / 'bot.db'}"
        store = Store(database, clock=Clock())
        store.migrate()
        key = Fernet.generate_key()
        cipher = TokenCipher([key])
        wid = toggl.add_workspace("Bench")
        for n in range(args.commands):
            token = f"{n:032x}"
            person = toggl.add_person(token, workspaces=[wid])
            store.people.save("T1", f"U{n}", token_ciphertext=cipher.encrypt(token), toggl_user_id=person.me["id"],
                              toggl_name="Bench", workspace_id=wid, timezone="UTC")  # fmt: skip
        store.db.dispose()
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "TOGGL_API_URL": toggl.url,
            "DATABASE_URL": database,
            "TOKEN_ENCRYPTION_KEY": key.decode(),
        }
        with served_app(env, Path(tmp)) as url:
            parts = urlsplit(url)
            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            sender = SlackSender(url, slack.hook("warm"))
            sender.command("help", user="U0")
            slack.wait_for_calls("/hooks/warm")

            hogs = half_open(host, port, args.half_open)
            big_results: list[str] = []
            pushers = [
                threading.Thread(target=push_big_body, args=(host, port, big_results)) for _ in range(args.big_bodies)
            ]
            for pusher in pushers:
                pusher.start()
            bodies = [
                sender.command_body("projects", user=f"U{n}", response_url=slack.hook(f"b{n}")) for n in range(args.commands)
            ]
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            job = {"urls": [url], "bodies": bodies, "headers": [{**form, **signed_headers(b)} for b in bodies]}
            burst = subprocess.run(
                [sys.executable, "-m", "bench.burst"], input=json.dumps(job), capture_output=True, text=True, check=True,
                cwd=ROOT,
            )  # fmt: skip
            acks = json.loads(burst.stdout)
            serial = []
            for n in range(20):
                started = time.perf_counter()
                status = sender.command("help", user="U0", response_url=slack.hook(f"s{n}")).status_code
                serial.append(((time.perf_counter() - started) * 1000, status))
            for pusher in pushers:
                pusher.join(timeout=60)
            answered = slack.wait_for(
                lambda calls: len([c for c in calls if c.path.startswith("/hooks/b")]) >= args.commands, timeout=120
            )
            for hog in hogs:
                hog.close()
        burst_ms = [ms for ms, _ in acks]
        serial_ms = [ms for ms, _ in serial]
        every = burst_ms + serial_ms
        ok = sum(status == 200 for _, status in [*acks, *serial])
        print(
            table(
                f"(e) signed acks under attack: {args.half_open} half-open connections, {args.big_bodies} x 5 MB "
                f"unsigned bodies, a burst of {args.commands} /toggl projects, then 20 /toggl help",
                [
                    ("signed acks with HTTP 200", f"{ok} of {len(every)}"),
                    ("burst ack p50 / p99 / max", spread(burst_ms)),
                    ("one at a time p50 / p99 / max", spread(serial_ms)),
                    ("all signed acks p50 / p99", f"{percentile(every, 50):.0f} / {percentile(every, 99):.0f} ms"),
                    ("burst answers delivered", f"{bool(answered)} ({args.commands} of {args.commands})"),
                    ("what the 5 MB bodies got", ", ".join(sorted(set(big_results))) or "nothing"),
                ],
            )
        )


if __name__ == "__main__":
    main()
