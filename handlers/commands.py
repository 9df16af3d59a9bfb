"""The `/toggl` slash command: parse, ack, open the connect form if asked, hand the rest to the pool."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.answers import answer
from bot.commands import Connect, parse
from bot.service import Asker
from bot.views.modals import connect_modal
from handlers.deps import Deps, via_dm, via_respond

COMMAND = "/toggl"


def register(app: App, deps: Deps) -> None:
    def toggl_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        words = parse(command.get("text") or "")
        user_id = command["user_id"]
        if isinstance(words, Connect) and words.token is None:
            view = connect_modal({"response_url": command["response_url"]})
            deps.soon(client.views_open, trigger_id=command["trigger_id"], view=view)
            return
        asker = Asker(team_id=command["team_id"], user_id=user_id, channel_id=command.get("channel_id"))
        deps.later(
            lambda: answer(words, asker, deps.service), via_respond(respond), via_dm(client, user_id), team_id=asker.team_id
        )

    app.command(COMMAND)(toggl_command)
