"""Messages about a person's connection: who they are in Toggl, their workspaces, connect and disconnect."""

from __future__ import annotations

from typing import Any

from bot import buttons
from bot.figures import plural
from bot.store import Subscription
from bot.toggl.models import Me, Workspace
from bot.views.common import (
    MAX_OPTIONS,
    Message,
    actions,
    button,
    channel_ref,
    context,
    escape,
    header,
    listing,
    message,
    notice,
    option,
    section,
    static_select,
)

CONNECT_ACTION = "connect_open"
CONNECT_VALUE = buttons.encode(buttons.OpenConnect())
SUGGEST_ACTION = "run_suggested"
SWITCH_ACTION = "switch_workspace"
TOKEN_HELP = "Find your API token at the bottom of https://track.toggl.com/profile."


def me_message(me: Me, workspace: Workspace | None) -> Message:
    name = escape(me.fullname or "(no name)")
    lines = [f"*{name}*" + (f" · {escape(me.email)}" if me.email else "")]
    if workspace:
        lines.append(f"Workspace: *{escape(workspace.name)}* (id {workspace.id})")
    if me.timezone:
        lines.append(f"Time zone: {escape(me.timezone)}")
    return message(f"You are {name} in Toggl", [header("Your Toggl account"), section("\n".join(lines))])


def workspace_menu(
    workspaces: list[Workspace], current_id: int | None, action_id: str = SWITCH_ACTION
) -> dict[str, Any] | None:
    """A menu of the person's workspaces that switches to the one chosen; None when there is nothing to choose."""
    if len(workspaces) < 2:
        return None
    shown = workspaces[:MAX_OPTIONS]
    options = [option(w.name or f"id {w.id}", buttons.encode(buttons.SwitchTo(ws=w.id))) for w in shown]
    initial = next((o for o, w in zip(options, shown, strict=True) if w.id == current_id), None)
    return static_select(action_id, "Switch workspace", options, initial)


def workspaces_message(workspaces: list[Workspace], current_id: int | None) -> Message:
    if not workspaces:
        return notice("Your Toggl account has no workspaces.")
    shown = workspaces[:45]
    lines = [f"• *{escape(w.name)}* (id {w.id})" + (" · *current*" if w.id == current_id else "") for w in shown]
    blocks = [header("Your Toggl workspaces"), section("\n".join(lines))]
    if len(workspaces) > len(shown):
        blocks.append(context(f"and {len(workspaces) - len(shown):,} more"))
    menu = workspace_menu(workspaces, current_id)
    hint = "Switch with the menu, with `workspace <name or id>`, or from my Home tab."
    blocks.append(section(hint, accessory=menu) if menu else context("Your projects come from this workspace."))
    return message(f"You have {plural(len(workspaces), 'Toggl workspace')}", blocks)


def workspace_switched(workspace: Workspace) -> Message:
    return notice(f"Your workspace is now *{escape(workspace.name)}* (id {workspace.id}).")


def no_workspace(query: str, workspaces: list[Workspace]) -> Message:
    """No workspace fits: the person's own to choose from, as a menu (or a button for a single one)."""
    text = f"No workspace of yours matches “{escape(query)}”."
    if not workspaces:
        return notice(text, "Your Toggl account has no workspaces.")
    menu = workspace_menu(workspaces, None)
    if menu is None:
        only = workspaces[0]
        value = buttons.encode(buttons.SwitchTo(ws=only.id))
        choice = actions(button(f"Use {only.name or only.id}", SWITCH_ACTION, value))
        return message(text, [section(f"{text} Yours is *{escape(only.name)}*."), choice])
    return message(text, [section(f"{text} Which one?", accessory=menu)])


def connected(me: Me, workspace: Workspace | None, *, token_in_dm: bool = False, resumed: int = 0) -> Message:
    """Connected; when the token was typed as a DM message it stays in the conversation, so say to delete it."""
    where = f" Using workspace *{escape(workspace.name)}*." if workspace else ""
    detail = "Try `projects` or `tasks <project>`. `disconnect` forgets your token."
    if resumed:
        detail = f"Your {plural(resumed, 'paused digest')} {'is' if resumed == 1 else 'are'} running again. " + detail
    if token_in_dm:
        detail += (
            "\n:wastebasket: Your token is still in the message you sent me: please delete it "
            "(hover it, choose ⋯ and *Delete message*). Next time, `/toggl connect` opens a private form."
        )
    return notice(f"Connected to Toggl as *{escape(me.fullname or me.email or me.id)}*.{where}", detail)


