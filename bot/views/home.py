"""The Home tab: connection, the workspace with a switcher, the timer with Stop, the person's digests, their own
messages (weekly summary, reminder), their projects at risk with forecasts, quick actions.

Pure: `bot.home` gathers the data (from the cache; see there for what it may cost), this lays it out.
Whatever the numbers, it stays within the Home tab's 100 blocks: digests and at-risk projects are
capped, and the rest counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot import buttons
from bot.figures import duration, elapsed, moment, plural, used_percent, weekday_name
from bot.slots import describe
from bot.store import Person, PersonalSchedule, Subscription, TeamPost
from bot.timer import TimerState
from bot.toggl.models import Project, Workspace
from bot.views.account import CONNECT_ACTION, CONNECT_VALUE, workspace_menu
from bot.views.common import (
    MAX_OPTIONS,
    actions,
    button,
    channel_ref,
    confirm_dialog,
    context,
    divider,
    escape,
    header,
    pack,
    section,
    stale_note,
)
from bot.views.projects import Figures, Forecasts, project_line, sort_projects
from bot.views.timers import START_HINT, at, edit_button, restart_button, stop_button, what

MAX_HOME_BLOCKS = 100
DIGESTS_SHOWN = 10
AT_RISK_SHOWN = 15
REMIND_TIME_ACTION = "home_remind_time"
DEFAULT_REMINDER = "17:30"


@dataclass(frozen=True)
class HomeTimer:
    """The timer as the Home tab shows it: what runs (or ran last), on which project, in the person's zone."""

    state: TimerState
    project: Project | None
    zone: ZoneInfo


@dataclass(frozen=True)
class HomeData:
    """Everything the Home tab shows, gathered by `bot.home.home_data`."""

    person: Person | None
    digests: list[Subscription] = field(default_factory=list)
    next_at: dict[int, dt.datetime] = field(default_factory=dict)
    workspaces: list[Workspace] = field(default_factory=list)
    workspace_id: int | None = None
    projects: list[Project] = field(default_factory=list)
    """The workspace's running projects with an estimate (the at-risk ones are picked here)."""
    figures: Figures = field(default_factory=dict)
    threshold: int = 80
    as_of: dt.datetime | None = None
    problem: str = ""
    """Why the projects could not be shown, if they could not."""
    stale: str | None = None
    """Why the projects are the app's copy rather than Toggl's word just now (`Snapshot.stale`), if they are."""
    retry_in: int | None = None
    forecasts: Forecasts = field(default_factory=dict)
    timer: HomeTimer | None = None
    personal: list[PersonalSchedule] = field(default_factory=list)
    """The person's weekly summary and reminder, if they opted in."""
    now: dt.datetime | None = None
    # -- the team lead's view (issue 21) --
    team_posts: list[TeamPost] = field(default_factory=list)
    """The team posts this person subscribed."""
    team_next: dict[int, dt.datetime] = field(default_factory=dict)
    team_nudge: bool = False
    """Whether the person lets team posts mention and nudge them."""


def home_view(data: HomeData) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [header("Toggl for Slack"), *_status(data)]
    connected = data.person is not None and data.person.token_valid
    if connected:
        blocks += _workspace(data) + _timer(data)
    blocks += _digests(data)
    if connected:
        blocks += _personal(data) + _team(data) + _at_risk(data)
    blocks += [divider(), *_quick_actions(data)]
    blocks.append(context("Type the words after `/toggl` anywhere, or send them to me in Messages. Replies are private."))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def _status(data: HomeData) -> list[dict[str, Any]]:
    person = data.person
    if person is None:
        return [
            section("Toggl is not connected. Connect once with your API token; only you see your data."),
            actions(button("Connect Toggl", CONNECT_ACTION, CONNECT_VALUE, style="primary")),
        ]
    if not person.token_valid:
        return [
            section(":warning: Toggl no longer accepts your token. Please connect again; your digests wait, paused."),
            actions(button("Reconnect Toggl", CONNECT_ACTION, CONNECT_VALUE, style="primary")),
        ]
    who = escape(person.toggl_name or "you")
    return [section(f":large_green_circle: Connected as *{who}*. `disconnect` forgets your token.")]


def _workspace(data: HomeData) -> list[dict[str, Any]]:
    current = next((w for w in data.workspaces if w.id == data.workspace_id), None)
    label = f"*{escape(current.name)}*" if current else (f"id {data.workspace_id}" if data.workspace_id else "none chosen")
    menu = workspace_menu(data.workspaces, data.workspace_id, "home_workspace")
    if menu is None:
        return [section(f"Workspace: {label}")]
    more = f" ({len(data.workspaces):,} in all; the menu holds {MAX_OPTIONS})" if len(data.workspaces) > MAX_OPTIONS else ""
    return [section(f"Workspace: {label}{more}", accessory=menu)]


