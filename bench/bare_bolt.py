"""The floor for an ack on this machine: a bare Bolt app, served as the design measured it.

One `/toggl` listener that acks and hands the work (a Toggl request, then the answer at the `response_url`) to a
16-thread pool; Bolt's WSGI adapter under gunicorn, 1 worker, 16 threads, backlog 2048. Nothing else: no store,
no front-door checks, no hold. `bench.ack_floor` starts it with

    python -m gunicorn bench.bare_bolt:app --workers 1 --threads 16 --backlog 2048 --bind 127.0.0.1:PORT

and `SLACK_SIGNING_SECRET`, `SLACK_API_URL` and `TOGGL_API_URL` in the environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import requests
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

POOL = ThreadPoolExecutor(max_workers=16)
bolt = App(
    signing_secret=os.environ.get("SLACK_SIGNING_SECRET", ""),
    client=WebClient("xoxb-bare", base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/")),
    token_verification_enabled=False,  # Bolt still asks `auth.test` once, at the first request: the fake answers
    process_before_response=True,  # the listener runs on the request thread: no hop, no polling for the ack
)
toggl = os.environ.get("TOGGL_API_URL", "http://127.0.0.1:9")


def work(command: dict[str, Any]) -> None:
    token = command["user_id"]
    try:
        me = requests.get(f"{toggl}/api/v9/me", auth=(token, "api_token"), timeout=30)
        text = f"Toggl answered {me.status_code}"
    except requests.RequestException as err:
        text = f"Toggl failed: {type(err).__name__}"
    if command.get("response_url"):
        requests.post(command["response_url"], json={"response_type": "ephemeral", "text": text}, timeout=30)


@bolt.command("/toggl")
def toggl_command(ack: Ack, command: dict[str, Any]) -> None:
    ack()
    POOL.submit(work, command)


_handler = SlackRequestHandler(bolt)


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Bolt's adapter, plus the `/healthz` the bench waits for."""
    if environ.get("PATH_INFO") == "/healthz":
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "16")])
        return [b'{"status": "ok"}']
    return _handler(environ, start_response)
