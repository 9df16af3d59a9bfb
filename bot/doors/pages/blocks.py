"""Block Kit messages drawn as HTML, for the app's own pages: the examples on `/` are the gallery's messages
(`bench/gallery.py` writes them to `examples.json`), drawn here, not screenshots of Slack.

Everything from a message is escaped: mrkdwn is split into Slack's `<…>` tokens and plain text; plain text is
unescaped from Slack's `&amp;`/`&lt;`/`&gt;` and escaped again for HTML (markupsafe) before `*bold*`, `_italics_`
and `` `code` `` become tags, and a link keeps only an `http(s)` address. A block kind not drawn here is left
out rather than shown raw.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markupsafe import Markup, escape

EMOJI = {
    "warning": "⚠️",
    "pushpin": "📌",
    "red_circle": "🔴",
    "checkered_flag": "🏁",
    "large_yellow_circle": "🟡",
    "large_green_circle": "🟢",
    "small_red_triangle": "🔺",
    "crystal_ball": "🔮",
    "white_check_mark": "✅",
    "stopwatch": "⏱️",
    "hourglass_flowing_sand": "⏳",
    "calendar": "📅",
    "wave": "👋",
}
_TOKEN = re.compile(r"<([^<>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w])_([^_\n]+)_(?![\w])")
_CODE = re.compile(r"`([^`\n]+)`")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")


def mrkdwn(text: str) -> Markup:
    """Slack's mrkdwn as safe HTML. Slack's `<…>` tokens (links, mentions) stand aside as placeholders while
    the text around them is escaped and formatted, so `*<url|name>*` is a bold link."""
    tokens: list[str] = []

    def aside(found: re.Match[str]) -> str:
        tokens.append(_token(found.group(1)))
        return f"\x00{len(tokens) - 1}\x00"

    formatted = _plain(_TOKEN.sub(aside, text.replace("\x00", "")))
    formatted = re.sub("\x00(\\d+)\x00", lambda m: tokens[int(m.group(1))], formatted)
    return Markup(formatted.replace("\n", "<br>"))


def _plain(text: str) -> str:
    safe = str(escape(html.unescape(text)))
    safe = _CODE.sub(r"<code>\1</code>", safe)
    safe = _BOLD.sub(r"<strong>\1</strong>", safe)
    safe = _ITALIC.sub(r"<em>\1</em>", safe)
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), safe)


def _token(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return f'<span class="mention">@{escape(html.unescape(label) or target[1:])}</span>'
    if target.startswith("#"):
        return f'<span class="mention">#{escape(html.unescape(label) or target[1:])}</span>'
    if target.startswith("!"):
        return _plain(label)
    if target.startswith(("https://", "http://")):
        return f'<a href="{escape(html.unescape(target))}" rel="nofollow noopener">{_plain(label or target)}</a>'
    return _plain(label)  # anything else (javascript:, a bare word): its label as text, never a link


def _text(obj: dict[str, Any] | None) -> Markup:
    obj = obj or {}
    raw = str(obj.get("text", ""))
    return mrkdwn(raw) if obj.get("type") == "mrkdwn" else Markup(escape(raw))


def _element(element: dict[str, Any]) -> Markup:
    kind = element.get("type")
    if kind == "button":
        style = element.get("style", "")
        css = f"button {escape(style)}" if style in ("primary", "danger") else "button"
        return Markup('<span class="{}">{}</span>').format(Markup(css), _text(element.get("text")))
    if kind == "overflow":
        return Markup('<span class="button overflow" title="More">⋯</span>')
    if kind in ("static_select", "external_select", "conversations_select"):
        shown = (element.get("initial_option") or {}).get("text") or element.get("placeholder")
        return Markup('<span class="button select">{} ▾</span>').format(_text(shown))
    return Markup("")


def message_html(message: dict[str, Any]) -> Markup:
    """One message's blocks as HTML (its notification `text` alone when it has no blocks)."""
    parts: list[Markup] = []
    for block in message.get("blocks") or [{"type": "section", "text": {"type": "plain_text", "text": message["text"]}}]:
        kind = block.get("type")
        if kind == "header":
            parts.append(Markup('<p class="header">{}</p>').format(_text(block.get("text"))))
        elif kind == "section":
            fields = Markup("").join(Markup('<div class="field">{}</div>').format(_text(f)) for f in block.get("fields", []))
            accessory = _element(block["accessory"]) if block.get("accessory") else Markup("")
            shown_fields = Markup('<div class="fields">{}</div>').format(fields) if fields else ""
            section = Markup('<div class="section"><div class="text">{}{}</div>{}</div>')
            parts.append(section.format(_text(block.get("text")), shown_fields, accessory))
        elif kind == "context":
            inner = Markup(" ").join(_text(e) for e in block.get("elements", []) if "text" in e)
            parts.append(Markup('<p class="context">{}</p>').format(inner))
        elif kind == "actions":
            inner = Markup(" ").join(_element(e) for e in block.get("elements", []))
            parts.append(Markup('<p class="actions">{}</p>').format(inner))
        elif kind == "divider":
            parts.append(Markup("<hr>"))
    return Markup("\n").join(parts)
