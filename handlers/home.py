"""The app's tabs: Home is drawn from the cache on the pool (see `bot.home` for its cost); the first
visit to the Messages tab gets a short welcome, once."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.answers import answer
from bot.commands import Greet
from bot.identity import Asker
from bot.service import Service
from handlers.deps import Deps, deliver, via_channel
from handlers.surfaces import publish_home


def register(app: App, deps: Deps) -> None:
    def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        team_id, user_id = context.team_id or "", event.get("user")
        if not user_id:
            return
        if event.get("tab") == "home":
            deps.pool.submit(publish_home, client, deps.service, team_id, user_id)
        elif event.get("tab") == "messages" and event.get("channel"):
            deps.soon(welcome_once, client, deps.service, team_id, user_id, event["channel"])

    app.event("app_home_opened")(home_opened)


def welcome_once(client: WebClient, service: Service, team_id: str, user_id: str, channel: str) -> None:
    """The first time a person opens the Messages tab, say hello instead of nothing."""
    if not service.accounts.first_visit(team_id, user_id):
        return
    for message in answer(Greet(), Asker(team_id=team_id, user_id=user_id, channel_id=channel), service).messages:
        deliver(message, via_channel(client, channel))
