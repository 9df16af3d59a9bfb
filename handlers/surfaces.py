"""Opening forms and publishing the Home tab: the Slack calls several listeners make after their ack.

A form needs the trigger of the command or button that asked for it, which Slack honours for three
seconds, so these run on the side pool at once; the Home tab may wait on Toggl, so it goes to the pool.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from bot import buttons
from bot.digest.manage import form_defaults
from bot.home import home_for
from bot.identity import Asker
from bot.service import Service
from bot.views.capture import EntryDefaults, entry_form
from bot.views.digest_form import DigestDefaults, digest_modal
from bot.views.modals import connect_modal
from handlers.deps import Deps, Send, deliver

log = logging.getLogger(__name__)


def open_connect_form(client: WebClient, service: Service, trigger_id: str, asker: Asker, response_url: str | None) -> None:
    """Open the connect form; the `response_url` Slack gave with the command or button is kept by the form's id."""
    opened = client.views_open(trigger_id=trigger_id, view=connect_modal())
    keep_reply_target(service, opened, asker, response_url)


def keep_reply_target(service: Service, opened: SlackResponse, asker: Asker, response_url: str | None) -> None:
    """Remember where the form's confirmation goes, by the view id Slack just gave it.

    The form itself carries no address: whatever a submission says, the confirmation goes to the
    `response_url` Slack sent with the request that opened the form, or else to the person's DM.
    """
    view_id = (opened.get("view") or {}).get("id")
    if response_url and view_id and asker.team_id and asker.user_id:
        service.slack_state.keep_reply_target(view_id, asker.team_id, asker.user_id, response_url)


def open_digest_form(
    client: WebClient,
    service: Service,
    trigger_id: str,
    asker: Asker,
    send: Send,
    *,
    channel_id: str | None,
    subscription_id: int | None = None,
    response_url: str | None = None,
    from_home: bool = False,
) -> None:
    """Open the digest form filled in, or tell the person why not (not connected, not their digest)."""
    found = form_defaults(
        asker,
        service,
        channel_id=channel_id,
        subscription_id=subscription_id,
        response_url=response_url,
        from_home=from_home,
    )
    if isinstance(found, DigestDefaults):
        opened = client.views_open(trigger_id=trigger_id, view=digest_modal(found))
        keep_reply_target(service, opened, asker, response_url)
    else:
        deliver(found, send)


def publish_home(client: WebClient, service: Service, team_id: str, user_id: str, *, refresh: bool = False) -> None:
    """Build and publish the person's Home tab; failures are logged (the tab keeps its last view)."""
    try:
        view = home_for(team_id, user_id, service, refresh=refresh)
        client.views_publish(user_id=user_id, view=view)
    except Exception:
        log.exception("The Home tab could not be published")


# -- capture (issue 20): what the entry forms need around them ----------------------------------------------


def warm_projects(deps: Deps, asker: Asker, workspace_id: int) -> None:
    """Fill the app's copy of the projects if it is missing or old, so an entry form's type-ahead finds them: one
    projects request at most, as `projects` would make, and none at the quota's reserve."""

    def warm() -> None:
        try:
            account = deps.service.accounts.account(asker)
            reader = deps.service.reader
            if reader.kept_projects(account, workspace_id) is None and reader.quota_wait(account) is None:
                reader.projects(account, workspace_id)
        except Exception as err:  # a suggestion list, nothing more: the form works without it
            log.info("Could not fill the projects for a form: %s", type(err).__name__)

    deps.pool.submit(warm)


def after_connect_view(pending: buttons.PendingStart, workspace_id: int | None) -> dict[str, Any] | None:
    """The Start form that replaces the connect form once the token is accepted (the message shortcut's timer)."""
    if workspace_id is None:
        return None
    meta = buttons.EntryFormMeta(form="start", ws=workspace_id, channel=pending.channel)
    return entry_form(meta, EntryDefaults(description=pending.d, note="Connected. Now the timer:"))
