"""What a person asked for, as frozen values: the parser makes them, answers and buttons act on them.

Pure: no I/O. One class per command; `Command` is every one of them, `DigestCommand` the digest's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

MAX_TEXT = 255
"""Longest name or search text kept (Toggl's own names are at most 255 characters)."""
MAX_DESCRIPTION = 500
"""Longest time entry description kept: a Restart button carries it, and a button's value holds 2,000 characters."""
MAX_INPUT = 4000
"""Characters of a message or command read at all: more than any real command, so a megabyte of text
costs no more to parse than this."""

ProjectStatus = Literal["active", "archived", "all"]
ProjectSort = Literal["name", "risk"]


@dataclass(frozen=True)
class Help:
    """Show the help; `unknown` holds words that were not understood, `suggestion` what they may have meant."""

    unknown: str = ""
    suggestion: str | None = None


@dataclass(frozen=True)
class Greet:
    """A hello: answered with a short welcome, not the whole help."""


@dataclass(frozen=True)
class Connect:
    """Connect a Toggl account; without a token, a modal asks for it."""

    token: str | None = dataclasses.field(default=None, repr=False)


@dataclass(frozen=True)
class Disconnect:
    """Forget the person's token."""


@dataclass(frozen=True)
class ShowMe:
    """Who the connected Toggl account is."""


@dataclass(frozen=True)
class ListWorkspaces:
    """The workspaces the person can use, marking the current one."""


@dataclass(frozen=True)
class SwitchWorkspace:
    """Make another workspace the default, by name or id."""

    query: str


@dataclass(frozen=True)
class ListProjects:
    """Projects of a workspace (the current one unless a button named another), filtered, one page."""

    status: ProjectStatus = "active"
    client: str | None = None
    text: str | None = None
    page: int = 1
    over: bool = False
    """Only projects at or over the person's threshold (80% unless their digest says otherwise)."""
    sort: ProjectSort = "name"
    workspace_id: int | None = None


@dataclass(frozen=True)
class ListTasks:
    """Tasks of one project, found by id or name; done ones only with `all`."""

    project: str
    include_done: bool = False
    page: int = 1
    workspace_id: int | None = None


@dataclass(frozen=True)
class PickProject:
    """`tasks` without a project: ask which one, with a menu."""

    include_done: bool = False


@dataclass(frozen=True)
class Invalid:
    """Words that name a command but are wrong in a detail: `reason` says what, `usage` how to write it."""

    reason: str
    usage: str = ""


@dataclass(frozen=True)
class StartTimer:
    """Start a running time entry now. `project` is a name or id as typed; a button names it by id, in
    `workspace_id`, and a Restart button also carries the task and whether the entry was billable."""

    description: str = ""
    project: str | None = None
    workspace_id: int | None = None
    task_id: int | None = None
    billable: bool | None = None
    task: str | None = None
    """A task of the project, by name or id as typed (`task:`); a button or form names it by `task_id`."""
    tags: tuple[str, ...] = ()
    """Tag names (`#tag`); Toggl makes those the workspace lacks."""


@dataclass(frozen=True)
class StopTimer:
    """Stop the running entry; a Stop button names the one it was made for (and only that one is stopped)."""

    entry_id: int | None = None
    workspace_id: int | None = None


@dataclass(frozen=True)
class ShowTimer:
    """`now`: the running entry, or the last one."""


Period = Literal["today", "week"]


@dataclass(frozen=True)
class MyTime:
    """The person's own tracked time per project, today or this week, in their Toggl time zone."""

    period: Period


@dataclass(frozen=True)
class WeeklySummary:
    """Opt in to (or out of) a summary of one's week, sent by DM on the first workday morning."""

    on: bool


@dataclass(frozen=True)
class Reminder:
    """A DM on workdays at `at` (HH:MM) when nothing was tracked that day; None turns it off."""

    at: str | None


Cadence = Literal["daily", "weekdays", "weekly"]


@dataclass(frozen=True)
class DigestSubscribe:
    """Subscribe this channel to a digest; `None` fields take defaults (weekdays, 09:00, the person's time zone).

    With no detail at all (`bare`), the person is shown a form instead.
    """

    cadence: Cadence | None = None
    weekday: int | None = None
    at: str | None = None
    timezone: str | None = None
    threshold: int | None = None

    @property
    def bare(self) -> bool:
        return self == DigestSubscribe()


@dataclass(frozen=True)
class DigestUnsubscribe:
    """Remove one's own subscription of this channel, number `number` of `digest list`, or one by id (a button)."""

    number: int | None = None
    subscription_id: int | None = None


@dataclass(frozen=True)
class DigestList:
    """This channel's subscriptions and who owns each."""


@dataclass(frozen=True)
class DigestPreview:
    """The digest as it would be posted now, shown privately."""


@dataclass(frozen=True)
class DigestThreshold:
    """Warn about projects from this percent of their estimate."""

    percent: int


@dataclass(frozen=True)
class DigestMute:
    """Leave a project out of the digest (`unmute` puts it back); a button names the subscription and workspace."""

    project: str
    mute: bool = True
    subscription_id: int | None = None
    workspace_id: int | None = None


@dataclass(frozen=True)
class DigestEmpty:
    """Whether a digest with nothing to report is posted ("all within estimate") or skipped."""

    post: bool


@dataclass(frozen=True)
class DigestAlerts:
    """Real-time alerts for the asker's digest in this channel (`bot.alerts`)."""

    on: bool


# -- the team lead's view (issue 21) -------------------------------------------------------------------


@dataclass(frozen=True)
class TeamSubscribe:
    """Post everyone's tracked time in this channel; `None` fields take defaults (weekdays, 09:00, the asker's zone,
    nobody marked). `min_minutes` marks people under it in the period covered (a day, or the week)."""

    cadence: Cadence | None = None
    weekday: int | None = None
    at: str | None = None
    timezone: str | None = None
    min_minutes: int | None = None


@dataclass(frozen=True)
class TeamUnsubscribe:
    """Stop this channel's team post (a button names it by id)."""

    post_id: int | None = None


@dataclass(frozen=True)
class TeamPreview:
    """The channel's team post as it would be posted now, shown privately."""


@dataclass(frozen=True)
class TeamMe:
    """What the team posts said about the asker."""


@dataclass(frozen=True)
class TeamNudge:
    """Let team posts mention the asker and nudge them by DM when under the minimum (on), or not (off)."""

    on: bool


TeamCommand = TeamSubscribe | TeamUnsubscribe | TeamPreview | TeamMe | TeamNudge
"""The `team ...` words, answered by `bot.team.manage`."""

# -- capture: time logged after the fact, and what undoes it (issue 20) ---------------------------------

DayWord = str
"""`today`, `yesterday` or a `YYYY-MM-DD`: which day, in the person's Toggl time zone (the feature resolves it)."""


@dataclass(frozen=True)
class LogTime:
    """A stopped entry of `seconds` on `day`, after the fact. Without `start_at` (HH:MM), today's entry ends now
    and another day's starts at 09:00. Options as `start`'s."""

    seconds: int
    day: DayWord = "today"
    description: str = ""
    project: str | None = None
    task: str | None = None
    billable: bool | None = None
    tags: tuple[str, ...] = ()
    start_at: str | None = None
    workspace_id: int | None = None
    task_id: int | None = None


@dataclass(frozen=True)
class DeleteEntry:
    """Undo a `log`: delete exactly that entry (its Undo button names it), nothing else."""

    entry_id: int
    workspace_id: int


@dataclass(frozen=True)
class EditEntry:
    """The Edit form's submission: the entry's new description, project (by id), task (typed), billable flag (None:
    as the project says) and tags."""

    entry_id: int
    workspace_id: int
    description: str = ""
    project: str | None = None
    task: str | None = None
    billable: bool | None = None
    tags: tuple[str, ...] = ()


# -- end of capture ---------------------------------------------------------------------------------------


DigestCommand = DigestSubscribe | DigestUnsubscribe | DigestList | DigestPreview | DigestThreshold | DigestMute | DigestEmpty
"""The `digest ...` words, answered by `bot.digest.manage`."""

Command = (
    Help
    | Greet
    | Invalid
    | Connect
    | Disconnect
    | ShowMe
    | ListWorkspaces
    | SwitchWorkspace
    | ListProjects
    | ListTasks
    | PickProject
    | DigestSubscribe
    | DigestUnsubscribe
    | DigestList
    | DigestPreview
    | DigestThreshold
    | DigestMute
    | DigestEmpty
    | DigestAlerts
    | StartTimer
    | StopTimer
    | ShowTimer
    | MyTime
    | WeeklySummary
    | Reminder
    | TeamSubscribe
    | TeamUnsubscribe
    | TeamPreview
    | TeamMe
    | TeamNudge
    | LogTime
    | DeleteEntry
    | EditEntry
)

READ_ONLY = (
    Help,
    Greet,
    Invalid,
    ShowMe,
    ListWorkspaces,
    ListProjects,
    ListTasks,
    PickProject,
    ShowTimer,
    MyTime,
    DigestList,
    DigestPreview,
    TeamPreview,
    TeamMe,
)
"""Commands that only read: run twice, they answer twice and change nothing. So they run even when the database
cannot record their signature (a person asking for `help` during an outage gets it), and an instance taking
over a dead one's work runs them again rather than saying it cannot tell whether they happened."""
