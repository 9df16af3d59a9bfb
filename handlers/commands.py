"""The `/toggl` slash command: parse, ack, open a form if asked (its trigger lasts 3 s), hand the rest to the pool."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.answers import answer, from_copy
from bot.commands import Connect, DigestSubscribe, parse
from bot.handover import command_request
from handlers.deps import Deps, via_dm, via_respond
from handlers.surfaces import open_connect_form, open_digest_form

COMMAND = "/toggl"


def register(app: App, deps: Deps) -> None:
    def toggl_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        words = parse(command.get("text") or "")
        user_id = command["user_id"]
        asker, request = command_request(command)
        if isinstance(words, Connect) and words.token is None:
            trigger_id = command.get("trigger_id") or ""
            deps.soon(open_connect_form, client, deps.service, trigger_id, asker, command.get("response_url"))
            return  # a form answers it (its trigger cannot be handed over): the door lets go of a hold nobody took
        if isinstance(words, DigestSubscribe) and words.bare and asker.channel_id:
            deps.soon(
                open_digest_form,
                client,
                deps.service,
                command.get("trigger_id") or "",
                asker,
                via_respond(respond),
                channel_id=asker.channel_id,
                response_url=command.get("response_url"),
            )
            return
        held = deps.hold(asker, request)  # in `serve`, the door wrote it already, with the signature
        deps.later(
            lambda: answer(words, asker, deps.service),
            via_respond(respond),
            via_dm(client, user_id),
            team_id=asker.team_id,
            held=held,
            early=lambda: from_copy(words, asker, deps.service),
            replace=via_respond(respond, replace=True),
        )

    app.command(COMMAND)(toggl_command)
