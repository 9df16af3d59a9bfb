"""The digest message, and the replies to the `digest ...` words.

A digest can list hundreds of projects; a message holds 50 blocks. Each line is its own section,
with a menu (mute, show tasks, open in Toggl); each category shows its most severe items first and
ends with "…and 37 more over estimate": nothing is dropped silently. It says how many projects have
no estimate, and says "all within estimate" only when every project could be judged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot import buttons
from bot.digest.rules import Finding, Report, TaskFinding
from bot.figures import day, day_span, moment, plural
from bot.forecast import DIGEST_HORIZON_DAYS, in_words
from bot.slots import describe
from bot.store import Subscription
from bot.toggl.models import Project
from bot.views.common import (
    MAX_BLOCKS,
    Block,
    Message,
    against_estimate,
    channel_ref,
    context,
    escape,
    header,
    listing,
    message,
    name,
    notice,
    option,
    overflow,
    pack,
    project_link,
    project_url,
    section,
)

ITEMS_PER_CATEGORY = 25
_HORIZON = plural(DIGEST_HORIZON_DAYS // 7, "week") if DIGEST_HORIZON_DAYS % 7 == 0 else plural(DIGEST_HORIZON_DAYS, "day")
"""The digest's forecast horizon in words ("4 weeks"), said wherever heading over is."""
LINE_ACTION = "digest_line"


def _project_line(f: Finding, workspace_id: int | None) -> str:
    tags = []
    period = f.project.current_period
    if f.project.recurring:
        span = day_span(period.start_date, period.end_date) if period and period.start_date and period.end_date else ""
        tags.append(f"this period, {span}" if span else "this period")
    if f.ended:
        tags.append(f"ended {day(f.project.end_date)}" if f.project.end_date else "ended")
    if f.new:
        tags.append("*new*")
    suffix = f" ({', '.join(tags)})" if tags else ""
    ahead = f" · _{in_words(f.forecast)}_" if f.forecast else ""
    if f.reason:
        return f"{project_link(f.project, workspace_id)}: {escape(f.reason)}{suffix}"
    progress = against_estimate(f.tracked_seconds, f.estimate_seconds)
    return f"{project_link(f.project, workspace_id)}: {progress}{suffix}{ahead}"


def _task_line(f: TaskFinding, workspace_id: int | None) -> str:
    progress = against_estimate(f.task.tracked_seconds, f.task.estimated_seconds)
    return f"*{name(f.task.name)}* in {project_link(f.project, workspace_id, bold=False)}: {progress}"


def line_menu(project: Project, workspace_id: int | None, subscription_id: int) -> dict[str, Any] | None:
    """Mute (when there is a subscription to change), show tasks, open in Toggl."""
    wid = project.workspace_id or workspace_id
    if not wid:
        return None
    options = []
    if subscription_id:
        options.append(
            option("Mute in this digest", buttons.encode(buttons.MuteProject(ws=wid, pid=project.id, sub=subscription_id)))
        )
    options.append(option("Show tasks", buttons.encode(buttons.TasksPage(ws=wid, pid=project.id))))
    options.append(option("Open in Toggl", buttons.encode(buttons.OpenInToggl()), url=project_url(wid, project.id)))
    return overflow(LINE_ACTION, options)


@dataclass(frozen=True)
class _Where:
    """What every category of one digest shares: the menus' workspace and subscription, and whether to group by client."""

    workspace_id: int | None
    subscription_id: int
    grouped: bool


def _category(
    title: str,
    items: Sequence[Any],
    noun: str,
    cap: int,
    line: Callable[[Any], str],
    where: _Where,
    *,
    where_all: str = "`/toggl projects over` lists them all",
) -> list[Block]:
    """The category's title, then a section per item (grouped by client), then how many more there are."""
    if not items:
        return []
    blocks: list[Block] = [section(f"*{title}* ({len(items):,})")]
    group: str | None = None
    order = {client: rank for rank, client in enumerate(_client_order(items))}
    for item in sorted(items[:cap], key=lambda i: order[i.project.client_name or ""]):
        client = item.project.client_name or ""
        if where.grouped and client != group:
            group = client
            blocks.append(context(f"_{name(client)}_" if client else "_No client_"))
        menu = line_menu(item.project, where.workspace_id, where.subscription_id)
        blocks.append(section(line(item), **({"accessory": menu} if menu else {})))
    if len(items) > cap:
        blocks.append(context(f"…and {len(items) - cap:,} more {noun}: {where_all}."))
    return blocks


