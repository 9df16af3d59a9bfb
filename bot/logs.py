"""Logging set-up, with a filter that blanks anything shaped like a secret before it is written.

Our own code never logs a token; this is the second line of defence, for a library that logs a
request body at DEBUG or an exception that quotes its input.
"""

from __future__ import annotations

import logging
import re
import sys

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


def setup_logging(level: int | str = logging.INFO) -> None:
    """Log to stderr at `level` (`LOG_LEVEL`: a number or a name such as "DEBUG"), redacted, with the
    libraries kept above DEBUG.

    The redaction filter sits on the handler, not on a logger, so every record passes it whatever the
    level, a library's included; at DEBUG the libraries still stay at INFO, as their DEBUG lines carry
    whole request and response bodies, people's data as well as tokens.
    """
    if isinstance(level, str):
        level = logging.getLevelNamesMapping()[level.upper()]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries(level)
