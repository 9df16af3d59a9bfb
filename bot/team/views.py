"""What people read of team posts: the post and its thread, the nudge, the refusal, and the replies to `team ...`.

Pure: data in, Block Kit out. A post shows at most `SHOWN` people (those under the minimum first) and folds the
rest into "and N more", with the whole list in the thread, so 200 people stay far within 50 blocks a message.
"""

from __future__ import annotations

import datetime as dt

from bot import buttons
from bot.figures import duration, plural
from bot.slots import describe
from bot.store.team import TeamPost
from bot.team.compose import Member, TeamReport
from bot.team.period import Covered
from bot.views.common import (
    MAX_BLOCKS,
    Block,
    Message,
    actions,
    button,
    channel_ref,
    clip,
    context,
    escape,
    header,
    listing,
    message,
    name,
    notice,
    pack,
    section,
)

SHOWN = 25
"""People in the post itself; the rest fold into "and N more", and the thread has everyone."""
THREAD_BLOCKS = MAX_BLOCKS - 5
"""Sections of one thread message (Slack allows 50 blocks a message)."""
NUDGE_START_ACTION = "team_nudge_start"
LOG_ACTION = "log_time_open"
"""The nudge's Log button: it opens the `log_time` shortcut's form."""
ASK_NUDGE = "`team nudge on` lets team posts mention you and nudges you by DM when you tracked under the minimum."


def _who(member: Member) -> str:
    return f"<@{member.slack_id}>" if member.mention and member.slack_id else f"*{name(member.name)}*"


def member_line(member: Member, min_seconds: int | None) -> str:
    """`• *Ada Lovelace*: 6 h 30 min, 40% billable · Website redesign 4 h, Internal 2 h 30 min, +1 more`."""
    if member.seconds <= 0:
        figures = "nothing tracked"
    else:
        figures = duration(member.seconds)
        if member.billable_seconds is not None:
            figures += f", {round(100 * member.billable_seconds / member.seconds)}% billable"
        top = [f"{name(p, '(no project)')} {duration(s)}" for p, s in member.projects[:3]]
        more = len(member.projects) - len(top)
        figures += " · " + ", ".join(top) + (f", +{more} more" if more else "")
    flag = f" :warning: _under {duration(min_seconds)}_" if member.under and min_seconds is not None else ""
    return clip(f"• {_who(member)}: {figures}{flag}", 600)


def plain_line(member: Member, min_seconds: int | None) -> str:
    """The line without a mention, as `team me` shows it to the person."""
    return member_line(Member(**{**member.__dict__, "mention": False}), min_seconds)


def _title(covered: Covered) -> str:
    return f"Team time: {'week of ' if covered.weekly else ''}{covered.label()}"


def _summary(report: TeamReport) -> str:
    people = plural(len(report.members), "person", "people")
    text = f"{people} · {duration(report.total_seconds)} tracked in *{escape(report.workspace_name)}*"
    if report.min_seconds is not None:
        text += f" · {len(report.under)} under {duration(report.min_seconds)}"
    return text


def footer(report: TeamReport, post: TeamPost | None) -> str:
    """Whose data it is, when it comes, and who may be mentioned."""
    when = f" Posted {describe(post)}." if post is not None else ""
    return (
        f"From <@{report.owner_id}>'s Toggl data, as a workspace admin.{when} Time counts once its timer stops. "
        "People are mentioned only if they said `team nudge on`; `team me` shows what this says about you."
    )


def team_post(report: TeamReport, post: TeamPost | None = None) -> tuple[Message, list[Message]]:
    """The post, and the thread replies with everyone when it folds (none when everyone fits)."""
    lines = [member_line(m, report.min_seconds) for m in report.members]
    title = _title(report.covered)
    blocks: list[Block] = [header(title), context(_summary(report))]
    if not lines:
        blocks.append(section("Nobody in this workspace tracked time then, and I could not list its people."))
    blocks += pack("", lines[:SHOWN])
    folded = len(lines) - SHOWN
    if folded > 0:
        blocks.append(section(f"…and {plural(folded, 'more person', 'more people')}: everyone is in the thread."))
    blocks.append(context(footer(report, post)))
    fallback = f"{title}: {_summary(report).replace('*', '')}"
    main = message(fallback, blocks, unfurl_links=False)
    if folded <= 0:
        return main, []
    thread: list[Message] = []
    sections = pack("", lines)
    for start in range(0, len(sections), THREAD_BLOCKS):
        part = sections[start : start + THREAD_BLOCKS]
        count = f"All {plural(len(lines), 'person', 'people')}" if start == 0 else "Continued"
        thread.append(message(f"{title}: everyone", [context(f"{count}, {report.covered.label()}"), *part]))
    return main, thread


