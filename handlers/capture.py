"""Capture (issue 20): the message shortcut "Start a Toggl timer", the global shortcut "Log time", the Edit button,
the entry forms' submissions and their project type-ahead.

A form must open within the 3 seconds of its trigger, so its defaults come from the app's copy (`bot.capture`)
on the side pool right after the ack. A submission is read before the ack (a bad duration is shown beside the
field), then answered on the pool through `bot.answers.answer`, like the words: where the shortcut came from
(the message's channel, privately, through its `response_url`), else in the person's DM with the app.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import buttons, capture
from bot.answers import answer
from bot.identity import Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.views.account import not_connected
from bot.views.capture import CALLBACKS, PROJECT_ACTION, EntryInput, entry_form, project_options, read_entry_form
from bot.views.modals import connect_modal
from handlers.deps import Deps, Send, deliver, via_dm
from handlers.surfaces import keep_reply_target, warm_projects
from handlers.views import via_form_origin

log = logging.getLogger(__name__)

CHANNEL = re.compile(r"^[CDG][A-Z0-9]{2,30}$")
MESSAGE_SHORTCUT = "start_timer_from_message"
GLOBAL_SHORTCUT = "log_time"


def asker_of(body: dict[str, Any]) -> Asker:
    user = body.get("user") or {}
    team_id = user.get("team_id") or (body.get("team") or {}).get("id")
    return Asker(team_id=team_id, user_id=user.get("id"), channel_id=(body.get("channel") or {}).get("id"))


def open_start_form(
    deps: Deps, client: WebClient, trigger_id: str, asker: Asker, text: str, response_url: str | None
) -> None:
    """The Start form for a message, or, for a person not connected yet, the connect form that leads to it."""
    service = deps.service
    try:
        account = service.accounts.account(asker)
    except (NotConnected, ReconnectNeeded):
        pending = buttons.PendingStart(d=capture.message_text(text)[:2900], channel=_channel(asker.channel_id))
        opened = client.views_open(trigger_id=trigger_id, view=connect_modal(private_metadata=buttons.encode(pending)))
        keep_reply_target(service, opened, asker, response_url)
        return
    meta, defaults = capture.start_form(account, service, text, _channel(asker.channel_id))
    opened = client.views_open(trigger_id=trigger_id, view=entry_form(meta, defaults))
    keep_reply_target(service, opened, asker, response_url)
    warm_projects(deps, asker, meta.ws)


def open_log_form(deps: Deps, client: WebClient, trigger_id: str, asker: Asker) -> None:
    service = deps.service
    try:
        account = service.accounts.account(asker)
    except (NotConnected, ReconnectNeeded):
        client.views_open(trigger_id=trigger_id, view=connect_modal())
        return
    meta, defaults = capture.log_form(account, service)
    client.views_open(trigger_id=trigger_id, view=entry_form(meta, defaults))
    warm_projects(deps, asker, meta.ws)


def open_edit_form(
    deps: Deps, client: WebClient, trigger_id: str, asker: Asker, entry_id: int, response_url: str | None, fallback: Send
) -> None:
    """The Edit form of the running entry; or, when nothing runs (or the person is not connected), a sentence."""
    service = deps.service
    try:
        account = service.accounts.account(asker)
        found = capture.edit_form(account, service, entry_id)
    except (NotConnected, ReconnectNeeded, KeyMissing) as err:
        log.info("No Edit form: %s", type(err).__name__)
        found = not_connected("Your Toggl connection needs renewing. Please connect again.")
    if isinstance(found, tuple):
        meta, defaults = found
        opened = client.views_open(trigger_id=trigger_id, view=entry_form(meta, defaults))
        keep_reply_target(service, opened, asker, response_url)
        warm_projects(deps, asker, meta.ws)
    else:
        deliver(found, fallback)


def _channel(channel_id: str | None) -> str | None:
    return channel_id if channel_id and CHANNEL.match(channel_id) else None


def register(app: App, deps: Deps) -> None:
    service = deps.service

    def message_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        asker = asker_of(body)
        text = str((body.get("message") or {}).get("text") or "")
        deps.soon(open_start_form, deps, client, body.get("trigger_id") or "", asker, text, body.get("response_url"))

    def global_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.soon(open_log_form, deps, client, body.get("trigger_id") or "", asker_of(body))

    def submit_entry(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        meta = buttons.decode(view.get("private_metadata"))
        found = read_entry_form(view)
        if not isinstance(meta, buttons.EntryFormMeta) or CALLBACKS[meta.form] != view.get("callback_id"):
            ack(
                response_action="errors",
                errors={"entry_description": "This form is from an older version. Please open it again."},
            )
            return
        if not isinstance(found, EntryInput):
            ack(response_action="errors", errors=found)
            return
        ack()
        asker = asker_of(body)
        asker = Asker(team_id=asker.team_id, user_id=asker.user_id, channel_id=meta.channel)
        command = capture.submitted(meta, found)
        user_id = asker.user_id or ""
        deps.later(
            lambda: answer(command, asker, service),
            via_form_origin(deps, view, asker, client),
            via_dm(client, user_id),
            team_id=asker.team_id,
        )

    def form_project_options(ack: Ack, body: dict[str, Any]) -> None:
        """The form's type-ahead, from the app's copy of the person's projects (Slack waits 3 s at most)."""
        meta = buttons.decode((body.get("view") or {}).get("private_metadata"))
        asker = asker_of(body)
        if not isinstance(meta, buttons.EntryFormMeta) or not asker.team_id or not asker.user_id:
            ack(options=[])
            return
        projects = service.reader.cached_projects(asker.team_id, asker.user_id, meta.ws)
        ack(options=project_options(projects, str(body.get("value") or "")))

    app.shortcut(MESSAGE_SHORTCUT)(message_shortcut)
    app.shortcut(GLOBAL_SHORTCUT)(global_shortcut)
    for callback in CALLBACKS.values():
        app.view(callback)(submit_entry)
    app.options(PROJECT_ACTION)(form_project_options)
