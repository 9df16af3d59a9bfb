"""The help message: every word the bot understands, the same in `/toggl`, a DM or a mention."""

from __future__ import annotations

from bot.views.common import Message, context, escape, header, message, section

WORDS: list[tuple[str, str]] = [
    ("help", "this list"),
    ("connect [token]", "connect your Toggl account (without a token, a form asks for it)"),
    ("disconnect", "delete your Toggl token from this app"),
    ("me", "who you are in Toggl"),
    ("workspaces", "your Toggl workspaces"),
    ("workspace <name or id>", "switch your default workspace"),
    ("projects [active|archived|all] [client:<name>] [text]", "your projects, tracked against estimate"),
    ("tasks <project name or id> [all]", "a project's tasks (`all` adds done ones)"),
    ("digest subscribe [daily|weekdays|weekly <day>] [at HH:MM] [<Area/City>|UTC]", "post a budget digest in this channel"),
    ("digest list | unsubscribe [number] | preview", "this channel's digests; stop one; see yours now, privately"),
    ("digest threshold <percent> | mute <project> | unmute <project> | empty skip|post", "tune your digest here"),
]


def help_message(unknown: str = "") -> Message:
    lines = "\n".join(f"`{words}`: {what}" for words, what in WORDS)
    blocks = []
    intro = "Here is what I understand."
    if unknown:
        intro = f"Sorry, I did not understand “{escape(unknown)}”. Here is what I understand."
    blocks += [header("Toggl for Slack"), section(intro), section(lines)]
    blocks.append(context("Use `/toggl <words>`, or send me the words in a direct message. Replies are private to you."))
    return message(intro, blocks)
