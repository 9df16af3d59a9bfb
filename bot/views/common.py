"""Small pieces every view shares: escaping, durations, progress bars and Block Kit's size limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

MAX_BLOCKS = 50
"""Blocks in one message (a modal or the Home tab may hold 100)."""
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_TEXT = 3000
MAX_FALLBACK_TEXT = 3000
BAR_WIDTH = 10

Message = dict[str, Any]
Block = dict[str, Any]


def escape(text: object) -> str:
    """Text safe inside mrkdwn: Slack only asks that `&`, `<` and `>` be escaped."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, never splitting an `&amp;`-style escape."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def duration(seconds: float | None) -> str:
    """`5 h 30 min`, `45 min`, `0 min`; rounds to the nearest minute."""
    if seconds is None:
        return "n/a"
    minutes = round(max(0, seconds) / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours:,} h" + (f" {minutes} min" if minutes else "")


def percent(tracked: float, estimate: float) -> int:
    """Whole percent of the estimate used (rounded down, so 99.6% is not shown as done)."""
    return int(100 * tracked // estimate) if estimate > 0 else 0


def bar(tracked: float, estimate: float) -> str:
    """A ten-cell text progress bar, full when at or over the estimate."""
    filled = min(BAR_WIDTH, int(BAR_WIDTH * tracked // estimate)) if estimate > 0 else 0
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def against_estimate(tracked: float | None, estimate: float | None) -> str:
    """`5 h 30 min of 10 h · 55% ▓▓▓▓▓░░░░░`, or just the tracked time when there is no estimate."""
    if tracked is None:
        return "tracked time unavailable" + (f" · estimate {duration(estimate)}" if estimate else "")
    if not estimate:
        return f"{duration(tracked)} tracked · no estimate"
    used = percent(tracked, estimate)
    warning = " :warning:" if used >= 100 else ""
    return f"{duration(tracked)} of {duration(estimate)} · {used}% `{bar(tracked, estimate)}`{warning}"


def message(text: str, blocks: list[Block] | None = None, **extra: Any) -> Message:
    """A message payload with the fallback text clipped to what Slack shows."""
    payload: Message = {"text": clip(text, MAX_FALLBACK_TEXT)}
    if blocks:
        payload["blocks"] = blocks
    payload.update(extra)
    return payload


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, MAX_HEADER_TEXT), "emoji": True}}


def section(mrkdwn: str, **extra: Any) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, MAX_SECTION_TEXT)}, **extra}


def context(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(mrkdwn, MAX_CONTEXT_TEXT)}]}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(text, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
    }
    if value:
        element["value"] = value[:MAX_BUTTON_VALUE]
    if style:
        element["style"] = style
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def with_note(message: Message, note: str) -> Message:
    """The message with a context line added at the top, staying within the block limit."""
    blocks = list(message.get("blocks") or [section(message["text"])])
    if len(blocks) >= MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1]
    blocks.insert(1 if blocks and blocks[0]["type"] == "header" else 0, context(note))
    return {**message, "blocks": blocks}


def stale_note(as_of: dt.datetime, why: str, retry_in: int | None) -> str:
    """`As of 14:05; Toggl's hourly limit resets in 12 min.`"""
    if why == "quota":
        when = f"in {max(1, -(-retry_in // 60))} min" if retry_in else "within the hour"
        return f":hourglass: As of {as_of:%H:%M}; Toggl's hourly limit resets {when}."
    return f":hourglass: As of {as_of:%H:%M}; Toggl is not answering right now."


def notice(text: str, detail: str = "") -> Message:
    """A one-paragraph message: the plain `text` and the same words in a section."""
    body = f"{text}\n{detail}" if detail else text
    return message(text, [section(body)])