def _timer(data: HomeData) -> list[dict[str, Any]]:
    """What runs, with Stop; or that nothing does, with Restart for the last entry when it is known."""
    timer, now = data.timer, data.now
    if timer is None or now is None:
        return []
    state, today = timer.state, now.astimezone(timer.zone).date()
    as_of = dt.datetime.fromtimestamp(state.as_of, timer.zone)
    note = f"Timer as of {as_of:%H:%M}" + (" (Toggl could not be asked just now)" if state.stale else "")
    if state.running is not None:
        entry = state.running
        since = f"since {at(entry.start, timer.zone, today)} ({elapsed(entry.seconds_at(now))})"
        text = f":stopwatch: {what(entry, timer.project)} · {since}"
        controls = actions(stop_button(entry), edit_button(entry), block_id="home_timer")  # Edit: issue 20
        return [divider(), section(text), controls, context(f"{note} · `stop` or `now` anywhere.")]
    if state.last is not None:
        text = f"Nothing is running. Last: {what(state.last, timer.project)}."
        return [divider(), section(text, accessory=restart_button(state.last)), context(f"{note} · {START_HINT}")]
    return [divider(), section(f"Nothing is running. {START_HINT}"), context(note)]


def _personal(data: HomeData) -> list[dict[str, Any]]:
    """The weekly summary and the workday reminder, each with a switch (the reminder's time with a picker)."""
    kinds = {s.kind: s for s in data.personal}
    summary, reminder = kinds.get("summary"), kinds.get("reminder")
    blocks: list[dict[str, Any]] = [divider(), section("*Messages from me* (in our direct messages)")]
    if summary is not None:
        paused = f" · paused: {escape(summary.paused_reason)}" if summary.paused_reason else ""
        day = weekday_name(summary.weekday or 0)
        text = (
            f"Weekly summary: on, every {day} at {summary.at_time} ({escape(summary.timezone)}), of the week before{paused}"
        )
        toggle = button("Turn off", "home_summary_off", buttons.encode(buttons.SetSummary(on=False)))
    else:
        text = "Weekly summary: off. Your time per project each week, on the first workday morning."
        toggle = button("Turn on", "home_summary_on", buttons.encode(buttons.SetSummary(on=True)), style="primary")
    blocks.append(section(text, accessory=toggle))
    picker: dict[str, Any] = {
        "type": "timepicker",
        "action_id": REMIND_TIME_ACTION,
        "initial_time": reminder.at_time if reminder is not None else DEFAULT_REMINDER,
        "placeholder": {"type": "plain_text", "text": "Remind me at…"},
    }
    if reminder is not None:
        paused = f" · paused: {escape(reminder.paused_reason)}" if reminder.paused_reason else ""
        text = f"Workday reminder: at {reminder.at_time} ({escape(reminder.timezone)}) when nothing was tracked{paused}"
        off = button("Turn off", "home_remind_off", buttons.encode(buttons.SetReminder(at=None)))
        blocks += [section(text), actions(picker, off, block_id="home_reminder")]
    else:
        on = buttons.encode(buttons.SetReminder(at=DEFAULT_REMINDER))
        text = "Workday reminder: off. A nudge on workdays when nothing was tracked; pick a time to turn it on."
        blocks += [
            section(text),
            actions(picker, button(f"Remind me at {DEFAULT_REMINDER}", "home_remind_on", on), block_id="home_reminder"),
        ]
    return blocks


# -- the team lead's view (issue 21) -------------------------------------------------------------------

TEAM_SHOWN = 5


def _team(data: HomeData) -> list[dict[str, Any]]:
    """The person's say about team posts (a switch), and the team posts they subscribed, each with Stop."""
    if data.team_nudge:
        text = "Team posts: they may mention you, and you get a DM on a workday you tracked under a post's minimum."
        toggle = button("Turn off", "home_team_nudge_off", buttons.encode(buttons.SetTeamNudge(on=False)))
    else:
        text = "Team posts: they list your time by name, without mentioning you, and send you no nudges."
        toggle = button("Allow mentions and nudges", "home_team_nudge_on", buttons.encode(buttons.SetTeamNudge(on=True)))
    blocks: list[dict[str, Any]] = [divider(), section(text, accessory=toggle)]
    for post in data.team_posts[:TEAM_SHOWN]:
        when = f"paused: {escape(post.paused_reason)}" if post.paused_reason else ""
        if not when and post.id in data.team_next:
            when = f"next {moment(data.team_next[post.id])}"
        marks = f" · marks under {duration(post.min_seconds)}" if post.min_seconds else ""
        stop = confirm_dialog("Stop this team post?", "The channel will get no more team posts.", "Stop it")
        value = buttons.encode(buttons.StopTeamPost(post=post.id))
        blocks.append(
            section(
                f"Your team post in {channel_ref(post.channel_id)} · {describe(post)}{marks} · {when}",
                accessory=button("Stop", "home_team_stop", value, style="danger", confirm=stop),
            )
        )
    if len(data.team_posts) > TEAM_SHOWN:
        blocks.append(context(f"and {len(data.team_posts) - TEAM_SHOWN:,} more: `/toggl team unsubscribe` in each channel."))
    return blocks


