"""Small pieces every view shares: escaping, durations, progress bars and Block Kit's size limits."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.figures import bar, duration, percent
from bot.slack.message import Message as Message  # re-exported: views build messages

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
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OVERFLOW_OPTIONS = 5
NAME_LIMIT = 90
"""Names are clipped to this in lines, so forty lines and their links fit a few sections."""
TOGGL_WEB = "https://track.toggl.com"

Block = dict[str, Any]


def escape(text: object) -> str:
    """Text safe inside mrkdwn: Slack only asks that `&`, `<` and `>` be escaped."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, never splitting an `&amp;`-style escape.

    Clip after escaping: in raw text a lone `&` would be taken for the start of an escape.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def against_estimate(tracked: float | None, estimate: float | None) -> str:
    """`5 h 30 min of 10 h · 55% ▓▓▓▓▓░░░░░`, or just the tracked time when there is no estimate."""
    if tracked is None:
        return "tracked time unavailable" + (f" · estimate {duration(estimate)}" if estimate else "")
    if not estimate:
        return f"{duration(tracked)} tracked · no estimate"
    used = percent(tracked, estimate)
    warning = " :warning:" if used >= 100 else ""
    return f"{duration(tracked)} of {duration(estimate)} · {used}% `{bar(tracked, estimate)}`{warning}"


_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_EMPHASIS = re.compile(r"(?<![\w*_~])([*_~])(?=\S)(.+?)(?<=\S)\1(?![\w*_~])")


def plain(mrkdwn: str) -> str:
    """Notification text: no `*bold*`, `_italics_` or backticks, and links reduced to their labels.

    Slack shows a message's `text` in notifications and screen readers, where markup would be read out
    as asterisks. Mentions (`<@U1>`, `<#C1>`) stay: Slack turns them into names there too.
    """

    def label(match: re.Match[str]) -> str:
        target, text = match.group(1), match.group(2)
        if target.startswith(("@", "#", "!")):
            return match.group(0)
        return text or target

    text = _LINK.sub(label, mrkdwn)
    text = text.replace("`", "")
    for _ in range(2):  # nested emphasis, such as *_name_*
        text = _EMPHASIS.sub(lambda m: m.group(2), text)
    return text


def message(text: str, blocks: list[Block] | None = None, **extra: Any) -> Message:
    """A message payload; its notification `text` is made plain and clipped to what Slack shows."""
    payload: Message = {"text": clip(plain(text), MAX_FALLBACK_TEXT)}
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


def divider() -> Block:
    return {"type": "divider"}


def plain_text(text: str, limit: int = MAX_BUTTON_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def button(
    text: str, action_id: str, value: str = "", *, style: str | None = None, confirm: dict[str, Any] | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain_text(text), "action_id": action_id}
    if value:
        element["value"] = value[:MAX_BUTTON_VALUE]
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, yes: str, no: str = "Cancel") -> dict[str, Any]:
    """A "are you sure?" dialog for a button that cannot be undone."""
    return {
        "title": plain_text(title, 100),
        "text": {"type": "plain_text", "text": clip(text, 300)},
        "confirm": plain_text(yes, 30),
        "deny": plain_text(no, 30),
        "style": "danger",
    }


def option(text: str, value: str, *, url: str | None = None) -> dict[str, Any]:
    """One choice of a select menu or an overflow menu; `value` must fit Slack's 150 characters."""
    if len(value) > MAX_OPTION_VALUE:
        raise ValueError(f"an option value is at most {MAX_OPTION_VALUE} characters")
    found: dict[str, Any] = {"text": plain_text(text, MAX_OPTION_TEXT), "value": value}
    if url:
        found["url"] = url
    return found


def static_select(
    action_id: str, placeholder: str, options: list[dict[str, Any]], initial: dict[str, Any] | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain_text(placeholder, 150),
        "options": options[:MAX_OPTIONS],
    }
    if initial is not None:
        element["initial_option"] = initial
    return element


