"""Type-ahead menus: Slack asks for options as the person types, and must have them within 3 seconds.

So the options come from the person's cached projects only (the menu appears after a list that
fetched them); nothing here asks Toggl. What the menu is for (tasks, or muting in a digest) and in
which workspace rides in its block id, decoded like any button value.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import buttons
from bot.views.tasks import PICK_ACTION, menu_options
from handlers.deps import Deps


def register(app: App, deps: Deps) -> None:
    def project_options(ack: Ack, body: dict[str, Any]) -> None:
        menu = buttons.decode(body.get("block_id"))
        user = body.get("user") or {}
        team_id = user.get("team_id") or (body.get("team") or {}).get("id")
        if not isinstance(menu, buttons.ProjectMenu) or not team_id or not user.get("id"):
            ack(options=[])
            return
        projects = deps.service.reader.cached_projects(team_id, user["id"], menu.ws)
        ack(options=menu_options(projects, menu, str(body.get("value") or "")))

    app.options(PICK_ACTION)(project_options)
