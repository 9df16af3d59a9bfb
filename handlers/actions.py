"""Buttons and menus: paging, choosers, digest line menus, suggestions, forms, and the Home tab's controls.

Every value is decoded into `bot.buttons` data first; a value we did not make (an old message, a
forged payload) gets a private sentence, never a crash. The answer is always for whoever pressed:
paging and choosers replace their own private message; a digest's menu (a channel message) is
answered privately beside it; the Home tab's controls redraw the tab, and its quick actions answer
in the Messages tab.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import buttons, home
from bot.answers import Reply, answer
from bot.commands import Command
from bot.identity import Asker
from bot.views.account import CONNECT_ACTION
from bot.views.capture import UNDO_ACTION
from bot.views.common import Message, notice
from bot.views.errors import unreadable_button
from bot.views.home import REMIND_TIME_ACTION
from bot.views.tasks import PICK_ACTION
from bot.views.timers import RESTART_ACTION, STOP_ACTION
from handlers.capture import open_edit_form, open_log_form
from handlers.deps import Deps, deliver, via_dm, via_respond
from handlers.surfaces import open_connect_form, open_digest_form, publish_home

REPLACING = re.compile(
    rf"^(page_previous|page_next|choose_project_\d+|{PICK_ACTION}|show_at_risk|{STOP_ACTION}|{RESTART_ACTION}|{UNDO_ACTION})$"
)
"""Actions whose answer replaces the private message they were on (the next page, the chosen project's tasks,
the timer stopped or restarted: the old buttons would only mislead)."""
CHANGES_HOME = (
    buttons.StopEntry,
    buttons.Restart,
    buttons.SetSummary,
    buttons.SetReminder,
    buttons.SetTeamNudge,  # the team lead's view (issue 21)
    buttons.StopTeamPost,
)
"""Values that change what the Home tab shows: pressed there, the tab is drawn again after the answer."""


def asker_of(body: dict[str, Any]) -> Asker:
    """Always the person who pressed the button, whoever the message was first for."""
    user = body["user"]
    team_id = user.get("team_id") or (body.get("team") or {}).get("id")
    return Asker(team_id=team_id, user_id=user["id"], channel_id=(body.get("channel") or {}).get("id"))


def chosen_value(action: dict[str, Any]) -> str | None:
    """A button's value, the value of the option chosen in a menu or overflow, or for the Home tab's time
    picker, the reminder at the time picked."""
    if action.get("type") == "timepicker" and action.get("action_id") == REMIND_TIME_ACTION:
        picked = action.get("selected_time")
        return buttons.encode(buttons.SetReminder(at=picked)) if isinstance(picked, str) else None
    selected = action.get("selected_option")
    if isinstance(selected, dict):
        return selected.get("value")
    return action.get("value")


STARTS_A_TIMER = (buttons.StartOn, buttons.Restart)


def _press_of(body: dict[str, Any], action: dict[str, Any]) -> str:
    """Names one button on one message (or Home tab): a double press, or Slack's retry, has the same name."""
    container = body.get("container") or {}
    where = container.get("message_ts") or container.get("view_id") or (body.get("view") or {}).get("id") or ""
    return f"press:{where}:{action.get('action_id')}:{chosen_value(action)}"