def external_select(action_id: str, placeholder: str, min_query_length: int = 1) -> dict[str, Any]:
    """A select menu whose options Slack loads from the app as the person types (see `handlers/options.py`)."""
    return {
        "type": "external_select",
        "action_id": action_id,
        "placeholder": plain_text(placeholder, 150),
        "min_query_length": min_query_length,
    }


def overflow(action_id: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "overflow", "action_id": action_id, "options": options[:MAX_OVERFLOW_OPTIONS]}


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def pack(title: str, lines: list[str], budget: int = 2900) -> list[Block]:
    """Lines into as few sections as fit `budget` characters each, `title` (may be empty) on the first."""
    blocks, current = [], title
    for text in lines:
        text = clip(text, budget)
        if current and len(current) + 1 + len(text) > budget:
            blocks.append(section(current))
            current = text
        else:
            current = f"{current}\n{text}" if current else text
    if current:
        blocks.append(section(current))
    return blocks


def with_note(message: Message, note: str) -> Message:
    """The message with a context line added at the top, staying within the block limit.

    When the message is full, a block from the middle goes, never the buttons at the end.
    """
    blocks = list(message.get("blocks") or [section(message["text"])])
    while len(blocks) >= MAX_BLOCKS:
        last = len(blocks) - 1
        drop = last - 1 if blocks[last]["type"] == "actions" else last
        del blocks[drop]
    blocks.insert(1 if blocks and blocks[0]["type"] == "header" else 0, context(note))
    return {**message, "blocks": blocks}


def stale_note(as_of: dt.datetime, why: str, retry_in: int | None) -> str:
    """`As of 14:05; Toggl's hourly limit resets in 12 min.`"""
    if why == "partial":
        return (
            ":hourglass: Showing the projects fetched so far: a large workspace is listed 1,000 at a time, "
            "and the rest come as your Toggl quota allows (ask again)."
        )
    when = f"in {max(1, -(-retry_in // 60))} min" if retry_in else "within the hour"
    if why == "reserve":
        return (
            f":hourglass: From the app's copy, as of {as_of:%H:%M}: Toggl's hourly limit is nearly used up, and its "
            f"last requests are kept for starting and stopping timers. The hourly limit resets {when}."
        )
    if why == "quota":
        return f":hourglass: As of {as_of:%H:%M}; Toggl's hourly limit resets {when}."
    if why == "slow":
        return (
            f":hourglass: From the app's copy, as of {as_of:%H:%M}: Toggl is slow to answer, so this comes first; "
            "the fresh answer will replace it."
        )
    return f":hourglass: As of {as_of:%H:%M}; Toggl is not answering right now."


def notice(text: str, detail: str = "") -> Message:
    """A one-paragraph message: the plain `text` and the same words in a section."""
    body = f"{text}\n{detail}" if detail else text
    return message(text, [section(body)])


def name(text: str | None, fallback: str = "(no name)") -> str:
    """A name from Toggl, clipped and escaped for mrkdwn."""
    return clip(escape(text or fallback), NAME_LIMIT)


def project_url(workspace_id: int, project_id: int) -> str:
    """The project's page in Toggl's web app (its team tab, which every plan has)."""
    return f"{TOGGL_WEB}/{workspace_id}/projects/{project_id}/team"


def project_link(project: Any, workspace_id: int | None = None, *, bold: bool = True) -> str:
    """`*<https://track.toggl.com/…|Website &amp; co>*`: the escaped name, linked when the workspace is known.

    Inside a link label `&`, `<` and `>` must be escaped as anywhere else, or a name such as `a>b`
    ends the link early.
    """
    label = name(project.name)
    wid = project.workspace_id or workspace_id
    text = f"<{project_url(wid, project.id)}|{label}>" if wid else label
    return f"*{text}*" if bold else text


def channel_ref(channel_id: str) -> str:
    """A channel as Slack shows it: `<#C123>`; a DM (`D…`) is not a channel one can link to."""
    if channel_id.startswith("D"):
        return "our direct messages"
    return f"<#{channel_id}>"


def listing(items: list[str], conjunction: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