def _client_order(items: Sequence[Any]) -> list[str]:
    """Clients in order of their most severe item (the items come severity-sorted)."""
    order: list[str] = []
    for item in items:
        client = item.project.client_name or ""
        if client not in order:
            order.append(client)
    return order


def counts(report: Report, threshold: int) -> str:
    """`2 over estimate, 1 ended, 1 task over estimate, 3 without an estimate` (plain text: a summary line)."""
    parts = [
        f"{len(report.over):,} over estimate" if report.over else "",
        f"{len(report.ended):,} ended" if report.ended else "",
        f"{len(report.approaching):,} approaching (≥{threshold}%)" if report.approaching else "",
        plural(len(report.tasks_over), "task over estimate", "tasks over estimate") if report.tasks_over else "",
        f"{len(report.unknown):,} unknown this period" if report.unknown else "",
        f"{len(report.heading_over):,} heading over within {_HORIZON}" if report.heading_over else "",
    ]
    found = ", ".join(p for p in parts if p)
    if not found:
        found = _all_within(report)
    if report.without_estimate:
        found += f", {report.without_estimate:,} without an estimate"
    return found


def _all_within(report: Report) -> str:
    if report.judged and not report.without_estimate:
        return "all within estimate"
    if report.judged:
        return "nothing over estimate"
    return "nothing to judge"


def all_within(report: Report) -> str:
    """What an empty digest says: "all within estimate" only when it is so."""
    judged, missing = report.judged, report.without_estimate
    if judged and not missing:
        return (
            ":white_check_mark: The one running project is within its estimate."
            if judged == 1
            else f":white_check_mark: All {judged:,} running projects are within their estimate."
        )
    unjudged = (
        "1 project has no estimate, so I cannot judge it."
        if missing == 1
        else f"{missing:,} projects have no estimate, so I cannot judge them."
    )
    if judged:
        within = (
            "The one project with an estimate is within it."
            if judged == 1
            else f"All {judged:,} projects with an estimate are within it."
        )
        return f":white_check_mark: {within} {unjudged}"
    if missing:
        return f":grey_question: No running project has an estimate: {unjudged} Add estimates in Toggl to see them here."
    return ":zzz: There are no running projects to report on."


