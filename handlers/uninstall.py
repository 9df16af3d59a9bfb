"""When a workspace removes the app (`app_uninstalled`) or revokes its bot token (`tokens_revoked`),
forget that workspace's people, tokens, caches and subscriptions at once, and delete its Toggl webhooks."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.alerts.manage import release_team
from handlers.deps import Deps

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def forget_team(body: dict[str, Any], context: BoltContext) -> None:
        team_id = body.get("team_id") or context.team_id
        if team_id:
            release_team(deps.service, team_id)  # Toggl's side first, while the tokens that made it are kept
            removed = deps.service.accounts.forget_team(team_id)
            if deps.installations is not None:
                deps.installations.delete_all(enterprise_id=context.enterprise_id, team_id=team_id)
            log.info("Removed %s rows for a workspace that uninstalled the app", removed)

    def tokens_revoked(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        if (event.get("tokens") or {}).get("bot"):  # the app has no user tokens; a revoked bot token ends it all
            forget_team(body, context)

    app.event("app_uninstalled")(forget_team)
    app.event("tokens_revoked")(tokens_revoked)
