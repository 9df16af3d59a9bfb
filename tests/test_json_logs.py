"""`LOG_FORMAT=json`: one JSON object a line, with the request's id and team, redacted like the text lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import LIBRARIES, JsonLines, RedactSecrets, bind, request_context, setup_logging
from bot.settings import Settings
from bot.work import WorkPool
from tests.fakes.app import Running
from tests.fakes.signing import signed_headers

CANARY = "c0ffee00c0ffee00c0ffee00c0ffee00"


@pytest.fixture
def root_logging() -> Iterator[None]:
    """`setup_logging` sets up the process's root logger: put it back as pytest had it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    libraries = {name: logging.getLogger(name).level for name in (*LIBRARIES, "alembic")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in libraries.items():
        logging.getLogger(name).setLevel(was)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every record of the process, written as production writes it with `LOG_FORMAT=json`, into a buffer."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(JsonLines())
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield written
    root.removeHandler(handler)
    root.setLevel(level)


def lines(written: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


@pytest.mark.usefixtures("root_logging")
def test_log_format_json_writes_one_redacted_object_a_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]  # pydantic-settings' init option
    setup_logging(settings.log_level, settings.log_format)
    with request_context("req-42"):
        bind(team="T1")
        logging.getLogger("bot.digest").info("fetched with %s and xoxb-1-2-%s\nand a second line", CANARY, CANARY)
        try:
            raise ValueError(f"bad token {CANARY}")
        except ValueError:
            logging.getLogger("bot.app").exception("A listener failed")
    logging.getLogger("bot.serve").info("outside any request")
    written = capsys.readouterr().err
    assert CANARY not in written
    first, second, third = (json.loads(line) for line in written.splitlines())
    assert set(first) == {"time", "level", "logger", "message", "request_id", "team"}
    assert first["time"].endswith("+00:00") and first["level"] == "INFO" and first["logger"] == "bot.digest"
    assert first["message"].startswith("fetched with [redacted] and [redacted]")
    assert first["message"].endswith("\nand a second line")  # one line of output all the same: JSON escapes it
    assert (first["request_id"], first["team"]) == ("req-42", "T1")
    assert "ValueError: bad token [redacted]" in second["exception"]
    assert (third["request_id"], third["team"]) == (None, None)


def test_an_id_from_outside_that_is_not_well_formed_is_replaced() -> None:
    with request_context("x" * 65) as chosen:
        assert len(chosen) == 16
    with request_context("evil\nid") as chosen:
        assert "\n" not in chosen
    with request_context(None):
        bind(team="T1<script>")
        record = logging.LogRecord("bot", logging.INFO, __file__, 1, "hello", None, None)
        assert json.loads(JsonLines().format(record))["team"] is None


def test_work_handed_to_the_pool_keeps_the_request_it_answers(json_lines: io.StringIO) -> None:
    pool = WorkPool(workers=2, name="test")
    with request_context("req-7"):
        bind(team="T9")
        pool.submit(logging.getLogger("bot.browse").info, "answered later")
    assert pool.wait_idle(timeout=5)
    pool.shutdown()
    (line,) = [found for found in lines(json_lines) if found["message"] == "answered later"]
    assert (line["request_id"], line["team"]) == ("req-7", "T9")


def test_a_signed_request_logs_its_request_id_and_team(running: Running, json_lines: io.StringIO) -> None:
    body = running.send.command_body("help")
    signed = signed_headers(body)  # the same signature each time: the second and third are replays, which are logged
    running.send.post(body, "application/x-www-form-urlencoded", headers=signed)
    running.send.post(body, "application/x-www-form-urlencoded", headers=signed)
    running.send.post(body, "application/x-www-form-urlencoded", headers={**signed, "X-Request-Id": "heroku-abc-123"})
    replays = [found for found in lines(json_lines) if found["message"].startswith("Ignored a replayed request")]
    assert len(replays) == 2 and all(found["team"] == "T1" for found in replays)
    assert replays[0]["request_id"] != "heroku-abc-123" and replays[1]["request_id"] == "heroku-abc-123"