def digest_message(
    report: Report,
    *,
    owner_id: str,
    workspace_name: str,
    threshold: int,
    computed_at: dt.datetime,
    muted: int = 0,
    workspace_id: int | None = None,
    subscription_id: int = 0,
) -> Message:
    """The digest as posted: severity first, grouped by client, a menu on each line, a footer naming whose data it is."""
    summary = counts(report, threshold)
    stamp = f"{moment(computed_at)} {computed_at.tzname() or ''}".strip()
    muted_note = f" · {plural(muted, 'project')} muted" if muted else ""
    footer = context(
        f"From the Toggl data of <@{owner_id}> (workspace {name(workspace_name, 'unknown')}), computed {stamp}"
        f" · warns from {threshold}%{muted_note} · `/toggl digest preview`"
    )
    top = [header("Toggl budget digest"), context(summary)]
    if report.empty:
        return message(f"Toggl digest: {summary}", [*top, section(all_within(report)), footer])
    listed = [*report.over, *report.ended, *report.approaching, *report.unknown, *report.heading_over]
    clients = {f.project.client_name or "" for f in listed}
    clients |= {f.project.client_name or "" for f in report.tasks_over}
    grouped = clients != {""}
    where = _Where(workspace_id, subscription_id, grouped)

    def project_line(f: Finding) -> str:
        return _project_line(f, workspace_id)

    def task_line(f: TaskFinding) -> str:
        return _task_line(f, workspace_id)

    cap = ITEMS_PER_CATEGORY
    while True:
        body = [
            *_category(":red_circle: Over estimate", report.over, "over estimate", cap, project_line, where),
            *_category(":checkered_flag: Ended", report.ended, "ended", cap, project_line, where),
            *_category(
                f":large_yellow_circle: Approaching (≥{threshold}%)",
                report.approaching,
                "approaching",
                cap,
                project_line,
                where,
            ),
            *_category(
                ":small_red_triangle: Tasks over estimate", report.tasks_over, "tasks over estimate", cap, task_line, where
            ),
            *_category(":grey_question: Unknown this period", report.unknown, "unknown", cap, project_line, where),
            *_category(
                f":crystal_ball: Heading over within {_HORIZON} at the last four weeks' pace",
                report.heading_over,
                "heading over",
                cap,
                project_line,
                where,
                where_all="`/toggl projects` shows each one's forecast",
            ),
        ]
        if len(top) + len(body) + 1 <= MAX_BLOCKS or cap <= 1:
            break
        cap = max(1, cap // 2)
    return message(f"Toggl digest: {summary}", [*top, *body, footer])


def subscribed(subscription: Subscription, next_at: dt.datetime, can_post: bool) -> Message:
    """The channel is named: a subscription made from the Home tab's form is confirmed in a DM."""
    if subscription.channel_id.startswith("D"):
        where = "you get your Toggl budget digest here"
    else:
        where = f"{channel_ref(subscription.channel_id)} gets your Toggl budget digest"
    text = f"Subscribed: {where} {describe(subscription)}."
    detail = (
        f"The next one is due {moment(next_at)}. It warns from {subscription.threshold}% of an estimate, "
        "uses your Toggl data and says so in its footer."
    )
    if not can_post:
        detail += "\n:warning: I cannot post in this channel yet. Invite me with `/invite @Toggl`, or the digest will fail."
    return notice(text, detail)


def channel_announcement(subscription: Subscription) -> Message:
    return notice(
        f"<@{subscription.user_id}> subscribed this channel to a Toggl budget digest, {describe(subscription)}.",
        "It lists projects that have ended or gone over their time estimate. `/toggl digest list` shows the settings.",
    )


def subscription_list(
    subscriptions: list[Subscription], next_at: Callable[[Subscription], dt.datetime | None], viewer_id: str | None = None
) -> Message:
    """The channel's digests as `viewer_id` sees them: a pause reason told in the subscriber's voice ("you
    disconnected") names the subscriber to anyone else."""
    if not subscriptions:
        return notice("This channel has no digest. `/toggl digest subscribe` starts one.")
    lines = []
    for number, sub in enumerate(subscriptions[:40], start=1):
        state = f" · :double_vertical_bar: paused: {paused_reason(sub, viewer_id)}" if sub.paused_reason else ""
        muted = f" · muted: {', '.join(name(m.get('name')) for m in sub.muted[:10])}" if sub.muted else ""
        empty = " · skips empty digests" if sub.skip_empty else ""
        when = None if sub.paused_reason else next_at(sub)
        upcoming = f" · next {moment(when)}" if when else ""
        settings = f"warns from {sub.threshold}%{muted}{empty}{state}{upcoming}"
        lines.append(f"{number}. <@{sub.user_id}>: {escape(describe(sub))} · {settings}")
    return message(
        f"This channel has {plural(len(subscriptions), 'digest subscription')}",
        [*pack("*Digests in this channel*", lines), context("Only the subscriber or a workspace admin can change one.")],
    )


def paused_reason(sub: Subscription, viewer_id: str | None) -> str:
    """Why `sub` is paused, escaped, for `viewer_id`.

    Reasons are stored as the subscriber reads them; only the disconnect reason speaks to them ("you
    disconnected your Toggl account"), so anyone else reads "<@owner> disconnected their Toggl account".
    """
    reason = sub.paused_reason or ""
    if viewer_id != sub.user_id and reason.startswith("you "):
        reason = reason[4:].replace("your ", "their ")
        return f"<@{sub.user_id}> {escape(reason)}"
    return escape(reason)


def digest_failed(channel_ids: list[str], reason: str) -> Message:
    where = listing([channel_ref(c) for c in channel_ids])
    return notice(f"Your Toggl digest for {where} could not be posted: {reason}")


def muted(project_name: str) -> Message:
    return notice(
        f"Muted *{name(project_name)}*: the digest leaves it out. `digest unmute {escape(project_name)}` brings it back."
    )


def unmuted(project_names: list[str]) -> Message:
    names = listing([f"*{name(n)}*" for n in project_names])
    return notice(f"Unmuted {names}: the digest shows {'it' if len(project_names) == 1 else 'them'} again.")
