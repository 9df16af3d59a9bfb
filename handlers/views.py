"""The connect form's submission: checked with Toggl inside the 3-second ack, so a bad token is shown in the form."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot import toggl
from bot.answers import Reply, connect
from bot.service import Asker
from bot.views.account import TOKEN_HELP
from bot.views.common import Message
from bot.views.modals import CONNECT_CALLBACK, TOKEN_BLOCK, reply_to_from, token_from
from handlers.deps import Deps, NotDelivered, Send, via_channel, via_dm

log = logging.getLogger(__name__)


def via_reply_to(reply_to: dict[str, str], client: WebClient, user_id: str) -> Send:
    """Where the confirmation goes: the response_url of the command or button that opened the form, else a DM."""
    url = reply_to.get("response_url")
    if url:

        def send(message: Message) -> None:
            response = WebhookClient(url).send_dict({**message, "response_type": "ephemeral"})
            if response.status_code != 200:
                raise NotDelivered(f"response_url answered {response.status_code}")

        return send
    channel = reply_to.get("channel", "")
    return via_channel(client, channel) if channel.startswith("D") else via_dm(client, user_id)


def register(app: App, deps: Deps) -> None:
    def submit_connect(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        token = token_from(view)
        try:
            me = deps.service.check_token(token)
        except toggl.TokenRejected:
            ack(response_action="errors", errors={TOKEN_BLOCK: f"Toggl did not accept this token. {TOKEN_HELP}"})
            return
        except toggl.TogglError as err:
            log.info("Toggl could not check a token in time: %s", err)
            ack(response_action="errors", errors={TOKEN_BLOCK: "Toggl did not answer in time. Please press Connect again."})
            return
        ack()
        user = body["user"]
        asker = Asker(team_id=user.get("team_id") or (body.get("team") or {}).get("id"), user_id=user["id"])
        deps.later(
            lambda: Reply([connect(asker, deps.service, token, me=me)]),
            via_reply_to(reply_to_from(view), client, user["id"]),
            via_dm(client, user["id"]),
            team_id=asker.team_id,
        )

    app.view(CONNECT_CALLBACK)(submit_connect)