def _digests(data: HomeData) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [divider(), section(f"*Your digests* ({len(data.digests):,})")]
    if not data.digests:
        blocks.append(context("No digest yet: a channel can get a budget digest of your projects every morning."))
    for sub in data.digests[:DIGESTS_SHOWN]:
        when = f"paused: {escape(sub.paused_reason)}" if sub.paused_reason else ""
        if not when and sub.id in data.next_at:
            when = f"next {moment(data.next_at[sub.id])}"
        blocks.append(section(f"{channel_ref(sub.channel_id)} · {describe(sub)} · warns from {sub.threshold}% · {when}"))
        stop = confirm_dialog("Stop this digest?", "The channel will get no more digests from you.", "Stop it")
        alerts = "Alerts: on" if sub.alerts else "Alerts: off"
        blocks.append(
            actions(
                button("Edit", "home_edit", buttons.encode(buttons.EditDigest(sub=sub.id))),
                button(alerts, "home_alerts", buttons.encode(buttons.SetAlerts(sub=sub.id, on=not sub.alerts))),
                button("Stop", "home_stop", buttons.encode(buttons.StopDigest(sub=sub.id)), style="danger", confirm=stop),
            )
        )
    if len(data.digests) > DIGESTS_SHOWN:
        blocks.append(context(f"and {len(data.digests) - DIGESTS_SHOWN:,} more: `/toggl digest list` in each channel."))
    return blocks


def at_risk(data: HomeData) -> list[Project]:
    """Over, or approaching the estimate (from the threshold), riskiest first."""
    risky = [p for p in data.projects if (used_percent(p, data.figures) or 0) >= data.threshold]
    return sort_projects(risky, "risk", data.figures)


def _at_risk(data: HomeData) -> list[dict[str, Any]]:
    current = next((w.name for w in data.workspaces if w.id == data.workspace_id), "")
    where = f" in {escape(current)}" if current and len(data.workspaces) > 1 else ""
    blocks: list[dict[str, Any]] = [divider()]
    if data.problem:
        return [*blocks, section(f"*At risk{where}*\n{escape(data.problem)}")]
    risky = at_risk(data)
    title = f"*At risk{where}* (at or over {data.threshold}% of the estimate)"
    if not risky:
        blocks.append(section(f"{title}\n:white_check_mark: Nothing at or over {data.threshold}%."))
    else:
        lines = [project_line(p, data.figures, data.workspace_id, data.forecasts.get(p.id)) for p in risky[:AT_RISK_SHOWN]]
        if len(risky) > AT_RISK_SHOWN:
            lines.append(f"…and {len(risky) - AT_RISK_SHOWN:,} more: `/toggl projects over`.")
        blocks += pack(title, lines)
    stamp = f"As of {data.as_of:%H:%M}" if data.as_of else "Not fetched yet"
    blocks.append(
        actions(button("Refresh", "home_refresh", buttons.encode(buttons.RefreshHome())), block_id="home_refresh_block")
    )
    blocks.append(context(f"{stamp} · {plural(len(data.projects), 'project')} with an estimate checked."))
    if data.stale and data.as_of:  # Refresh pressed, or the copy too old: say why it is the copy
        blocks.append(context(stale_note(data.as_of, data.stale, data.retry_in)))
    return blocks


def _quick_actions(data: HomeData) -> list[dict[str, Any]]:
    if data.person is None or not data.person.token_valid:
        return [section("*Quick actions*"), actions(_quick("Help", "help", 0))]
    return [
        section("*Quick actions* (answers come to our Messages tab)"),
        actions(
            _quick("My projects", "projects", 0),
            _quick("At risk", "projects over", 1),
            _quick("Today", "today", 3),
            _quick("This week", "week", 4),
            button("New digest", "home_new_digest", buttons.encode(buttons.OpenDigestForm())),
            _quick("Help", "help", 2),
        ),
    ]


def _quick(text: str, words: str, index: int) -> dict[str, Any]:
    return button(text, f"home_quick_{index}", buttons.encode(buttons.Suggested(words=words)))