def disconnected(had_token: bool, digests: list[Subscription] | None = None, personal: int = 0, timer: str = "") -> Message:
    """Disconnected, and what becomes of the person's digests (and own messages): paused, with how to resume or
    remove them; `timer` says what still runs in Toggl (`bot.views.timers.keeps_running`), which the app can no
    longer stop."""
    if not had_token:
        return notice("You were not connected, so there was nothing to delete.")
    told = _disconnected(digests, personal)
    if timer:
        told["blocks"].append(context(timer))
    return told


def _disconnected(digests: list[Subscription] | None, personal: int) -> Message:
    digests = digests or []
    mine = " Your weekly summary and reminder are paused too." if personal > 1 else " Your personal messages are paused too."
    if not digests:
        if personal:
            return notice(
                "Disconnected: your Toggl token is deleted from this app.", mine.strip() + " `connect` resumes them."
            )
        return notice("Disconnected: your Toggl token is deleted from this app.")
    where = listing([channel_ref(s.channel_id) for s in digests[:10]]) + (
        f" and {len(digests) - 10:,} more" if len(digests) > 10 else ""
    )
    its = "it" if len(digests) == 1 else "them"
    return notice(
        "Disconnected: your Toggl token is deleted from this app.",
        f"Your {plural(len(digests), 'digest')} in {where} {'is' if len(digests) == 1 else 'are'} paused, as "
        f"{'it needs' if len(digests) == 1 else 'they need'} your Toggl data. `/toggl connect` resumes {its}; "
        f"`/toggl digest unsubscribe` in a channel removes its digest." + (mine if personal else ""),
    )


def welcome(person_name: str | None, connected_now: bool) -> Message:
    """A greeting gets a short welcome: the most useful words (timers among them), and buttons for some."""
    hello = f"Hi {escape(person_name.split()[0])}!" if person_name else "Hi!"
    words = (
        "• `projects`: your projects against their estimates (`projects over` for those at risk)\n"
        "• `tasks <project>`: a project's tasks\n"
        "• `start <description>` and `stop`: a Toggl timer (`now` shows what runs)\n"
        "• `digest subscribe`: a budget digest in a channel"
    )
    if connected_now:
        elements = [
            button("My projects", SUGGEST_ACTION, buttons.encode(buttons.Suggested(words="projects")), style="primary"),
            button("At risk", "run_suggested_over", buttons.encode(buttons.Suggested(words="projects over"))),
            button("All I understand", "run_suggested_help", buttons.encode(buttons.Suggested(words="help"))),
        ]
        intro = f"{hello} I show your Toggl Track projects here, privately, and run your timer. A few words get you far:"
    else:
        elements = [
            button("Connect Toggl", CONNECT_ACTION, CONNECT_VALUE, style="primary"),
            button("All I understand", "run_suggested_help", buttons.encode(buttons.Suggested(words="help"))),
        ]
        intro = (
            f"{hello} I show your Toggl Track projects here, privately, and run your timer, once you connect. "
            "Then a few words get you far:"
        )
    return message(
        f"{hello} Try projects, tasks, start or digest subscribe.", [section(f"{intro}\n{words}"), actions(*elements)]
    )


def not_connected(reason: str = "") -> Message:
    """Ask the person to connect, with a button that opens the connect modal."""
    text = reason or "Your Toggl account is not connected."  # true for one who never did and one who disconnected
    blocks = [
        section(f"{text}\nConnect once with your Toggl API token; only you see your data. {TOKEN_HELP}"),
        actions(button("Connect Toggl", CONNECT_ACTION, CONNECT_VALUE, style="primary")),
    ]
    return message(text, blocks)


def connect_prompt() -> Message:
    """Where no form can be opened directly (a DM, a mention): a button that opens it."""
    text = "Press the button to connect your Toggl account."
    blocks = [
        section(f"{text} {TOKEN_HELP}"),
        actions(button("Connect Toggl", CONNECT_ACTION, CONNECT_VALUE, style="primary")),
    ]
    return message(text, blocks)


def connect_in_private() -> Message:
    return notice(
        "Please never paste your Toggl token in a channel: everyone there can read it.",
        "Reset it at https://track.toggl.com/profile, then connect with `/toggl connect` or in a direct message with me.",
    )
