"""Hostile traffic against the running app: half-open connections, huge and undecodable bodies, unsigned
floods, replays and retries. Each test is one of the findings of the hostile-traffic issue."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from bot import buttons
from bot.app import create_app
from bot.doors import wsgi_app
from bot.doors.door import MAX_BODY_BYTES
from bot.logs import MAX_LOG_CHARS, RedactSecrets
from bot.views.tasks import PICK_ACTION
from bot.work import WorkPool
from tests.blockkit import all_text
from tests.fakes.app import Running, settings_for
from tests.fakes.server import WSGILoopback, free_port, wait_healthy
from tests.fakes.signing import SIGNING_SECRET, SlackSender, signed_headers
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl
from tests.test_cli import ROOT

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def served(fake_slack: FakeSlack, fake_toggl: FakeToggl, tmp_path: Path) -> Iterator[str]:
    """`toggl-bot serve` itself (waitress), as production runs it; yields its events URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_", "PORT"))}
    env.update(
        PYTHONPATH=str(ROOT), PORT=str(port), SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url, TOGGL_API_URL=fake_toggl.url, DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
    )  # fmt: skip
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--host", "127.0.0.1"],
        cwd=tmp_path, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.seek(0)
        output = log.read()
        log.close()
    assert "Traceback" not in output


def test_two_hundred_half_open_connections_do_not_stop_a_signed_command(served: str, fake_slack: FakeSlack) -> None:
    """Finding 1: sixteen half-sent requests held every gunicorn thread, and no ack came back.

    This runs `toggl-bot serve` itself, so it fails when the server is swapped for one that gives a connection a
    thread before its request is whole: half of the connections stop inside their headers, half inside a body
    whose length they announced (what a server that streams bodies to its threads stalls on). The signed command
    must still be acknowledged within Slack's 3 seconds (issue 23).
    """
    port = int(served.split(":")[2].split("/")[0])
    hogs = []
    try:
        for n in range(200):
            hog = socket.create_connection(("127.0.0.1", port), timeout=5)
            if n % 2:
                hog.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")  # and then nothing
            else:
                hog.sendall(
                    f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\nContent-Length: 4000\r\n\r\n"
                    "text=half".encode()
                )  # a tenth of a body, and then nothing
            hogs.append(hog)
        sender = SlackSender(served, fake_slack.hook("through"))
        body = sender.command_body("help")
        answer = requests.post(served, data=body, headers={"Content-Type": FORM, **signed_headers(body)}, timeout=3)
        assert answer.status_code == 200
        assert "Here is what I understand" in all_text(fake_slack.wait_for_calls("/hooks/through")[0].body)
    finally:
        for hog in hogs:
            hog.close()


def test_a_huge_body_is_refused_with_413_before_it_is_read(served: str) -> None:
    """Finding 2: an unsigned 50 MB POST was read whole and logged whole."""
    port = int(served.split(":")[2].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        head = f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\nContent-Length: {50 * 2**20}\r\n\r\n"
        client.sendall(head.encode() + b"a" * 1024)  # 50 MB announced, 1 KB sent: an answer now means it was not read
        status = client.recv(200).split(b"\r\n")[0]
    assert b" 413 " in status


def unsigned(running: Running, body: bytes, content_type: str = FORM) -> requests.Response:
    return requests.post(running.url, data=body, headers={"Content-Type": content_type}, timeout=30)


def test_unsigned_bodies_are_refused_without_logging_them(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "BODYMARKER" * 90_000  # 900 KB, under the size limit
    assert unsigned(running, f"text={marker}".encode()).status_code == 401
    assert "BODYMARKER" not in caplog.text
    assert all(len(record.getMessage()) < 5000 for record in caplog.records)
    assert "Refused a request with a missing, wrong or stale Slack signature" in caplog.text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"text=\xff\xfe\xfd", FORM),  # not UTF-8
        (b"payload=%7Bnot+json", FORM),  # a payload that is not JSON
        (b'{"type": "event_callback", ', "application/json"),  # truncated JSON
        (b"a=1&&=&b", FORM),  # not a form
        (b"payload=%5B%5D", FORM),  # payload=[]: found in review, a 500
        (b"payload=1", FORM),
        (b"payload=null", FORM),
        (b"payload=%22x%22", FORM),
        (b'payload={"type": "block_actions"}', FORM),  # no user
        (b"[]", "application/json"),
        (b'{"event": []}', "application/json"),  # no type
        (b'{"type": "event_callback", "event": []}', "application/json"),
        (b"command=%2Ftoggl&text=help", FORM),  # a command without its user and team
    ],
)
def test_undecodable_bodies_get_400_signed_or_not_and_no_traceback(
    running: Running, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    """Finding 2: raw invalid UTF-8 and a malformed `payload=` got HTTP 500 and a traceback."""
    caplog.set_level(logging.DEBUG)

    def post(headers: dict[str, str]) -> int:
        answer = requests.post(running.url, data=body, headers={"Content-Type": content_type, **headers}, timeout=10)
        return answer.status_code

    text = body.decode("utf-8", "replace")
    assert post({}) in (400, 401)  # unsigned: refused at the door either way
    assert post(signed_headers(text)) == 400  # signed as Slack would sign what it sends
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)


