"""Words in, commands out: turns what a person typed into a frozen value the rest of the app acts on.

Pure: no I/O. The same grammar serves `/toggl ...`, a direct message and a mention. Anything
not understood becomes `Help`, carrying the words that were not understood so the reply can
say so. Commands also round-trip through `encode`/`decode`, which is how a paging button
carries exactly the query that made its page.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from dataclasses import dataclass
from typing import Literal

MAX_TEXT = 255
"""Longest name or search text kept (Toggl's own names are at most 255 characters)."""

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


Command = Help | Connect | Disconnect | ShowMe | ListWorkspaces | SwitchWorkspace | ListProjects | ListTasks

_KINDS: dict[str, type] = {
    "help": Help,
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
            return "@" + (label or target[1:])
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
    text = clean_slack_text(text or "").strip()
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
    return Help(unknown=text[:MAX_TEXT])


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
    fields = {k: v for k, v in dataclasses.asdict(command).items() if v not in (None, "", False) and k != "token"}
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
