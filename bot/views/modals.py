"""The connect modal: a form for the Toggl API token, checked within the 3-second ack of its submission."""

from __future__ import annotations

from typing import Any

from bot.tokens import clean_token
from bot.views.account import TOKEN_HELP
from bot.views.common import context, section

CONNECT_CALLBACK = "connect_modal"
TOKEN_BLOCK = "token"
TOKEN_INPUT = "token_input"


def connect_modal(private_metadata: str = "") -> dict[str, Any]:
    """A form asking for the Toggl API token. It carries nothing (where to confirm is kept by its view id), except,
    opened by "Start a Toggl timer", the timer to offer once connected (`bot.buttons.PendingStart`)."""
    return {
        **({"private_metadata": private_metadata} if private_metadata else {}),
        "type": "modal",
        "callback_id": CONNECT_CALLBACK,
        "title": {"type": "plain_text", "text": "Connect Toggl"},
        "submit": {"type": "plain_text", "text": "Connect"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"Paste your Toggl Track API token. {TOKEN_HELP}"),
            {
                "type": "input",
                "block_id": TOKEN_BLOCK,
                "label": {"type": "plain_text", "text": "API token"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": TOKEN_INPUT,
                    "min_length": 8,
                    "max_length": 200,
                    "placeholder": {"type": "plain_text", "text": "e.g. 1971800d4d82861d8f2c1651fea4d212"},
                },
            },
            context("The token is stored encrypted and used only to show you your own Toggl data."),
        ],
    }


def token_from(view: dict[str, Any]) -> str:
    """The token typed into the connect modal, cleaned as people paste it (`bot.tokens`); empty when missing."""
    try:
        value = view["state"]["values"][TOKEN_BLOCK][TOKEN_INPUT]["value"]
    except (KeyError, TypeError):
        return ""
    return clean_token(value or "") if isinstance(value, str) else ""
