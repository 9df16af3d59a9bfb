"""Messages about a person's connection: who they are in Toggl, their workspaces, connect and disconnect."""

from __future__ import annotations

from bot.toggl.models import Me, Workspace
from bot.views.common import Message, actions, button, context, escape, header, message, notice, section

CONNECT_ACTION = "connect_open"
TOKEN_HELP = "Find your API token at the bottom of https://track.toggl.com/profile."


def me_message(me: Me, workspace: Workspace | None) -> Message:
    name = escape(me.fullname or "(no name)")
    lines = [f"*{name}*" + (f" · {escape(me.email)}" if me.email else "")]
    if workspace:
        lines.append(f"Workspace: *{escape(workspace.name)}* (id {workspace.id})")
    if me.timezone:
        lines.append(f"Time zone: {escape(me.timezone)}")
    return message(f"You are {name} in Toggl", [header("Your Toggl account"), section("\n".join(lines))])


def workspaces_message(workspaces: list[Workspace], current_id: int | None) -> Message:
    if not workspaces:
        return notice("Your Toggl account has no workspaces.")
    shown = workspaces[:45]
    lines = [f"• *{escape(w.name)}* (id {w.id})" + (" · *current*" if w.id == current_id else "") for w in shown]
    blocks = [header("Your Toggl workspaces"), section("\n".join(lines))]
    if len(workspaces) > len(shown):
        blocks.append(context(f"and {len(workspaces) - len(shown)} more"))
    blocks.append(context("Switch with `workspace <name or id>`."))
    return message(f"You have {len(workspaces)} Toggl workspaces", blocks)


def workspace_switched(workspace: Workspace) -> Message:
    return notice(f"Your workspace is now *{escape(workspace.name)}* (id {workspace.id}).")


def no_workspace(query: str, workspaces: list[Workspace]) -> Message:
    names = ", ".join(f"*{escape(w.name)}*" for w in workspaces[:20]) or "none"
    return notice(f"No workspace of yours matches “{escape(query)}”.", f"Yours: {names}")


def connected(me: Me, workspace: Workspace | None) -> Message:
    where = f" Using workspace *{escape(workspace.name)}*." if workspace else ""
    return notice(
        f"Connected to Toggl as *{escape(me.fullname or me.email or me.id)}*.{where}",
        "Try `projects` or `tasks <project>`. `disconnect` forgets your token.",
    )


def disconnected(had_token: bool) -> Message:
    if had_token:
        return notice("Disconnected: your Toggl token is deleted from this app.")
    return notice("You were not connected, so there was nothing to delete.")


def not_connected(reason: str = "") -> Message:
    """Ask the person to connect, with a button that opens the connect modal."""
    text = reason or "You have not connected your Toggl account yet."
    blocks = [
        section(f"{text}\nConnect once with your Toggl API token; only you see your data. {TOKEN_HELP}"),
        actions(button("Connect Toggl", CONNECT_ACTION, "connect", style="primary")),
    ]
    return message(text, blocks)


def connect_prompt() -> Message:
    """Where no form can be opened directly (a DM, a mention): a button that opens it."""
    text = "Press the button to connect your Toggl account."
    blocks = [
        section(f"{text} {TOKEN_HELP}"),
        actions(button("Connect Toggl", CONNECT_ACTION, "connect", style="primary")),
    ]
    return message(text, blocks)


def connect_in_private() -> Message:
    return notice(
        "Please never paste your Toggl token in a channel: everyone there can read it.",
        "Reset it at https://track.toggl.com/profile, then connect with `/toggl connect` or in a direct message with me.",
    )