def test_a_signed_command_of_a_megabyte_is_acked_at_once_and_one_too_large_is_refused(running: Running) -> None:
    """Finding 2: a signed 1 MB command acked after 7.4 s; a 10 MB one never did (quadratic word splitting)."""
    words = "projects " + "x " * 300_000  # 600 KB of text, signed
    started = time.monotonic()
    answer = running.send.command(words, response_url=running.slack.hook("big"))
    took = time.monotonic() - started
    assert answer.status_code == 200 and took < 3  # inside Slack's 3 seconds; it took 7.4 s before
    running.slack.wait_for_calls("/hooks/big")
    body = running.send.command_body("help " + "y" * MAX_BODY_BYTES)
    assert running.send.post(body, FORM).status_code == 413


def test_a_replayed_signed_request_is_carried_out_once(running: Running, ada: dict) -> None:
    """Finding 6: the same signed `disconnect`, replayed within the 5-minute window, removed a new connection."""
    body = running.send.command_body("disconnect", response_url=running.slack.hook("bye"))
    headers = signed_headers(body)
    assert running.send.post(body, FORM, headers).status_code == 200
    running.slack.wait_for_calls("/hooks/bye")
    running.service.accounts.connect("T1", "U1", ada["token"])  # they connect again
    assert running.send.post(body, FORM, headers).status_code == 200  # an attacker replays the captured request
    running.settle()
    assert len(running.slack.of("/hooks/bye")) == 1
    assert running.service.store.people.get("T1", "U1") is not None


def test_an_event_retried_after_a_restart_is_answered_once(
    running: Running, fake_slack: FakeSlack, fake_toggl: FakeToggl, database_url: str
) -> None:
    """Finding 6: the memory of event ids lived in one process, so a retry after a restart was answered twice."""
    assert running.send.dm("help", event_id="EvRetry").status_code == 200
    fake_slack.wait_for_calls("chat.postMessage")
    settings = settings_for(fake_slack, fake_toggl, database_url)
    pool = WorkPool(workers=2)
    restarted = create_app(settings, service=running.service, pool=pool)  # a new process over the same database
    with WSGILoopback(wsgi_app(restarted, running.service, settings)) as server:
        again = SlackSender(server.url + "/slack/events", fake_slack.hook())
        assert again.dm("help", event_id="EvRetry", client_msg_id="a retry").status_code == 200
        assert pool.wait_idle()
    running.settle()
    pool.shutdown()
    assert len(fake_slack.of("chat.postMessage")) == 1


def test_the_signature_refusal_is_logged_once_at_warning_without_the_body(running: Running) -> None:
    logger = logging.getLogger("bot.doors")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign,assignment]  # keeps each record instead of writing it
    logger.addHandler(handler)
    try:
        unsigned(running, urlencode({"text": "secret stuff " * 1000}).encode())
    finally:
        logger.removeHandler(handler)
    (record,) = records
    assert record.levelno == logging.WARNING and "secret stuff" not in record.getMessage()


def test_log_lines_are_capped_and_bolts_signature_line_loses_its_body() -> None:
    long = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "x" * 100_000, None, None)
    RedactSecrets().filter(long)
    assert len(long.getMessage()) < MAX_LOG_CHARS + 100 and "more characters not logged" in long.getMessage()
    bolts = logging.LogRecord(
        "slack_bolt.RequestVerification", logging.INFO, __file__, 1,
        "Invalid request signature detected (signature: v0=1, timestamp: 1, body: text=secret)", None, None,
    )  # fmt: skip
    RedactSecrets().filter(bolts)
    assert bolts.levelno == logging.WARNING and "secret" not in bolts.getMessage()


def test_the_same_type_ahead_twice_is_answered_twice(running: Running, ada: dict) -> None:
    """Found in review: type-ahead requests carry no trigger id, so typing the same letters again within a
    second repeated one exactly, and it was dropped as a replay: the menu showed nothing."""
    running.send.command("projects", response_url=running.slack.hook("warm"))  # caches the projects it offers
    running.slack.wait_for_calls("/hooks/warm")
    payload = {
        "type": "block_suggestion",
        "user": {"id": "U1", "team_id": "T1"},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "action_id": PICK_ACTION,
        "block_id": buttons.encode(buttons.ProjectMenu(ws=ada["wid"])),
        "value": "Project 00",
    }
    body = urlencode({"payload": json.dumps(payload)})
    headers = signed_headers(body)
    first = running.send.post(body, FORM, headers)
    again = running.send.post(body, FORM, headers)  # the very same bytes and signature
    assert first.status_code == again.status_code == 200
    assert json.loads(first.text)["options"] and again.text == first.text
