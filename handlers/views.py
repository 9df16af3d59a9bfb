"""Form submissions. The connect form's token is checked with Toggl inside the 3-second ack, so a bad one is
shown in the form; the digest form is checked (its time zone, its threshold) before the ack, the same way."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot import toggl
from bot.answers import Reply, answer, connect
from bot.service import Asker
from bot.views.account import TOKEN_HELP
from bot.views.common import Message
from bot.views.digest_form import DIGEST_CALLBACK, DigestForm, read_digest_form
from bot.views.modals import CONNECT_CALLBACK, TOKEN_BLOCK, reply_to_from, token_from
from handlers.deps import Deps, NotDelivered, Send, via_channel, via_dm
from handlers.surfaces import publish_home

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

    def submit_digest(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        found = read_digest_form(view)
        if not isinstance(found, DigestForm):
            ack(response_action="errors", errors=found)
            return
        ack()
        user = body["user"]
        team_id = user.get("team_id") or (body.get("team") or {}).get("id")
        asker = Asker(team_id=team_id, user_id=user["id"], channel_id=found.channel_id)

        def job() -> Reply:
            reply = answer(found.command, asker, deps.service)
            if found.from_home:
                publish_home(client, deps.service, team_id or "", user["id"])
            return reply

        reply_to = {"response_url": found.response_url} if found.response_url else {}
        deps.later(job, via_reply_to(reply_to, client, user["id"]), via_dm(client, user["id"]), team_id=asker.team_id)

    app.view(CONNECT_CALLBACK)(submit_connect)
    app.view(DIGEST_CALLBACK)(submit_digest)
