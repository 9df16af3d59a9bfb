"""Direct messages and mentions: the same words as `/toggl`, answered where only the asker sees them.

A DM is answered in the DM. A mention in a channel is answered with an ephemeral message to
the person who asked: their Toggl data is never posted to a channel unasked.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.answers import answer, from_copy
from bot.commands import Connect, parse
from bot.handover import Request
from bot.identity import Asker
from bot.tokens import contains_token
from bot.views.account import connect_in_private
from handlers.deps import Deps, deliver, via_channel_replaceable, via_dm, via_ephemeral

_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def is_from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Plain messages typed by people: no bots (us included), no edits, joins or other subtypes."""
    return not (event.get("subtype") or event.get("bot_id") or not event.get("user") or event.get("user") == bot_user_id)


def without_mentions_of(text: str, bot_user_id: str | None) -> str:
    return _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else m.group(0), text).strip()


def register(app: App, deps: Deps) -> None:
    def direct_message(event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("channel_type") != "im" or not is_from_a_person(event, context.bot_user_id) or not event.get("channel"):
            return
        if not deps.first_time(body.get("event_id")):
            return
        text = without_mentions_of(event.get("text") or "", context.bot_user_id)
        words = parse(text)
        team_id = body.get("team_id") or context.team_id
        asker = Asker(team_id=team_id, user_id=event["user"], channel_id=event["channel"], typed_in_dm=True)
        held = deps.hold(asker, Request(text, "dm", event["channel"]))
        send, replace = via_channel_replaceable(client, event["channel"])
        deps.later(
            lambda: answer(words, asker, deps.service),
            send,
            team_id=team_id,
            held=held,
            early=lambda: from_copy(words, asker, deps.service),
            replace=replace,
        )

    def mention(event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if not is_from_a_person(event, context.bot_user_id) or not event.get("channel"):
            return
        if not deps.first_time(body.get("event_id")):
            return
        user_id, channel = event["user"], event["channel"]
        send, fallback = via_ephemeral(client, channel, user_id), via_dm(client, user_id)
        text = event.get("text") or ""
        if contains_token(text):  # a token posted in a channel is public now: never used, never echoed
            deps.soon(deliver, connect_in_private(), send, fallback)
            return
        text = without_mentions_of(text, context.bot_user_id)
        words = parse(text)
        if isinstance(words, Connect) and words.token is not None:
            deps.soon(deliver, connect_in_private(), send, fallback)  # even when it is not token-shaped
            return
        asker = Asker(team_id=body.get("team_id") or context.team_id, user_id=user_id, channel_id=channel)
        held = deps.hold(asker, Request(text, "ephemeral", channel))
        deps.later(lambda: answer(words, asker, deps.service), send, fallback, team_id=asker.team_id, held=held)

    app.event("message")(direct_message)
    app.event("app_mention")(mention)
