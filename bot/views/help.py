"""The help message: every word the bot understands, the same in `/toggl`, a DM or a mention."""

from __future__ import annotations

from bot import buttons
from bot.commands import MAX_TEXT
from bot.tokens import without_tokens
from bot.views.common import Message, actions, button, context, escape, header, message, section

WORDS: list[tuple[str, str]] = [
    ("help", "this list"),
    ("connect [token]", "connect your Toggl account (without a token, a form asks for it)"),
    ("disconnect", "delete your Toggl token from this app"),
    ("me", "who you are in Toggl"),
    ("workspaces", "your Toggl workspaces"),
    ("workspace <name or id>", "switch your default workspace"),
    ("projects [active|archived|all] [over] [by risk] [client:<name>] [text]", "your projects against their estimates"),
    ("tasks [project name or id] [all]", "a project's tasks (`all` adds done ones; no name: a menu)"),
    (
        "start <description> [project:<name or id>] [task:<name or id>] [billable] [#tag]",
        "start a timer now (Toggl stops the one running); Edit changes it",
    ),
    # capture (issue 20)
    (
        "log <duration> [today|yesterday|YYYY-MM-DD] <description> [project:<name or id>]",
        "log time after the fact, with Undo",
    ),
    ("stop", "stop the running timer"),
    ("now", "what runs now (with Stop), or what ran last (with Restart)"),
    ("today", "your tracked time today per project, and how much of it is billable"),
    ("week", "the same for this week, as your Toggl week runs"),
    ("summary weekly on|off", "a summary of your week, by DM on the first workday morning"),
    ("remind at 17:30 | remind off", "a reminder by DM on workdays when you tracked nothing"),
    (
        "digest subscribe [daily|weekdays|weekly <day>] [at 9am] [Berlin|UTC]",
        "post a budget digest here (no details: a form)",
    ),
    ("digest list | unsubscribe [number] | preview", "this channel's digests; stop one; see yours now, privately"),
    ("digest threshold <percent> | mute <project> | unmute <project> | empty skip|post", "tune your digest here"),
    # -- the team lead's view (issue 21) --
    (
        "team subscribe [daily|weekdays|weekly <day>] [at 9am] [Berlin|UTC] [min 4h]",
        "post everyone's tracked time here, marking those under `min` (Toggl workspace admins)",
    ),
    ("team preview | unsubscribe", "see this channel's team post now, privately; stop it"),
    ("team me | team nudge on|off", "what team posts say about you; let them mention and nudge you (off until you say)"),
]


def did_you_mean(unknown: str, suggestion: str) -> Message:
    """A misspelt word gets the word it was most like, with a button, not the whole help."""
    suggestion = without_tokens(suggestion).strip()[:MAX_TEXT] or "help"
    text = f"Sorry, I do not know “{escape(without_tokens(unknown))}”. Did you mean `{escape(suggestion)}`?"
    run = button(f"Yes: {suggestion}", "run_suggested", buttons.encode(buttons.Suggested(words=suggestion)), style="primary")
    everything = button("All I understand", "run_suggested_help", buttons.encode(buttons.Suggested(words="help")))
    return message(text, [section(text), actions(run, everything)])


def help_message(unknown: str = "") -> Message:
    lines = "\n".join(f"`{words}`: {what}" for words, what in WORDS)
    blocks = []
    intro = "Here is what I understand."
    if unknown:
        intro = f"Sorry, I did not understand “{escape(without_tokens(unknown))}”. Here is what I understand."
    blocks += [header("Toggl for Slack"), section(intro), section(lines)]
    blocks.append(context("Use `/toggl <words>`, or send me the words in a direct message. Replies are private to you."))
    return message(intro, blocks)
