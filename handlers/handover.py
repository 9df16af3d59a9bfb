"""Answering what a dead instance acknowledged: the sweep every serving instance runs (`bot.handover`).

Each sweep renews this instance's holds, then, unless it is stopping, takes over requests whose instance
died and answers them on the pool like any other, through the same delivery (a DM when the first way fails).
"""

from __future__ import annotations

import functools
import logging

from slack_sdk.webhook import WebhookClient

from bot.handover import Taken, answer_again
from bot.slack import SlackGateway
from bot.views.common import Message
from handlers.deps import Deps, NotDelivered, Send

log = logging.getLogger(__name__)


def sweep(deps: Deps, gateway: SlackGateway, *, taking: bool = True) -> int:
    """One sweep; how many requests it took over. `taking` is False while this instance stops: it keeps its
    holds alive while it finishes, and takes nobody else's."""
    handover = deps.handover
    if handover is None:
        return 0
    handover.renew()
    if not taking:
        return 0
    taken = handover.take_over()
    for request in taken:
        send, fallback = sends(request, gateway)
        deps.later(
            functools.partial(answer_again, request, deps.service),
            send,
            fallback,
            team_id=request.asker.team_id,
            held=request.id,
        )
    return len(taken)


def sends(taken: Taken, gateway: SlackGateway) -> tuple[Send, Send | None]:
    """Where the answer goes, as the instance that acknowledged it would have sent it; and a DM if that fails."""
    team_id, user_id = taken.asker.team_id or "", taken.asker.user_id or ""
    request = taken.request

    def dm(message: Message) -> None:
        gateway.client(team_id).chat_postMessage(channel=user_id, **message)

    if request.reply == "respond" and request.response_url:
        return _via_response_url(request.response_url), dm
    if request.reply == "ephemeral" and request.channel_id:
        channel = request.channel_id

        def ephemeral(message: Message) -> None:
            gateway.client(team_id).chat_postEphemeral(channel=channel, user=user_id, **message)

        return ephemeral, dm
    if request.reply == "dm" and request.channel_id:
        channel = request.channel_id

        def in_the_dm(message: Message) -> None:
            gateway.client(team_id).chat_postMessage(channel=channel, **message)

        return in_the_dm, None
    return dm, None


def _via_response_url(url: str) -> Send:
    def send(message: Message) -> None:
        response = WebhookClient(url, timeout=10).send_dict({**message, "response_type": "ephemeral"})
        if response.status_code != 200:
            raise NotDelivered(f"response_url answered {response.status_code}")

    return send
