"""Words in, commands out: turns what a person typed into a frozen value the rest of the app acts on.

Pure: no I/O. The same grammar serves `/toggl ...`, a direct message and a mention. Anything
not understood becomes `Help`, carrying the words that were not understood so the reply can
say so. Commands also round-trip through `encode`/`decode`, which is how a paging button
carries exactly the query that made its page.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import shlex
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MAX_TEXT = 255
"""Longest name or search text kept (Toggl's own names are at most 255 characters)."""
MAX_INPUT = 4000
"""Characters of a message or command read at all: more than any real command, so a megabyte of text
costs no more to parse than this."""

ProjectStatus = Literal["active", "archived", "all"]


@dataclass(frozen=True)
class Help:
    """Show the help; `unknown` holds words that were not understood, if any."""

    unknown: str = ""


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
    """Projects of the current workspace, filtered, one page of the list."""

    status: ProjectStatus = "active"
    client: str | None = None
    text: str | None = None
    page: int = 1


@dataclass(frozen=True)
class ListTasks:
    """Tasks of one project, found by id or name; done ones only with `all`."""

    project: str
    include_done: bool = False
    page: int = 1


@dataclass(frozen=True)
class Invalid:
    """Words that name a command but are wrong in a detail: `reason` says what, `usage` how to write it."""

    reason: str
    usage: str = ""


Cadence = Literal["daily", "weekdays", "weekly"]


@dataclass(frozen=True)
class DigestSubscribe:
    """Subscribe this channel to a digest; `None` fields take defaults (weekdays, 09:00, the person's time zone)."""

    cadence: Cadence = "weekdays"
    weekday: int | None = None
    at: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class DigestUnsubscribe:
    """Remove one's own subscription of this channel, or subscription number `number` of `digest list`."""

    number: int | None = None


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
    """Leave a project out of the digest (`unmute` puts it back)."""

    project: str
    mute: bool = True


@dataclass(frozen=True)
class DigestEmpty:
    """Whether a digest with nothing to report is posted ("all within estimate") or skipped."""

    post: bool


DigestCommand = DigestSubscribe | DigestUnsubscribe | DigestList | DigestPreview | DigestThreshold | DigestMute | DigestEmpty
"""The `digest ...` words, answered by `bot.digest.manage`."""

Command = (
    Help
    | Invalid
    | Connect
    | Disconnect
    | ShowMe
    | ListWorkspaces
    | SwitchWorkspace
    | ListProjects
    | ListTasks
    | DigestSubscribe
    | DigestUnsubscribe
    | DigestList
    | DigestPreview
    | DigestThreshold
    | DigestMute
    | DigestEmpty
)

DIGEST_USAGE = (
    "`digest subscribe [daily|weekdays|weekly <day>] [at HH:MM] [<Area/City>|UTC]`, `digest list`, "
    "`digest unsubscribe [number]`, `digest preview`, `digest threshold <percent>`, `digest mute <project>`, "
    "`digest unmute <project>`, `digest empty skip|post`"
)
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_TIME = re.compile(r"^([01]?\d|2[0-3])(?::([0-5]\d))?$")

_KINDS: dict[str, type] = {
    "help": Help,
    "invalid": Invalid,
    "digest-subscribe": DigestSubscribe,
    "digest-unsubscribe": DigestUnsubscribe,
    "digest-list": DigestList,
    "digest-preview": DigestPreview,
    "digest-threshold": DigestThreshold,
    "digest-mute": DigestMute,
    "digest-empty": DigestEmpty,
    "connect": Connect,
    "disconnect": Disconnect,
    "me": ShowMe,
    "workspaces": ListWorkspaces,
    "workspace": SwitchWorkspace,
    "projects": ListProjects,
    "tasks": ListTasks,
}
_NAMES = {kind: name for name, kind in _KINDS.items()}

_SLACK_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


def clean_slack_text(text: str) -> str:
    """Undo Slack's escaping: `<#C1|general>` becomes `#general`, `<https://x|y>` becomes `y`, `&amp;` becomes `&`."""

    def readable(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("@"):
            return "@" + target[1:]  # keep the user id: it names the person exactly
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return label or target

    text = _SLACK_LINK.sub(readable, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _split(text: str) -> list[str]:
    """Words, honouring double quotes (Slack's curly quotes too); unbalanced quotes fall back to spaces."""
    text = text.translate(_QUOTES)
    try:
        lexer = shlex.shlex(text, posix=True)
        lexer.whitespace_split = True
        lexer.quotes = '"'
        lexer.escape = ""
        lexer.commenters = ""
        return list(lexer)
    except ValueError:
        return text.split()


def parse(text: str) -> Command:
    """The command these words ask for.

    >>> parse("projects archived client:Acme web")
    ListProjects(status='archived', client='Acme', text='web', page=1)
    >>> parse("make coffee")
    Help(unknown='make coffee')
    """
    text = clean_slack_text((text or "")[:MAX_INPUT]).strip()
    words = _split(text)
    if not words:
        return Help()
    verb, rest = words[0].casefold(), words[1:]
    joined = " ".join(rest)[:MAX_TEXT]
    if verb in ("help", "?"):
        return Help()
    if verb == "connect":
        return Connect(token=rest[0] if len(rest) == 1 else None) if len(rest) <= 1 else Help(unknown=text)
    if verb in ("disconnect", "me", "workspaces") and not rest:
        return {"disconnect": Disconnect, "me": ShowMe, "workspaces": ListWorkspaces}[verb]()
    if verb == "workspace" and rest:
        return SwitchWorkspace(query=joined)
    if verb == "workspace":
        return ListWorkspaces()
    if verb in ("projects", "project"):
        return _projects(rest)
    if verb in ("tasks", "task") and rest:
        include_done = len(rest) > 1 and rest[-1].casefold() == "all"
        name = " ".join(rest[:-1] if include_done else rest)[:MAX_TEXT]
        return ListTasks(project=name, include_done=include_done)
    if verb == "digest":
        return _digest([w.casefold() for w in rest], rest)
    return Help(unknown=text[:MAX_TEXT])


def _digest(words: list[str], original: list[str]) -> Command:
    """The `digest ...` words; anything off becomes `Invalid` with the reason."""
    if not words:
        return Invalid("Which digest command?", DIGEST_USAGE)
    verb, rest = words[0], words[1:]
    name = " ".join(original[1:])[:MAX_TEXT]
    if verb == "subscribe":
        return _subscribe(rest, original[1:])
    if verb in ("list", "preview") and not rest:
        return DigestList() if verb == "list" else DigestPreview()
    if verb == "unsubscribe":
        if not rest:
            return DigestUnsubscribe()
        if len(rest) == 1 and rest[0].lstrip("#").isdigit():
            return DigestUnsubscribe(number=int(rest[0].lstrip("#")))
        return Invalid("`digest unsubscribe` takes nothing, or a number from `digest list`.", DIGEST_USAGE)
    if verb == "threshold":
        value = rest[0].rstrip("%") if len(rest) == 1 else ""
        if value.isdigit() and 1 <= int(value) <= 1000:
            return DigestThreshold(int(value))
        return Invalid("The threshold is a percent of the estimate, from 1 to 1000, like `digest threshold 80`.")
    if verb in ("mute", "unmute"):
        if not rest:
            return Invalid(f"Which project? Like `digest {verb} Website redesign`.")
        return DigestMute(project=name, mute=verb == "mute")
    if verb == "empty" and rest in (["skip"], ["post"]):
        return DigestEmpty(post=rest == ["post"])
    return Invalid(f"I do not know `digest {' '.join(original)[:100]}`.", DIGEST_USAGE)


def _subscribe(words: list[str], original: list[str]) -> Command:
    cadence: Cadence = "weekdays"
    weekday: int | None = None
    at: str | None = None
    timezone: str | None = None
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("daily", "weekdays"):
            cadence = word  # type: ignore[assignment]
        elif word == "weekly":
            cadence = "weekly"
            day = words[index + 1] if index + 1 < len(words) else ""
            matches = [n for n, d in enumerate(DAYS) if len(day) >= 3 and d.startswith(day)]
            if not matches:
                return Invalid("`weekly` needs a day, like `digest subscribe weekly monday at 09:00`.")
            weekday = matches[0]
            index += 1
        elif word == "at" and index + 1 < len(words):
            match = _TIME.match(words[index + 1])
            if not match:
                return Invalid(
                    f"“{original[index + 1][:20]}” is not a time; use 24-hour HH:MM, like `at 09:00` or `at 17:30`."
                )
            at = f"{int(match.group(1)):02d}:{match.group(2) or '00'}"
            index += 1
        elif "/" in word or word == "utc":
            timezone = canonical_timezone(original[index])
            if timezone is None:
                return Invalid(
                    f"“{original[index][:60]}” is not a time zone I know; use a name like `Europe/Berlin` or `UTC`."
                )
        else:
            return Invalid(f"I did not understand “{original[index][:60]}” in `digest subscribe`.", DIGEST_USAGE)
        index += 1
    if cadence != "weekly":
        weekday = None
    return DigestSubscribe(cadence=cadence, weekday=weekday, at=at, timezone=timezone)


def canonical_timezone(name: str) -> str | None:
    """The IANA zone `name` means, in any letter case (`america/new_york` is `America/New_York`), or None."""
    if name.casefold() == "utc":
        return "UTC"
    wanted = name.casefold()
    for zone in _zones():
        if zone.casefold() == wanted:
            return zone
    return None


@functools.cache
def _zones() -> list[str]:
    zones = []
    for zone in sorted(available_timezones()):
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        zones.append(zone)
    return zones


def _projects(words: list[str]) -> ListProjects:
    status: ProjectStatus = "active"
    client: str | None = None
    text: list[str] = []
    for index, word in enumerate(words):
        lowered = word.casefold()
        if index == 0 and lowered in ("active", "archived", "all"):
            status = lowered  # type: ignore[assignment]
        elif lowered.startswith("client:") and len(word) > len("client:"):
            client = word[len("client:") :][:MAX_TEXT]
        else:
            text.append(word)
    return ListProjects(status=status, client=client, text=" ".join(text)[:MAX_TEXT] or None)


def encode(command: Command) -> str:
    """A compact JSON form of a command, for a button's value (at most about 600 characters)."""
    fields = {k: v for k, v in dataclasses.asdict(command).items() if v is not None and v != "" and k != "token"}
    return json.dumps({"do": _NAMES[type(command)], **fields}, separators=(",", ":"), ensure_ascii=False)


def decode(value: str) -> Command:
    """The command `encode` wrote; anything unreadable becomes `Help()`."""
    try:
        data = json.loads(value)
        kind = _KINDS[data.pop("do")]
        if kind is Connect:
            return Connect()
        return kind(**data)
    except (ValueError, KeyError, TypeError, AttributeError):
        return Help()


def with_page(command: ListProjects | ListTasks, page: int) -> ListProjects | ListTasks:
    """The same query at another page."""
    return dataclasses.replace(command, page=max(1, page))
