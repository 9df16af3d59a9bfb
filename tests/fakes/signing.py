"""Requests signed as Slack signs them, sent to the running app over HTTP."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret"


def signed_headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None  # slack_sdk answers None only for a missing timestamp or body
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


class SlackSender:
    """Posts slash commands, events and interactions to the app at `url`, signed unless told otherwise."""

    def __init__(self, url: str, response_url: str, team_id: str = "T1") -> None:
        self.url = url
        self.response_url = response_url
        self.team_id = team_id
        self.session = requests.Session()
        self._triggers = itertools.count(1)

    def trigger_id(self) -> str:
        """Slack gives every command and interaction its own trigger id, so no two real requests are equal."""
        return f"trigger-{next(self._triggers)}"

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> requests.Response:
        all_headers = {"Content-Type": content_type, **(signed_headers(body) if headers is None else headers)}
        return self.session.post(self.url, data=body.encode(), headers=all_headers, timeout=10)

    def command_body(self, text: str, user: str = "U1", channel: str = "C1", response_url: str | None = None) -> str:
        return urlencode(
            {
                "token": "legacy",
                "team_id": self.team_id,
                "team_domain": "acme",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/toggl",
                "text": text,
                "api_app_id": "A1",
                "response_url": response_url or self.response_url,
                "trigger_id": self.trigger_id(),
            }
        )

    def command(self, text: str, user: str = "U1", **kwargs: Any) -> requests.Response:
        return self.post(self.command_body(text, user, **kwargs), "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any], event_id: str = "Ev1") -> requests.Response:
        body = {
            "token": "legacy",
            "team_id": self.team_id,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": self.team_id, "user_id": "UBOT", "is_bot": True}],
        }
        return self.post(json.dumps(body), "application/json")

    def dm(self, text: str, user: str = "U1", event_id: str = "Ev1", **extra: Any) -> requests.Response:
        event = {"type": "message", "channel_type": "im", "channel": "D1", "user": user, "text": text, "ts": "1.1", **extra}
        return self.event(event, event_id)

    def mention(self, text: str, user: str = "U1", event_id: str = "Ev2") -> requests.Response:
        event = {"type": "app_mention", "channel": "C1", "user": user, "text": f"<@UBOT> {text}", "ts": "1.2"}
        return self.event(event, event_id)

    def interaction(self, payload: dict[str, Any]) -> requests.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def button(
        self,
        action_id: str,
        value: str,
        user: str = "U1",
        response_url: str | None = None,
        *,
        channel: str = "C1",
        ephemeral: bool = True,
    ) -> requests.Response:
        action = {"type": "button", "action_id": action_id, "block_id": "paging", "value": value}
        return self.interaction(self._block_actions(action, user, response_url, channel, ephemeral))

    def choose(
        self,
        action_id: str,
        value: str,
        *,
        kind: str = "static_select",
        user: str = "U1",
        response_url: str | None = None,
        channel: str = "C1",
        ephemeral: bool = True,
    ) -> requests.Response:
        """An option chosen in a menu (`static_select`, `external_select`) or an `overflow`."""
        chosen = {"text": {"type": "plain_text", "text": "x"}, "value": value}
        action = {"type": kind, "action_id": action_id, "block_id": "b1", "selected_option": chosen}
        return self.interaction(self._block_actions(action, user, response_url, channel, ephemeral))

    def home_button(self, action_id: str, value: str, user: str = "U1", *, kind: str = "button") -> requests.Response:
        """A control on the Home tab: no response_url, no channel, the view instead."""
        if kind == "button":
            action: dict[str, Any] = {"type": "button", "action_id": action_id, "block_id": "h1", "value": value}
        else:
            chosen = {"text": {"type": "plain_text", "text": "x"}, "value": value}
            action = {"type": kind, "action_id": action_id, "block_id": "h1", "selected_option": chosen}
        return self.interaction(
            {
                "type": "block_actions",
                "user": {"id": user, "team_id": self.team_id},
                "team": {"id": self.team_id},
                "api_app_id": "A1",
                "trigger_id": self.trigger_id(),
                "container": {"type": "view", "view_id": "VHOME"},
                "view": {"id": "VHOME", "type": "home", "blocks": []},
                "actions": [action],
            }
        )

    def suggestion(self, action_id: str, block_id: str, typed: str, user: str = "U1") -> requests.Response:
        """Slack asking for a type-ahead menu's options (`block_suggestion`); the answer is the HTTP body."""
        return self.interaction(
            {
                "type": "block_suggestion",
                "user": {"id": user, "team_id": self.team_id},
                "team": {"id": self.team_id},
                "api_app_id": "A1",
                "action_id": action_id,
                "block_id": block_id,
                "value": typed,
                "container": {"type": "message", "is_ephemeral": True},
                "channel": {"id": "C1"},
            }
        )

    def _block_actions(
        self, action: dict[str, Any], user: str, response_url: str | None, channel: str, ephemeral: bool
    ) -> dict[str, Any]:
        return {
            "type": "block_actions",
            "user": {"id": user, "team_id": self.team_id},
            "team": {"id": self.team_id},
            "api_app_id": "A1",
            "trigger_id": self.trigger_id(),
            "response_url": response_url or self.response_url,
            "channel": {"id": channel},
            "container": {"type": "message", "is_ephemeral": ephemeral},
            "actions": [action],
        }

    def submit_view(
        self, callback_id: str, values: dict[str, Any], private_metadata: str = "", user: str = "U1", view_id: str = "V1"
    ) -> requests.Response:
        """A modal's submission (its answer, such as inline errors, is the HTTP body)."""
        return self.interaction(
            {
                "type": "view_submission",
                "user": {"id": user, "team_id": self.team_id},
                "team": {"id": self.team_id},
                "api_app_id": "A1",
                "view": {
                    "id": view_id,
                    "type": "modal",
                    "callback_id": callback_id,
                    "private_metadata": private_metadata,
                    "state": {"values": values},
                },
            }
        )

    # -- capture (issue 20): shortcuts, and a type-ahead inside a modal ------------------------------------

    def message_shortcut(
        self, text: str, user: str = "U1", channel: str = "C1", callback_id: str = "start_timer_from_message"
    ) -> requests.Response:
        """ "Start a Toggl timer" on a message: Slack sends the message, its channel and a response_url."""
        return self.interaction(
            {
                "type": "message_action",
                "callback_id": callback_id,
                "trigger_id": self.trigger_id(),
                "response_url": self.response_url,
                "team": {"id": self.team_id},
                "user": {"id": user, "team_id": self.team_id},
                "channel": {"id": channel, "name": "general"},
                "message": {"type": "message", "user": "U2", "text": text, "ts": "1700000000.000300"},
            }
        )

    def global_shortcut(self, callback_id: str = "log_time", user: str = "U1") -> requests.Response:
        """A global shortcut (from the search bar or the + menu): no channel, no response_url."""
        return self.interaction(
            {
                "type": "shortcut",
                "callback_id": callback_id,
                "trigger_id": self.trigger_id(),
                "team": {"id": self.team_id},
                "user": {"id": user, "team_id": self.team_id},
            }
        )

    def form_suggestion(self, action_id: str, view: dict[str, Any], typed: str, user: str = "U1") -> requests.Response:
        """Slack asking for a type-ahead's options inside a modal: the view (with its private_metadata) comes too."""
        return self.interaction(
            {
                "type": "block_suggestion",
                "user": {"id": user, "team_id": self.team_id},
                "team": {"id": self.team_id},
                "api_app_id": "A1",
                "action_id": action_id,
                "block_id": "entry_project",
                "value": typed,
                "container": {"type": "view", "view_id": view.get("id", "V1")},
                "view": view,
            }
        )
