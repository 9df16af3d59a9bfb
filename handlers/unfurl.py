"""`link_shared` (issue 20): Slack tells the app a `track.toggl.com` link was posted; the app answers with
`chat.unfurl`. Ack at once (Bolt acks events), then the pool reads the poster's projects."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import toggl
from bot.identity import Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.slack import describe
from bot.unfurl import project_links, unfurls
from bot.views.unfurl import connect_prompt_blocks
from handlers.deps import Deps

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    service = deps.service

    def link_shared(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        links = project_links([str(link.get("url") or "") for link in event.get("links") or [] if isinstance(link, dict)])
        if not links or not deps.first_time(body.get("event_id")):
            return
        team_id = (body.get("team_id") or (event.get("user_team") or "")) or None
        asker = Asker(team_id=team_id, user_id=event.get("user"), channel_id=event.get("channel"))
        where: dict[str, Any] = {"channel": event.get("channel"), "ts": event.get("message_ts")}
        if event.get("unfurl_id") and event.get("source"):  # posted from the composer, not yet a message
            where = {"unfurl_id": event["unfurl_id"], "source": event["source"]}

        def job() -> None:
            try:
                account = service.accounts.account(asker)
                try:
                    found = unfurls(links, account, service)
                except toggl.TokenRejected:
                    service.accounts.token_rejected(account)
                    raise
                if found:
                    client.chat_unfurl(**where, unfurls=found)
            except (NotConnected, ReconnectNeeded):
                client.chat_unfurl(**where, unfurls={}, user_auth_required=True, user_auth_blocks=connect_prompt_blocks())
            except (KeyMissing, toggl.TogglError) as err:
                log.info("A project link was not unfurled: %s", type(err).__name__)
            except SlackApiError as err:
                log.warning("Slack did not take an unfurl: %s", describe(err))

        deps.pool.submit(job)

    app.event("link_shared")(link_shared)
