"""Form submissions. The connect form's token is checked with Toggl inside the 3-second ack, so a bad one is
shown in the form; the digest form is checked (its time zone, its threshold) before the ack, the same way."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot import buttons, toggl
from bot.answers import Reply, answer, connect
from bot.identity import Asker
from bot.tokens import NOT_A_TOKEN, looks_like_token
from bot.views.account import TOKEN_HELP
from bot.views.common import Message
from bot.views.digest_form import DIGEST_CALLBACK, DigestForm, read_digest_form
from bot.views.modals import CONNECT_CALLBACK, TOKEN_BLOCK, token_from
from handlers.deps import Deps, NotDelivered, Send, via_dm
from handlers.surfaces import after_connect_view, publish_home, warm_projects

log = logging.getLogger(__name__)


def via_form_origin(deps: Deps, view: dict[str, Any], asker: Asker, client: WebClient) -> Send:
    """Where a form's confirmation goes: the `response_url` Slack sent with the request that opened it (kept by
    the view's id, never read from the form), else the person's DM with the app."""
    url = None
    if view.get("id") and asker.team_id and asker.user_id:
        url = deps.service.slack_state.take_reply_target(str(view["id"]), asker.team_id, asker.user_id)
    if url is None:
        return via_dm(client, asker.user_id or "")

    def send(message: Message) -> None:
        response = WebhookClient(url).send_dict({**message, "response_type": "ephemeral"})
        if response.status_code != 200:
            raise NotDelivered(f"response_url answered {response.status_code}")

    return send


def register(app: App, deps: Deps) -> None:
    def submit_connect(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        token = token_from(view)
        if not looks_like_token(token):
            ack(response_action="errors", errors={TOKEN_BLOCK: NOT_A_TOKEN})
            return
        try:
            me = deps.service.accounts.check_token(token)
        except toggl.TokenRejected:
            ack(response_action="errors", errors={TOKEN_BLOCK: f"Toggl did not accept this token. {TOKEN_HELP}"})
            return
        except toggl.TogglError as err:
            log.info("Toggl could not check a token in time: %s", err)
            ack(response_action="errors", errors={TOKEN_BLOCK: "Toggl did not answer in time. Please press Connect again."})
            return
        pending = buttons.decode(view.get("private_metadata"))  # capture (issue 20): the timer from a message
        after = after_connect_view(pending, me.default_workspace_id) if isinstance(pending, buttons.PendingStart) else None
        if after is not None:
            ack(response_action="update", view=after)
        else:
            ack()
        user = body["user"]
        asker = Asker(team_id=user.get("team_id") or (body.get("team") or {}).get("id"), user_id=user["id"])

        def connected() -> Reply:
            reply = Reply([connect(asker, deps.service, token, me=me)])
            if after is not None and me.default_workspace_id is not None:  # the Start form's type-ahead needs them
                warm_projects(deps, asker, me.default_workspace_id)
            return reply

        deps.later(
            connected,
            via_form_origin(deps, view, asker, client),
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

        deps.later(job, via_form_origin(deps, view, asker, client), via_dm(client, user["id"]), team_id=asker.team_id)

    app.view(CONNECT_CALLBACK)(submit_connect)
    app.view(DIGEST_CALLBACK)(submit_digest)