def nudge(covered: Covered, seconds: int, min_seconds: int, workspace_id: int, channel_id: str) -> Message:
    """The DM to a person under the minimum on a workday who said `team nudge on`: Start and Log buttons."""
    text = (
        f"You tracked {duration(seconds)} on {covered.label()}, under the {duration(min_seconds)} the team post in "
        f"{channel_ref(channel_id)} looks for. Missing some time?"
    )
    start = button("Start a timer", NUDGE_START_ACTION, buttons.encode(buttons.Restart(ws=workspace_id)), style="primary")
    log = button("Log time", LOG_ACTION, buttons.encode(buttons.OpenLog()))
    return message(
        text.replace("*", ""),
        [
            section(text),
            actions(start, log),
            context("You get this because you said `team nudge on`; `team nudge off` stops it and the mentions."),
        ],
    )


def refusal(admins: list[str] | None, workspace_name: str | None = None) -> Message:
    """A member asked for a team post: only a Toggl workspace admin may, and who those are, if the member may know."""
    where = f" of *{escape(workspace_name)}*" if workspace_name else ""
    text = (
        f"Only a Toggl workspace admin{where} can set up a team post: it shows everyone's tracked time, read with "
        "the admin's own Toggl token."
    )
    if admins:
        shown = [f"*{name(a)}*" for a in admins[:10]]
        if len(admins) > 10:
            shown.append(f"{len(admins) - 10} more")
        detail = f"Ask {listing(shown, 'or')} to run `/toggl team subscribe` here."
    elif admins == []:
        detail = "Toggl lists no admin for this workspace that I can see; its owner can make someone admin."
    else:
        detail = "Toggl does not let your account see who the workspace's admins are; ask the person who runs it."
    return notice(text, detail)


def subscribed(post: TeamPost, next_at: dt.datetime, can_post: bool) -> Message:
    minimum = f", marking people under {duration(post.min_seconds)}" if post.min_seconds else ""
    text = (
        f"This channel gets a team post {describe(post)}{minimum}, from your Toggl data. "
        f"The next one: {next_at.astimezone(dt.UTC):%a %d %b %H:%M} UTC."
    )
    detail = "`team preview` shows it now, privately; `team unsubscribe` stops it."
    if not can_post:
        detail = "I am not in this channel yet: invite me with `/invite @Toggl`, or the post cannot go out. " + detail
    return notice(text, detail)


def announcement(post: TeamPost) -> Message:
    """Said once in the channel: everyone's time will be posted here, and how to have a say."""
    text = (
        f"<@{post.user_id}> set up a team post here: each person's tracked time in Toggl, {describe(post)}. "
        f"People are named, and mentioned only if they say `/toggl team nudge on`."
    )
    return notice(text, "`/toggl team me` shows what it says about you.")


def paused(post: TeamPost, reason: str) -> Message:
    """Said once in the channel when the post stops: the admin's token is gone or refused."""
    return notice(
        f"The team post here is paused: {reason}.",
        f"It resumes when <@{post.user_id}> connects again with `/toggl connect`, or another admin subscribes.",
    )


def unsubscribed(mine: bool, owner: str, channel_id: str) -> Message:
    whose = "your" if mine else f"<@{owner}>'s"
    return notice(f"Stopped {whose} team post in {channel_ref(channel_id)}.")


def nudge_set(on: bool) -> Message:
    if on:
        return notice(
            "Team posts may now mention you, and you get a DM on a workday you tracked under a team post's minimum.",
            "`team nudge off` stops both.",
        )
    return notice("Team posts no longer mention you, and you get no nudges. They still list your time by name.")


def team_me(said: list[tuple[str, str, str]], nudge_on: bool) -> Message:
    """What the last team posts said about the person: (channel, period, line) each."""
    if not said:
        text = "No team post has said anything about you yet (or I do not know which Toggl person you are)."
    else:
        text = "\n".join(f"{channel_ref(channel)} ({period}): {line}" for channel, period, line in said)
    setting = "on: posts may mention you and you get nudges" if nudge_on else "off: no mentions, no nudges"
    return message(
        text.replace("*", ""),
        [section(clip(text, 2900)), context(f"`team nudge` is {setting}. {ASK_NUDGE if not nudge_on else ''}".strip())],
    )
