"""Shows a digest as a team lead would get it: `toggl-bot digest run --force` against the fakes, printed as text.

    python -m bench.digest_demo

A realistic workspace (over-budget, ended, approaching and recurring projects, a task over its
estimate, names that need escaping) is put in the fake Toggl; the real CLI runs as a subprocess
and posts to the fake Slack; the Block Kit it posted is printed as plain text.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet

from bench.common import ROOT
from bench.gallery import blocks_text
from bot.clock import Clock
from bot.crypto import TokenCipher
from bot.service import Service
from bot.store import Store
from bot.toggl import TogglClients
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl

H = 3600


def as_text(blocks: list[dict]) -> str:
    """The blocks as the gallery shows them (menus and buttons included)."""
    return blocks_text(blocks)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeToggl() as toggl, FakeSlack() as slack:
        token = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
        person = toggl.add_person(token, name="Dana Lead")
        wid = person.workspace_ids[0]
        toggl.workspaces[wid]["name"] = "Acme Studio"
        add = toggl.add_project
        add(wid, "Website redesign", client_name="Acme & Sons", actual_seconds=46 * H, estimated_seconds=40 * H)
        add(wid, "Mobile app <beta>", client_name="Beta Corp", actual_seconds=130 * H, estimated_seconds=100 * H)
        add(wid, "Brand refresh", client_name="Acme & Sons", actual_seconds=17 * H, estimated_seconds=20 * H)
        add(wid, "Q3 audit", client_name="Beta Corp", status="ended", end_date="2026-11-20", actual_seconds=30 * H,
            estimated_seconds=32 * H)  # fmt: skip
        add(wid, "Launch campaign", status="ended", end_date="2026-11-06", actual_seconds=55 * H, estimated_seconds=50 * H)
        add(wid, "Internal tooling", actual_seconds=12 * H, estimated_seconds=80 * H)
        add(wid, "Old archive", active=False, status="archived", actual_seconds=99 * H, estimated_seconds=10 * H)
        retainer = add(wid, "Support retainer", client_name="Acme & Sons", recurring=True,
                       recurring_parameters=[{"period": "monthly", "estimated_seconds": 20 * H}],
                       current_period={"start_date": "2026-11-01", "end_date": "2026-11-30"})  # fmt: skip
        toggl.add_task(wid, retainer["id"], "Tickets", tracked_ms=0, estimated_seconds=5 * H)
        toggl.report_seconds[(wid, retainer["id"])] = 18 * H + 20 * 60
        tooling = next(p for p in toggl.projects[wid].values() if p["name"] == "Internal tooling")
        toggl.add_task(wid, tooling["id"], "CI pipeline", tracked_ms=9 * H * 1000, estimated_seconds=6 * H)

        key = Fernet.generate_key().decode()
        database = Path(tmp) / "bot.db"
        clock = Clock()  # the demo's `toggl-bot digest run --force` runs on the real clock
        store = Store(f"sqlite:///{database}", clock=clock)
        service = Service(store, TokenCipher([key.encode()]), TogglClients(toggl.url, clock=clock))
        store.migrate()
        service.accounts.connect("T1", "UDANA", token)
        service.subscriptions.subscribe("T1", "CPROJECTS", "UDANA", cadence="weekdays", weekday=None, at_time="09:00",
                                timezone="Europe/Berlin")  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_"))}
        env.update(
            PYTHONPATH=str(ROOT), TOGGL_API_URL=toggl.url, SLACK_API_URL=slack.api_url, SLACK_BOT_TOKEN="xoxb-demo",
            DATABASE_URL=f"sqlite:///{database}", TOKEN_ENCRYPTION_KEY=key,
        )  # fmt: skip
        command = [sys.executable, "-m", "bot", "digest", "run", "--force"]
        result = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, check=True)
        print("$ toggl-bot digest run --force")
        print(result.stdout)
        (post,) = slack.of("chat.postMessage")
        print(f"posted to {post.body['channel']}:\n")
        print(as_text(post.body["blocks"]))


if __name__ == "__main__":
    main()
