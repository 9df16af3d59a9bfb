"""The digest message, and the replies to the `digest ...` words.

A digest can list hundreds of projects; a message holds 50 blocks. Each section shows its most
severe items first and ends with "and 37 more over estimate": nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from bot.digest.rules import Finding, Report, TaskFinding
from bot.digest.schedule import describe
from bot.store import Subscription
from bot.views.common import (
    MAX_BLOCKS,
    Message,
    against_estimate,
    clip,
    context,
    escape,
    header,
    message,
    notice,
    section,
)

SECTION_BUDGET = 2900
NAME_LIMIT = 90
ITEMS_PER_CATEGORY = 25


def _name(text: str | None, fallback: str = "(no name)") -> str:
    return escape(clip(text or fallback, NAME_LIMIT))


def _progress(f: Finding) -> str:
    return against_estimate(f.tracked_seconds, f.estimate_seconds)


def _project_line(f: Finding) -> str:
    tags = []
    if f.project.recurring:
        tags.append("this period")
    if f.ended:
        tags.append(f"ended {f.project.end_date:%-d %b}" if f.project.end_date else "ended")
    if f.new:
        tags.append("*new*")
    if f.reason:
        return f"• *{_name(f.project.name)}*: {escape(f.reason)}"
    suffix = f" ({', '.join(tags)})" if tags else ""
    return f"• *{_name(f.project.name)}*: {_progress(f)}{suffix}"


def _task_line(f: TaskFinding) -> str:
    progress = against_estimate(f.task.tracked_seconds, f.task.estimated_seconds)
    return f"• *{_name(f.task.name)}* in {_name(f.project.name)}: {progress}"


def _grouped(items: Sequence[Any], client_of: Callable[[Any], str | None], line: Callable[[Any], str]) -> list[str]:
    """Lines grouped by client, groups in order of their most severe item (the input is severity-sorted)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for item in items:
        groups[client_of(item) or ""].append(line(item))
    lines = []
    for client, members in groups.items():
        lines.append(f"_{_name(client)}_" if client else "_No client_")
        lines.extend(members)
    return lines


def _pack(title: str, lines: list[str]) -> list[dict]:
    """Lines into as few sections as fit 3,000 characters each, the title on the first."""
    blocks, current = [], title
    for text in lines:
        if len(current) + 1 + len(text) > SECTION_BUDGET:
            blocks.append(section(current))
            current = text
        else:
            current += "\n" + text
    blocks.append(section(current))
    return blocks


def _category(title: str, items: Sequence[Any], noun: str, cap: int, client_of: Callable, line: Callable) -> list[dict]:
    if not items:
        return []
    shown = list(items[:cap])
    lines = _grouped(shown, client_of, line)
    if len(items) > cap:
        lines.append(f"…and {len(items) - cap} more {noun}")
    return _pack(f"*{title}* ({len(items)})", lines)


def counts(report: Report, threshold: int) -> str:
    parts = [
        (len(report.over), "over estimate"),
        (len(report.ended), "ended"),
        (len(report.approaching), f"approaching (≥{threshold}%)"),
        (len(report.tasks_over), "tasks over estimate"),
        (len(report.unknown), "unknown"),
    ]
    return ", ".join(f"{n} {what}" for n, what in parts if n) or "all within estimate"


def digest_message(
    report: Report, *, owner_id: str, workspace_name: str, threshold: int, computed_at: dt.datetime, muted: int = 0
) -> Message:
    """The digest as posted: severity first, grouped by client, a footer naming whose data it is."""
    summary = counts(report, threshold)
    stamp = f"{computed_at:%-d %b %Y %H:%M} {computed_at.tzname() or ''}".strip()
    muted_note = f" · {muted} muted" if muted else ""
    footer = context(
        f"From the Toggl data of <@{owner_id}> (workspace {_name(workspace_name, 'unknown')}), computed {stamp}"
        f" · warns from {threshold}%{muted_note} · `/toggl digest preview`"
    )
    top = [header("Toggl budget digest"), context(summary)]
    if report.empty:
        body = [section(":white_check_mark: All projects are within estimate.")]
        return message(f"Toggl digest: {summary}", [*top, *body, footer])
    cap = ITEMS_PER_CATEGORY
    while True:
        by_client = lambda f: f.project.client_name  # noqa: E731
        body = [
            *_category(":red_circle: Over estimate", report.over, "over estimate", cap, by_client, _project_line),
            *_category(":checkered_flag: Ended", report.ended, "ended", cap, by_client, _project_line),
            *_category(
                f":large_yellow_circle: Approaching (≥{threshold}%)",
                report.approaching,
                "approaching",
                cap,
                by_client,
                _project_line,
            ),
            *_category(
                ":small_red_triangle: Tasks over estimate",
                report.tasks_over,
                "tasks over estimate",
                cap,
                by_client,
                _task_line,
            ),
            *_category(":grey_question: Unknown this period", report.unknown, "unknown", cap, by_client, _project_line),
        ]
        if len(top) + len(body) + 1 <= MAX_BLOCKS or cap <= 1:
            break
        cap = max(1, cap // 2)
    return message(f"Toggl digest: {summary}", [*top, *body, footer])


def subscribed(subscription: Subscription, next_at: dt.datetime, can_post: bool) -> Message:
    text = f"Subscribed: this channel gets your Toggl budget digest {describe(subscription)}."
    detail = f"The next one is due {next_at:%a %-d %b %H:%M}. It uses your Toggl data and says so in its footer."
    if not can_post:
        detail += "\n:warning: I cannot post in this channel yet. Invite me with `/invite @Toggl`, or the digest will fail."
    return notice(text, detail)


def channel_announcement(subscription: Subscription) -> Message:
    return notice(
        f"<@{subscription.user_id}> subscribed this channel to a Toggl budget digest, {describe(subscription)}.",
        "It lists projects that have ended or gone over their time estimate. `/toggl digest list` shows the settings.",
    )


def subscription_list(subscriptions: list[Subscription], next_at: Callable[[Subscription], dt.datetime | None]) -> Message:
    if not subscriptions:
        return notice("This channel has no digest. `/toggl digest subscribe` starts one.")
    lines = []
    for number, sub in enumerate(subscriptions[:40], start=1):
        state = f" · :double_vertical_bar: paused: {escape(sub.paused_reason)}" if sub.paused_reason else ""
        muted = f" · muted: {', '.join(_name(m.get('name')) for m in sub.muted[:10])}" if sub.muted else ""
        empty = " · skips empty digests" if sub.skip_empty else ""
        when = next_at(sub)
        upcoming = f" · next {when:%a %-d %b %H:%M}" if when else ""
        settings = f"warns from {sub.threshold}%{muted}{empty}{state}{upcoming}"
        lines.append(f"{number}. <@{sub.user_id}>: {escape(describe(sub))} · {settings}")
    return message(
        f"This channel has {len(subscriptions)} digest subscription(s)",
        [*_pack("*Digests in this channel*", lines), context("Only the subscriber or a workspace admin can change one.")],
    )


def digest_failed(channel_ids: list[str], reason: str) -> Message:
    channels = ", ".join(f"<#{channel}>" for channel in channel_ids)
    return notice(f"Your Toggl digest for {channels} could not be posted: {reason}")
