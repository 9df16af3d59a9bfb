"""Buttons: paging, the project chooser, and the Connect button that opens the connect form."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.answers import answer
from bot.commands import decode
from bot.service import Asker
from bot.views.account import CONNECT_ACTION
from bot.views.modals import connect_modal
from handlers.deps import Deps, via_dm, via_respond

PAGE_ACTIONS = re.compile(r"^(page_previous|page_next|choose_project_\d+)$")


def asker_of(body: dict[str, Any]) -> Asker:
    """Always the person who pressed the button, whoever the message was first for."""
    user = body["user"]
    team_id = user.get("team_id") or (body.get("team") or {}).get("id")
    return Asker(team_id=team_id, user_id=user["id"], channel_id=(body.get("channel") or {}).get("id"))


def register(app: App, deps: Deps) -> None:
    def turn_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        command = decode(action.get("value") or "")
        asker = asker_of(body)
        deps.later(
            lambda: answer(command, asker, deps.service),
            via_respond(respond, replace=True),
            via_dm(client, asker.user_id or ""),
            team_id=asker.team_id,
        )

    def open_connect_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if body.get("response_url"):
            reply_to = {"response_url": body["response_url"]}
        else:
            reply_to = {"channel": (body.get("channel") or {}).get("id") or body["user"]["id"]}
        deps.soon(client.views_open, trigger_id=body["trigger_id"], view=connect_modal(reply_to))

    app.action(PAGE_ACTIONS)(turn_page)
    app.action(CONNECT_ACTION)(open_connect_form)
