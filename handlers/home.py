"""The Home tab: connection state and the words, from the store alone (it opens often; Toggl is not asked)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.views.modals import home_view
from handlers.deps import Deps


def register(app: App, deps: Deps) -> None:
    def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("tab") != "home":
            return
        person = deps.service.store.people.get(context.team_id or "", event["user"])
        deps.soon(client.views_publish, user_id=event["user"], view=home_view(person))

    app.event("app_home_opened")(home_opened)
