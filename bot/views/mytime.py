"""My time: a person's tracked time per project for a day or a week, with the billable share; the weekly
summary and the workday reminder they opted into; and the replies that turn those on and off.

Pure: `bot.mytime` and `bot.personal` gather the figures; this lays them out, within 50 blocks however
many projects there are (the rest are counted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot import buttons
from bot.figures import day, duration, elapsed, moment, percent, plural
from bot.toggl.models import Project
from bot.views.common import (
    Message,
    actions,
    button,
    context,
    escape,
    header,
    message,
    name,
    notice,
    pack,
    project_link,
    section,
)
from bot.views.timers import RESTART_ACTION

LINES_SHOWN = 40
SUMMARY_OFF = "`summary weekly off` stops it."
REMIND_OFF = "`remind off` stops it."
BILLABLE_UNKNOWN = "billable share unknown (Toggl's report gave no billable split)"
"""When no row of the report carries `rates`: on Toggl's free plan billable time is not a feature, so the report
cannot say how much was billable."""


@dataclass(frozen=True)
class ProjectTime:
    """Time on one project (`project` None with a `project_id`: one not in the copy; both None: no project)."""

    project: Project | None
    project_id: int | None
    seconds: int
    billable_seconds: int | None
    """None when Toggl's report gives no billable split for it (not the same as none billable)."""


def _line(row: ProjectTime, workspace_id: int) -> str:
    if row.project is not None:
        client = f" · _{name(row.project.client_name)}_" if row.project.client_name else ""
        label = f"{project_link(row.project, workspace_id)}{client}"
    elif row.project_id is not None:
        label = f"*project {row.project_id}*"
    else:
        label = "_No project_"
    billable = f" · {percent(row.billable_seconds, row.seconds)}% billable" if row.billable_seconds and row.seconds else ""
    return f"• {label} — {duration(row.seconds)}{billable}"


def _total(rows: list[ProjectTime]) -> str:
    """The time and its billable share; the share is unknown, never "none", when the report gives no split at all."""
    seconds = sum(r.seconds for r in rows)
    known = [r.billable_seconds for r in rows if r.billable_seconds is not None]
    billable = sum(known)
    if not known:
        share = f" · {BILLABLE_UNKNOWN}"
    elif billable and seconds:
        share = f" · {duration(billable)} billable ({percent(billable, seconds)}%)"
    else:
        share = " · none billable"
    return f"*{duration(seconds)}* tracked{share}"


def time_report(
    title: str,
    rows: list[ProjectTime],
    *,
    workspace_id: int,
    workspace_name: str = "",
    nothing: str = "Nothing tracked.",
    notes: list[str] | None = None,
) -> Message:
    """`title` (`Today, Mon 23 Nov 2026`), the total, then one line per project, most time first."""
    where = f" in *{escape(workspace_name)}*" if workspace_name else ""
    shown = sorted((r for r in rows if r.seconds > 0), key=lambda r: (-r.seconds, r.project_id is None, r.project_id or 0))
    notes = [n for n in notes or [] if n]
    if not shown:
        text = f"{title}{where}: {nothing}"
        blocks = [header(title), section(f"{nothing}{where and ' (' + where.strip() + ')'}")]
        return message(text, blocks + ([context(" ".join(notes))] if notes else []))
    lines = [_line(r, workspace_id) for r in shown[:LINES_SHOWN]]
    if len(shown) > LINES_SHOWN:
        lines.append(f"…and {plural(len(shown) - LINES_SHOWN, 'more project')}.")
    total = _total(shown)
    blocks = [header(title), section(f"{total}{where}"), *pack("", lines)]
    if notes:
        blocks.append(context(" ".join(notes)))
    return message(f"{title}: {total}{where}", blocks)


def period_title(period: str, start: dt.date, end: dt.date) -> str:
    """`Today, Mon 23 Nov 2026`, `This week, Mon 23 – Sun 29 Nov 2026`, `Last week, …`."""
    if period == "today":
        return f"Today, {start:%a} {day(start)}"
    span = f"{start:%a} {start.day}{' ' + format(start, '%b') if start.month != end.month else ''}"
    span += f"{' ' + str(start.year) if start.year != end.year else ''} – {end:%a} {day(end)}"
    return f"{'This week' if period == 'week' else 'Last week'}, {span}"


REPORTS_NOTE = "From Toggl's reports, which count a timer once it stops."


def running_note(description: str | None, since: str, ran: int) -> str:
    return f"Not counted yet: *{name(description, '(no description)')}*, running since {since} ({elapsed(ran)})."


START_ACTION = RESTART_ACTION
"""The reminder's Start button is a Restart of nothing: a second press starts no second timer, as with every Start
button."""


def reminder(today: dt.date, at_time: str, workspace_id: int | None = None) -> Message:
    """Nothing tracked today; with `workspace_id`, a Start button that starts a timer there at once (without a
    description, which the person can add in Toggl or by typing `start <description>` instead)."""
    text = f"You have not tracked any time today ({today:%a} {day(today)})."
    detail = "`start <what you are working on> [project:<name>]` starts a timer; or add the time in Toggl."
    blocks = [section(f":alarm_clock: {text}\n{detail}")]
    if workspace_id is not None:
        value = buttons.encode(buttons.Restart(ws=workspace_id))
        blocks.append(actions(button("Start a timer", START_ACTION, value, style="primary"), block_id="timer"))
    blocks.append(context(f"A reminder on workdays at {at_time}. {REMIND_OFF}"))
    return message(text, blocks)


def summary_footer(weekday: str, at_time: str, zone: str) -> str:
    return f"Your weekly summary, every {weekday} at {at_time} ({escape(zone)}). {SUMMARY_OFF}"


def summary_on(weekday: str, at_time: str, zone: str, next_at: dt.datetime) -> Message:
    return notice(
        f"I will send you a summary of your week every {weekday} at {at_time} ({escape(zone)}), in our direct messages.",
        f"It covers the week before: time per project and the billable share. The first comes {moment(next_at)}. "
        f"{SUMMARY_OFF}",
    )


def summary_off(had: bool) -> Message:
    return notice("The weekly summary is off." if had else "You had no weekly summary; nothing changed.")


def remind_on(at_time: str, zone: str, next_at: dt.datetime) -> Message:
    return notice(
        f"On workdays at {at_time} ({escape(zone)}) I will remind you in our direct messages if you have tracked nothing "
        "that day.",
        f"The next check is {moment(next_at)}. {REMIND_OFF}",
    )


def remind_off(had: bool) -> Message:
    return notice("Reminders are off." if had else "You had no reminder; nothing changed.")
