"""Logging set-up, with a filter that blanks anything shaped like a secret before it is written.

Our own code never logs a token; this is the second line of defence, for a library that logs a
request body at DEBUG or an exception that quotes its input.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import re
import secrets
import sys
from collections.abc import Iterator
from typing import Literal

from bot.tokens import TOKEN_IN_TEXT

SECRET_PATTERNS = [
    TOKEN_IN_TEXT,  # a Toggl API token (or one a few characters off), in any case, even in api_token_…
    re.compile(r"\bxox[abposre](?:\.xox[abpos])?-[0-9A-Za-z.-]+"),  # Slack tokens, refresh (xoxe-) and rotated ones
    re.compile(r"\bxapp-[0-9A-Za-z-]+"),
    re.compile(r"\bgAAAAA[0-9A-Za-z_=-]{20,}"),  # a Fernet ciphertext
]


def redact(text: str) -> str:
    for pattern in SECRET_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


MAX_LOG_CHARS = 2000
"""A log line longer than this is cut: a line is for people, and no request body belongs in one."""


class RedactSecrets(logging.Filter):
    """Rewrites each record's message with secrets blanked out, and cuts it to `MAX_LOG_CHARS`.

    Bolt logs a request that fails its signature check at INFO with the whole body; that line is
    reduced to a WARNING without the body (our own front door refuses such requests before Bolt, so
    this only matters where it does not stand in front, as in Socket Mode).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name.startswith("slack_bolt") and message.startswith("Invalid request signature detected"):
            message = "Invalid request signature detected (the body is not logged)"
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        cleaned = redact(message)
        if len(cleaned) > MAX_LOG_CHARS:
            cleaned = f"{cleaned[:MAX_LOG_CHARS]}… ({len(cleaned) - MAX_LOG_CHARS} more characters not logged)"
        if cleaned != record.getMessage():
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class _SameToken(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_SAME_TOKEN = _SameToken()


LIBRARIES = ("slack_bolt", "slack_sdk", "urllib3", "apscheduler", "waitress")


def quiet_libraries(level: int = logging.INFO) -> None:
    """Libraries log at INFO at most: slack_sdk and Bolt put request and response bodies in DEBUG lines.

    Alembic says which migration it runs at INFO on every start; `Database.migrate` says it once, itself.
    Bolt warns that our client wins over SLACK_BOT_TOKEN, which it reads itself: the client carries that token.
    """
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    logging.getLogger("slack_bolt.App").addFilter(_SAME_TOKEN)
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    # APScheduler says every run of the one-minute tick at INFO: noise; its misses and errors are WARNING.
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    # waitress warns "Task queue depth is N" for each request that waits for a thread: a 40-command burst wrote
    # 24 WARNING lines, on the ack path, for requests acknowledged within 0.2 s (issue 23).
    logging.getLogger("waitress.queue").setLevel(max(level, logging.ERROR))


# -- the request a line is about (LOG_FORMAT=json) ------------------------------------------------------------

_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_TEAM: contextvars.ContextVar[str | None] = contextvars.ContextVar("team", default=None)
_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
"""What a request id or team id from outside may look like to be logged as it is; anything else is not logged."""


@contextlib.contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    """Within the block, every log line carries this request's id (a new one unless a well-formed `request_id`,
    such as a proxy's `X-Request-Id`, is given) and, once `bind` names it, its team. Work handed to a
    `bot.work.WorkPool` from inside keeps both (the pool runs it in a copy of this context)."""
    chosen = request_id if request_id and _SAFE_ID.fullmatch(request_id) else secrets.token_hex(8)
    tokens = (_REQUEST_ID.set(chosen), _TEAM.set(None))
    try:
        yield chosen
    finally:
        _TEAM.reset(tokens[1])
        _REQUEST_ID.reset(tokens[0])


def bind(*, team: object) -> None:
    """Name the Slack team the current request is about (a well-formed id only; anything else is left out)."""
    if isinstance(team, str) and _SAFE_ID.fullmatch(team):
        _TEAM.set(team)


class JsonLines(logging.Formatter):
    """One JSON object a line: `time` (ISO 8601, UTC), `level`, `logger`, `message`, `request_id`, `team`, and
    `exception` when there is one. Only these fields: a record's arguments or extras are never written, and the
    message and traceback are the ones `RedactSecrets` already cleaned."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _REQUEST_ID.get(),
            "team": _TEAM.get(),
        }
        if record.exc_info:
            line["exception"] = record.exc_text or redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def setup_logging(level: int | str = logging.INFO, log_format: Literal["text", "json"] = "text") -> None:
    """Log to stderr at `level` (`LOG_LEVEL`: a number or a name such as "DEBUG"), redacted, with the
    libraries kept above DEBUG; `log_format` "json" (`LOG_FORMAT=json`) writes `JsonLines` for a platform to read.

    The redaction filter sits on the handler, not on a logger, so every record passes it whatever the
    level, a library's included; at DEBUG the libraries still stay at INFO, as their DEBUG lines carry
    whole request and response bodies, people's data as well as tokens.
    """
    if isinstance(level, str):
        level = logging.getLevelNamesMapping()[level.upper()]
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries(level)
