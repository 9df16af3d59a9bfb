"""Pure Block Kit of alerts: the post in the channel, and the private replies to `digest alerts on|off`."""

from __future__ import annotations

import datetime as dt

from bot.alerts.rules import ESTIMATE, level_name
from bot.figures import moment
from bot.toggl.models import Project
from bot.views.common import Message, against_estimate, channel_ref, context, message, name, notice, project_link, section

POLL_MINUTES = 10
"""Said in replies: how often the periodic check looks when there are no webhooks (`watch.POLL_SECONDS`)."""


def alert_message(
    project: Project,
    tracked: int,
    estimate: int,
    level: str,
    *,
    threshold: int,
    owner_id: str,
    workspace_name: str,
    workspace_id: int,
    at: dt.datetime,
) -> Message:
    """The post the moment a project crosses a level: which project, its figure, and whose data it is."""
    link = project_link(project, workspace_id)
    crossed = "its estimate" if level_name(level) == ESTIMATE else f"{threshold}% of its estimate"
    period = " this period" if project.recurring else ""
    icon = ":rotating_light:" if level_name(level) == ESTIMATE else ":large_orange_circle:"
    stamp = f"{moment(at)} {at.tzname() or ''}".strip()
    footer = context(
        f"From the Toggl data of <@{owner_id}> (workspace {name(workspace_name, 'unknown')}), {stamp}"
        f" · real-time alert of this channel's digest · `/toggl digest alerts off`"
    )
    return message(
        f"{name(project.name)} crossed {crossed}{period}",  # escaped: a project named <!channel> must not ping
        [section(f"{icon} {link} crossed {crossed}{period}: {against_estimate(tracked, estimate)}"), footer],
    )


def alerts_on(channel_id: str, threshold: int, *, how: str, member_note: str) -> Message:
    text = (
        f":bell: Real-time alerts are on in {channel_ref(channel_id)}: a post the moment one of your projects crosses "
        f"{threshold}% of its estimate or the estimate itself, once per crossing. Muted projects stay quiet."
    )
    return message(text, [section(text), *([context(how)] if how else []), *([context(member_note)] if member_note else [])])


def alerts_off(channel_id: str, was_on: bool) -> Message:
    if not was_on:
        return notice(f"Real-time alerts were not on for your digest in {channel_ref(channel_id)}.")
    return notice(f":no_bell: Real-time alerts are off in {channel_ref(channel_id)}. The digest itself goes on.")


def no_digest_here(channel_id: str) -> Message:
    return notice(
        f"Alerts belong to a digest, and you have none in {channel_ref(channel_id)}.",
        "Start one with `/toggl digest subscribe`, then `/toggl digest alerts on`.",
    )


WEBHOOK_HOW = "Toggl tells the app of each change as it happens (a webhook), so alerts come within seconds."
MEMBER_NOTE = (
    "Your Toggl role in this workspace is not admin, so alerts see the time you can see in Toggl. A workspace "
    "admin who turns alerts on sees everyone's time."
)


def polling_how(reason: str) -> str:
    return f"{reason} So the app checks Toggl every {POLL_MINUTES} minutes instead; alerts come within that."
