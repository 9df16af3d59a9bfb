"""What a button, a menu option or a block id may carry: data, typed and range-checked, never a whole command.

Slack hands back whatever value a message was built with, and anyone in the channel can press a
button on a digest; a value is also just text a client could forge. So each value is one of the
models below (a pydantic discriminated union on `k`), with every id and page in range, and
anything else is refused with a friendly sentence. `to_command` turns the data into the command
the person would have typed; the service still checks that they may see or change what it names.

Values are compact JSON (`{"k":"tasks","ws":12,"pid":34}`): an option's value must fit 150 characters.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from bot.commands import (
    MAX_DESCRIPTION,
    MAX_TEXT,
    Command,
    DeleteEntry,
    DigestMute,
    DigestUnsubscribe,
    ListProjects,
    ListTasks,
    ProjectSort,
    ProjectStatus,
    Reminder,
    StartTimer,
    StopTimer,
    SwitchWorkspace,
    TeamNudge,
    TeamUnsubscribe,
    WeeklySummary,
    parse,
)

MAX_ID = 2**53
"""Toggl's and our ids are positive integers that survive a trip through JavaScript."""

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Page = Annotated[int, Field(ge=1, le=100_000)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
ChannelId = Annotated[str, Field(pattern=r"^[CDG][A-Z0-9]{2,30}$")]
Description = Annotated[str, Field(min_length=1, max_length=MAX_DESCRIPTION)]
TimeOfDay = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectsPage(_Value):
    """A page of a project list, in the workspace it was made from (an old button never shows another's)."""

    k: Literal["projects"] = "projects"
    ws: Id
    status: ProjectStatus = "active"
    client: Text | None = None
    text: Text | None = None
    over: bool = False
    sort: ProjectSort = "name"
    page: Page = 1


class TasksPage(_Value):
    """A page of one project's tasks, in its workspace: paging, choosers, menus and "Show tasks"."""

    k: Literal["tasks"] = "tasks"
    ws: Id
    pid: Id
    all: bool = False
    page: Page = 1


class MuteProject(_Value):
    """Leave a project out of a digest: `sub` names the subscription (a digest's own menu), else the presser's here."""

    k: Literal["mute"] = "mute"
    ws: Id
    pid: Id
    sub: Id | None = None


class Suggested(_Value):
    """Words the app suggested ("Did you mean `projects`?"): run as if the presser typed them."""

    k: Literal["run"] = "run"
    words: Text


class OpenConnect(_Value):
    """Open the connect form."""

    k: Literal["connect"] = "connect"


class OpenDigestForm(_Value):
    """Open the digest form, for this channel (or, from the Home tab, one the person picks)."""

    k: Literal["digest_form"] = "digest_form"
    channel: ChannelId | None = None


class EditDigest(_Value):
    """Open the digest form filled in with one of the presser's subscriptions."""

    k: Literal["edit_digest"] = "edit_digest"
    sub: Id


class StopDigest(_Value):
    """Remove one of the presser's subscriptions (the Home tab's Stop)."""

    k: Literal["stop_digest"] = "stop_digest"
    sub: Id


class SetAlerts(_Value):
    """Turn one of the presser's digests' real-time alerts on or off (the Home tab's switch)."""

    k: Literal["alerts"] = "alerts"
    sub: Id
    on: bool


class SwitchTo(_Value):
    """Make this workspace the presser's default (the Home tab's menu, and "which workspace?" menus)."""

    k: Literal["switch"] = "switch"
    ws: Id


class RefreshHome(_Value):
    """Fetch the Home tab's projects again now."""

    k: Literal["refresh"] = "refresh"


class OpenInToggl(_Value):
    """The overflow menu's link: Slack opens the URL and still tells the app, which has nothing to do."""

    k: Literal["open"] = "open"


class ProjectMenu(_Value):
    """Carried in a type-ahead menu's block id: whose projects to offer, and what choosing one does
    (with `start`, `d` is the description of the timer to start)."""

    k: Literal["menu"] = "menu"
    ws: Id
    then: Literal["tasks", "mute", "start"] = "tasks"
    all: bool = False
    sub: Id | None = None
    d: Description | None = None


class StartOn(_Value):
    """Start a timer with description `d` on the project chosen (several fitted the name typed)."""

    k: Literal["start"] = "start"
    ws: Id
    pid: Id
    d: Description | None = None


class StopEntry(_Value):
    """Stop this running time entry (and no other: an old Stop button never stops a newer timer)."""

    k: Literal["stop"] = "stop"
    ws: Id
    id: Id


class Restart(_Value):
    """Start a new timer like an earlier entry: its description, project, task and billable flag."""

    k: Literal["restart"] = "restart"
    ws: Id
    pid: Id | None = None
    tid: Id | None = None
    d: Description | None = None
    b: bool = False


class SetSummary(_Value):
    """Turn the presser's weekly summary on or off (the Home tab)."""

    k: Literal["summary"] = "summary"
    on: bool


class SetReminder(_Value):
    """Set the presser's workday reminder to `at` (HH:MM), or turn it off (the Home tab)."""

    k: Literal["remind"] = "remind"
    at: TimeOfDay | None = None


# -- the team lead's view (issue 21) -------------------------------------------------------------------


class OpenLog(_Value):
    """The nudge's Log button: the form that logs time after the fact (the `log_time` shortcut's)."""

    k: Literal["log"] = "log"


class SetTeamNudge(_Value):
    """Let team posts mention the presser and nudge them by DM, or not (the Home tab)."""

    k: Literal["team_nudge"] = "team_nudge"
    on: bool


class StopTeamPost(_Value):
    """Stop one of the presser's team posts (the Home tab's Stop)."""

    k: Literal["stop_team"] = "stop_team"
    post: Id


# -- capture (issue 20): Undo of a logged entry, Edit of the running one, and the entry forms' metadata ------


class UndoEntry(_Value):
    """Delete this entry, made by `log` (and no other: the button names it)."""

    k: Literal["undo"] = "undo"
    ws: Id
    id: Id


class EditRunning(_Value):
    """Open the Edit form for this entry (the running one when the button was drawn)."""

    k: Literal["edit_entry"] = "edit_entry"
    ws: Id
    id: Id


class EntryFormMeta(_Value):
    """What an entry form carries in its `private_metadata`: which form (start a timer from a message, log time
    after the fact, edit the running entry), its workspace, the entry edited, and the channel of the message
    (where the project used is remembered for the next time)."""

    k: Literal["entry_form"] = "entry_form"
    form: Literal["start", "log", "edit"]
    ws: Id
    id: Id | None = None
    channel: ChannelId | None = None


class PendingStart(_Value):
    """The connect form, opened by the message shortcut for a person not yet connected: the timer to offer after."""

    k: Literal["pending_start"] = "pending_start"
    d: Annotated[str, Field(max_length=2900)] = ""
    channel: ChannelId | None = None


# -- end of capture ------------------------------------------------------------------------------------------


ButtonValue = (
    ProjectsPage
    | TasksPage
    | MuteProject
    | Suggested
    | OpenConnect
    | OpenDigestForm
    | EditDigest
    | StopDigest
    | SetAlerts
    | SwitchTo
    | RefreshHome
    | OpenInToggl
    | ProjectMenu
    | StartOn
    | StopEntry
    | Restart
    | SetSummary
    | SetReminder
    | OpenLog
    | SetTeamNudge
    | StopTeamPost
    | UndoEntry
    | EditRunning
    | EntryFormMeta
    | PendingStart
)
_ADAPTER: TypeAdapter[ButtonValue] = TypeAdapter(Annotated[ButtonValue, Field(discriminator="k")])
MAX_VALUE = 2000


def encode(value: ButtonValue) -> str:
    """The value as compact JSON: the kind, then only the fields that differ from their defaults."""
    fields = value.model_dump(mode="json", exclude_defaults=True, exclude={"k"})
    return json.dumps({"k": value.k, **fields}, separators=(",", ":"), ensure_ascii=False)


def decode(raw: str | None) -> ButtonValue | None:
    """The value a button carried, or None when it is not one we make (old, damaged or forged)."""
    if not raw or len(raw) > MAX_VALUE:
        return None
    try:
        return _ADAPTER.validate_json(raw)
    except (ValidationError, ValueError):
        return None


def to_command(value: ButtonValue) -> Command | None:
    """The command the person would have typed for this value; None for values that open a form or act on Home."""
    match value:
        case ProjectsPage():
            return ListProjects(
                status=value.status,
                client=value.client,
                text=value.text,
                page=value.page,
                over=value.over,
                sort=value.sort,
                workspace_id=value.ws,
            )
        case TasksPage():
            return ListTasks(project=str(value.pid), include_done=value.all, page=value.page, workspace_id=value.ws)
        case MuteProject():
            return DigestMute(project=str(value.pid), subscription_id=value.sub, workspace_id=value.ws)
        case Suggested():
            return parse(value.words)
        case StopDigest():
            return DigestUnsubscribe(subscription_id=value.sub)
        case SwitchTo():
            return SwitchWorkspace(query=str(value.ws))
        case StartOn():
            return StartTimer(description=value.d or "", project=str(value.pid), workspace_id=value.ws)
        case Restart():
            project = str(value.pid) if value.pid is not None else None
            return StartTimer(
                description=value.d or "", project=project, workspace_id=value.ws, task_id=value.tid, billable=value.b
            )
        case StopEntry():
            return StopTimer(entry_id=value.id, workspace_id=value.ws)
        case SetSummary():
            return WeeklySummary(on=value.on)
        case SetReminder():
            return Reminder(at=value.at)
        case SetTeamNudge():
            return TeamNudge(on=value.on)
        case StopTeamPost():
            return TeamUnsubscribe(post_id=value.post)
        case UndoEntry():
            return DeleteEntry(entry_id=value.id, workspace_id=value.ws)
    return None


def projects_page(command: ListProjects, workspace_id: int, page: int) -> ProjectsPage:
    """The button value for another page of the list `command` made in `workspace_id`."""
    return ProjectsPage(
        ws=workspace_id,
        status=command.status,
        client=command.client or None,
        text=command.text or None,
        over=command.over,
        sort=command.sort,
        page=max(1, page),
    )