def register(app: App, deps: Deps) -> None:
    service = deps.service

    def pressed(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        asker = asker_of(body)
        user_id = asker.user_id or ""
        from_home = (body.get("view") or {}).get("type") == "home"
        replace = bool(REPLACING.match(action.get("action_id") or "")) and not from_home
        private = from_home or not body.get("response_url")
        send = via_dm(client, user_id) if private else via_respond(respond, replace=replace)
        fallback = via_dm(client, user_id)
        if action.get("action_id") == CONNECT_ACTION:  # older Connect buttons carried the bare word "connect"
            value: buttons.ButtonValue | None = buttons.OpenConnect()
        else:
            value = buttons.decode(chosen_value(action))
        trigger_id = body.get("trigger_id") or ""
        if isinstance(value, STARTS_A_TIMER) and not deps.first_time(_press_of(body, action)):
            # A second press of the same Start or Restart button: one entry in Toggl is enough, and it is said.
            deps.soon(deliver, notice("That timer was started by your first press; `now` shows it."), send, fallback)
            return
        match value:
            case None:
                deps.soon(deliver, unreadable_button(), send, fallback)
            case buttons.OpenInToggl():
                pass  # Slack opened the link; there is nothing to do
            case buttons.OpenLog():  # the nudge's Log button: the same form as the `log_time` shortcut
                deps.soon(open_log_form, deps, client, trigger_id, asker)
            case buttons.OpenConnect():
                response_url = None if from_home else body.get("response_url")
                deps.soon(open_connect_form, client, service, trigger_id, asker, response_url)
            case buttons.OpenDigestForm(channel=channel):
                deps.soon(
                    open_digest_form,
                    client,
                    service,
                    trigger_id,
                    asker,
                    send,
                    channel_id=channel,
                    response_url=None if from_home else body.get("response_url"),
                    from_home=from_home,
                )
            case buttons.EditRunning(id=entry_id):  # capture (issue 20): the Edit form of the running entry
                response_url = None if from_home else body.get("response_url")
                deps.soon(open_edit_form, deps, client, trigger_id, asker, entry_id, response_url, send)
            case buttons.EditDigest(sub=sub):
                form = {"channel_id": None, "subscription_id": sub, "from_home": from_home}
                deps.soon(open_digest_form, client, service, trigger_id, asker, send, **form)
            case buttons.SwitchTo(ws=ws) if from_home:
                change = lambda: home.switch_workspace(asker, ws, service)  # noqa: E731
                deps.later(_home_change(change, asker, deps, client), send, fallback, team_id=asker.team_id)
            case buttons.RefreshHome():
                deps.pool.submit(lambda: publish_home(client, service, asker.team_id or "", user_id, refresh=True))
            case buttons.SetAlerts(sub=sub, on=on) if from_home:
                change = lambda: home.set_alerts(asker, sub, on, service)  # noqa: E731
                deps.later(_home_change(change, asker, deps, client), send, fallback, team_id=asker.team_id)
            case buttons.StopDigest(sub=sub) if from_home:
                change = lambda: home.stop_digest(asker, sub, service)  # noqa: E731
                deps.later(_home_change(change, asker, deps, client), send, fallback, team_id=asker.team_id)
            case _ if from_home and isinstance(value, CHANGES_HOME):
                command = buttons.to_command(value)
                assert command is not None
                deps.later(_answer_then_redraw(command, asker, deps, client), send, fallback, team_id=asker.team_id)
            case _:
                command = buttons.to_command(value)
                if command is None:
                    deps.soon(deliver, unreadable_button(), send, fallback)
                    return
                deps.later(lambda: answer(command, asker, service), send, fallback, team_id=asker.team_id)

    app.action(re.compile(r".+"))(pressed)


def _answer_then_redraw(command: Command, asker: Asker, deps: Deps, client: WebClient) -> Callable[[], Reply]:
    """A Home control with something to say (the timer stopped, a reminder set): the answer comes in the
    Messages tab, and the tab is drawn again to show the change."""

    def job() -> Reply:
        reply = answer(command, asker, deps.service)
        publish_home(client, deps.service, asker.team_id or "", asker.user_id or "")
        return reply

    return job


def _home_change(change: Callable[[], Message | None], asker: Asker, deps: Deps, client: WebClient) -> Callable[[], Reply]:
    """A Home control that changes something: do it, then redraw the tab, which shows the result;
    a message goes to the person only when the change could not be made."""

    def job() -> Reply:
        problem = change()
        publish_home(client, deps.service, asker.team_id or "", asker.user_id or "")
        return Reply([problem] if problem else [])

    return job
