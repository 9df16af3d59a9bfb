"""Words in, commands out: turns what a person typed into a frozen value the rest of the app acts on.

Pure: no I/O. The same grammar serves `/toggl ...`, a direct message and a mention, and it forgives:
filters come in any order, times are written as people write them (`9am`, `9:30 pm`, `17h`, `17:00`),
a zone may be a city (`Berlin`, `new york`), and a misspelt verb gets a "did you mean". Anything not
understood becomes `Help`, carrying the words that were not understood so the reply can say so.

Buttons do not carry commands: they carry data (`bot.buttons`), which becomes a command there.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from bot.commands.values import (
    MAX_DESCRIPTION,
    MAX_INPUT,
    MAX_TEXT,
    Cadence,
    Command,
    Connect,
    DigestAlerts,
    DigestEmpty,
    DigestList,
    DigestMute,
    DigestPreview,
    DigestSubscribe,
    DigestThreshold,
    DigestUnsubscribe,
    Disconnect,
    Greet,
    Help,
    Invalid,
    ListProjects,
    ListTasks,
    ListWorkspaces,
    LogTime,
    MyTime,
    PickProject,
    ProjectSort,
    ProjectStatus,
    Reminder,
    ShowMe,
    ShowTimer,
    StartTimer,
    StopTimer,
    SwitchWorkspace,
    TeamMe,
    TeamNudge,
    TeamPreview,
    TeamSubscribe,
    TeamUnsubscribe,
    WeeklySummary,
)
from bot.timewords import MAX_LOG_SECONDS, is_day_word, parse_duration, parse_time, weekday_anywhere, weekday_of, zone_at
from bot.tokens import BLANK, clean_token, looks_like_token, without_tokens

DIGEST_USAGE = (
    "`digest subscribe [daily|weekdays|weekly <day>] [at 9am] [Berlin|Europe/Berlin|UTC]` (or just `digest subscribe` "
    "for a form), `digest list`, `digest unsubscribe [number]`, `digest preview`, `digest threshold <percent>`, "
    "`digest mute <project>`, `digest unmute <project>`, `digest empty skip|post`, `digest alerts on|off`"
)
START_USAGE = (
    "`start <description> [project:<name or id>] [task:<name or id>] [billable] [#tag]`, "
    "like `start Writing the report project:Website #docs`"
)
LOG_USAGE = (
    "`log <duration> [today|yesterday|YYYY-MM-DD] <description> [project:<name or id>] [task:…] [billable] [#tag]`, "
    "like `log 1h30 yesterday QA review project:Website redesign` (durations as `1h30`, `90m`, `1.5h`, `1:30`)"
)
SUMMARY_USAGE = "`summary weekly on` or `summary weekly off`"
REMIND_USAGE = "`remind at 17:30` (or `5:30pm`), or `remind off`"
VERBS = [
    *["help", "connect", "disconnect", "me", "workspaces", "workspace", "projects", "tasks", "digest"],
    *["start", "stop", "now", "today", "week", "summary", "remind"],
    "team",
    "log",
]
DIGEST_VERBS = ["subscribe", "unsubscribe", "list", "preview", "threshold", "mute", "unmute", "empty", "alerts"]
GREETINGS = {
    *["hi", "hello", "hey", "heya", "hiya", "howdy", "hallo", "hej", "hola", "yo", "sup", "morning", "moin", "servus"],
    *["salut", "bonjour", "ciao", "greetings", "hai", "helo", "hullo", "good"],
}
"""First words of a greeting (`good` for good morning/afternoon/evening)."""
SUGGEST_CUTOFF = 0.75
"""How alike a misspelt verb must be to be offered (`projcts` is 0.93 like `projects`; `dance` 0.36 like `digest`)."""

_SLACK_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_PUNCTUATION = ".,!?;:)(-~*_👋"


def is_number(text: str) -> bool:
    """Plain digits 0-9 only: `"²".isdigit()` is True, yet `int("²")` fails."""
    return text.isascii() and text.isdigit()


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
    """Words, honouring double quotes (Slack's curly quotes too); unbalanced quotes fall back to spaces.

    One pass over the characters: shlex, used before, took a second for 400 KB and grew faster than the text.
    """
    text = text.translate(_QUOTES)
    if text.count('"') % 2:
        return text.split()
    words: list[str] = []
    current: list[str] = []
    quoted = started = False
    for char in text:
        if char == '"':
            quoted, started = not quoted, True
        elif char.isspace() and not quoted:
            if started:
                words.append("".join(current))
                current, started = [], False
        else:
            current.append(char)
            started = True
    if started:
        words.append("".join(current))
    return words


def _connect(rest: list[str], text: str) -> Command:
    """`connect`, `connect <token>`, or `connect <token> please`: the token-shaped word is the token.

    Anything else is not understood, and said so without the words: they may hold a mangled token.
    """
    if not rest:
        return Connect()
    if len(rest) == 1:
        return Connect(token=rest[0])
    tokens = [word for word in rest if looks_like_token(clean_token(word))]
    return Connect(token=tokens[0]) if tokens else Help(unknown=without_tokens(text)[:MAX_TEXT])


def parse(text: str) -> Command:
    """The command these words ask for.

    >>> parse("projects website archived")
    ListProjects(status='archived', client=None, text='website', page=1, over=False, sort='name', workspace_id=None)
    >>> parse("projcts")
    Help(unknown='projcts', suggestion='projects')
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
        return _connect(rest, text)
    # Past this point words may be repeated back (did-you-mean, its button, a reason): a token never is.
    text = without_tokens(text)
    words = _split(text)
    verb, rest = words[0].casefold(), words[1:]
    joined = " ".join(rest)[:MAX_TEXT]
    if verb in ("disconnect", "me", "workspaces") and not rest:
        bare: dict[str, type[Disconnect | ShowMe | ListWorkspaces]] = {
            "disconnect": Disconnect,
            "me": ShowMe,
            "workspaces": ListWorkspaces,
        }
        return bare[verb]()
    if verb == "workspace" and rest:
        return SwitchWorkspace(query=joined)
    if verb == "workspace":
        return ListWorkspaces()
    if verb in ("projects", "project"):
        return _projects(rest)
    if verb in ("tasks", "task"):
        if not rest:
            return PickProject()
        include_done = len(rest) > 1 and rest[-1].casefold() == "all"
        name = " ".join(rest[:-1] if include_done else rest)[:MAX_TEXT]
        return ListTasks(project=name, include_done=include_done)
    if verb == "digest":
        return _digest([w.casefold() for w in rest], rest)
    if verb == "start":
        return _start(_after_first_word(text))
    if verb == "log":
        return _log(_after_first_word(text))
    if verb == "stop":
        if not rest or [w.casefold() for w in rest] in (["timer"], ["it"], ["the", "timer"]):
            return StopTimer()
        return Invalid(
            f"`stop` stops the running timer; I do not know “{joined[:60]}” after it.",
            "`remind off` stops reminders, `summary weekly off` the weekly summary, `digest unsubscribe` a digest.",
        )
    if verb in ("now", "running", "timer") and not rest:
        return ShowTimer()
    if verb in ("today", "week") and not rest:
        return MyTime(period="today" if verb == "today" else "week")
    if verb == "summary":
        return _summary([w.casefold() for w in rest])
    if verb in ("remind", "reminder", "reminders"):
        return _remind([w.casefold() for w in rest])
    if verb == "team":
        return _team([w.casefold() for w in rest], rest)
    if _is_greeting(words):
        return Greet()
    return Help(unknown=text[:MAX_TEXT], suggestion=_suggest(verb, rest))


_FIRST_WORD = re.compile(r"^\s*\S+")
_SPACES = re.compile(r"\s+")


def _after_first_word(text: str) -> str:
    return _FIRST_WORD.sub("", text, count=1)


def clean_description(text: str) -> str:
    """A description as Toggl keeps one: on one line, no control characters, outer quotes dropped, clipped.

    >>> clean_description('  "Fix the\\nlogin  bug" ')
    'Fix the login bug'
    """
    text = _SPACES.sub(" ", "".join(c if c.isprintable() else " " for c in text.translate(_QUOTES))).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text[:MAX_DESCRIPTION]


def _start(text: str) -> Command:
    """`Writing the report project:Website redesign task:Copy billable #docs`: the description as typed, then the
    options (see `entry_options`)."""
    found = entry_options(text)
    if isinstance(found, Invalid):
        return Invalid(found.reason, START_USAGE)
    return StartTimer(
        description=found.description, project=found.project, task=found.task, billable=found.billable, tags=found.tags
    )


# -- capture: the options of an entry, and `log` (issue 20) ---------------------------------------------------

_OPTION_MARK = re.compile(r"(?:^|\s)(project|task):", re.IGNORECASE)
BILLABLE_WORDS = {"billable": True, "non-billable": False, "nonbillable": False, "unbillable": False}
MAX_TAGS = 10
MAX_TAG = 128


@dataclass(frozen=True)
class EntryOptions:
    """What `start` and `log` read after their first words: the description, then `project:` and `task:` (each
    running to the next mark, so names may hold spaces), and trailing `billable` and `#tag` words."""

    description: str = ""
    project: str | None = None
    task: str | None = None
    billable: bool | None = None
    tags: tuple[str, ...] = ()


def entry_options(text: str) -> EntryOptions | Invalid:
    """Trailing `billable` / `#tag` words first (a `#` inside the description stays: only the words at the end are
    tags), then the `project:` and `task:` marks.

    >>> entry_options("QA review project:Website redesign billable #qa")
    EntryOptions(description='QA review', project='Website redesign', task=None, billable=True, tags=('qa',))
    """
    words = text.split()
    billable: bool | None = None
    tags: list[str] = []
    while words and (words[-1].casefold() in BILLABLE_WORDS or (words[-1].startswith("#") and len(words[-1]) > 1)):
        word = words.pop()
        if word.startswith("#"):
            tags.insert(0, word[1:][:MAX_TAG])
        else:
            billable = BILLABLE_WORDS[word.casefold()]
    text = " ".join(words)
    marks = list(_OPTION_MARK.finditer(text))
    values: dict[str, str] = {}
    for n, mark in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        kind = mark.group(1).casefold()
        value = clean_description(text[mark.end() : end])[:MAX_TEXT]
        if not value:
            return Invalid(f"Which {kind}? Write its name or id after `{kind}:`.")
        values[kind] = value
    description = clean_description(text[: marks[0].start()] if marks else text)
    if "task" in values and "project" not in values:
        return Invalid("A task belongs to a project: name the project too, with `project:`.")
    if len(tags) > MAX_TAGS:
        return Invalid(f"At most {MAX_TAGS} tags, please.")
    unique = tuple(dict.fromkeys(t for t in tags if t))
    return EntryOptions(description, values.get("project"), values.get("task"), billable, unique)


def _log(text: str) -> Command:
    """`1h30 yesterday QA review project:Website redesign`: a duration, maybe a day, then as `start`."""
    words = text.split(maxsplit=2)
    if not words:
        return Invalid("How long, and on what?", LOG_USAGE)
    seconds = parse_duration(words[0])
    if seconds is None:
        return Invalid(f"“{words[0][:20]}” is not a duration I can read.", LOG_USAGE)
    if seconds <= 0:
        return Invalid("A time entry needs a duration above zero.", LOG_USAGE)
    if seconds > MAX_LOG_SECONDS:
        return Invalid(f"{words[0][:20]} is more than a day: log at most 24 h at a time.", LOG_USAGE)
    rest = words[1:]
    day = "today"
    if rest and is_day_word(rest[0].split(maxsplit=1)[0]):
        day = rest[0].split(maxsplit=1)[0].casefold()
        rest = [" ".join(rest)[len(day) :]]
        if day not in ("today", "yesterday") and not _real_day(day):
            return Invalid(f"“{day}” is not a date: write it as YYYY-MM-DD, like 2026-11-23.", LOG_USAGE)
    found = entry_options(" ".join(rest))
    if isinstance(found, Invalid):
        return Invalid(found.reason, LOG_USAGE)
    return LogTime(
        seconds=seconds,
        day=day,
        description=found.description,
        project=found.project,
        task=found.task,
        billable=found.billable,
        tags=found.tags,
    )


def _real_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


# -- end of capture ---------------------------------------------------------------------------------------------


def _summary(words: list[str]) -> Command:
    """`summary weekly on|off` (`summary on|off` too: the weekly one is the only summary)."""
    if words[:1] == ["weekly"]:
        words = words[1:]
    if words in (["on"], ["off"]):
        return WeeklySummary(on=words == ["on"])
    return Invalid("Turn the weekly summary of your time on or off.", SUMMARY_USAGE)


def _remind(words: list[str]) -> Command:
    """`remind at 17:30`, `remind me at 5:30pm`, `remind 17h`, `remind off`."""
    if words[:1] == ["me"]:
        words = words[1:]
    if words in (["off"], ["never"], ["stop"]):
        return Reminder(at=None)
    if words[:1] in (["at"], ["every"]):
        words = words[1:]
    found = parse_time(words, bare_hour=True)
    if found is not None and found[1] == len(words):
        return Reminder(at=found[0])
    shown = " ".join(words)[:20]
    reason = f"“{shown}” is not a time I can read." if words else "At what time on workdays?"
    return Invalid(reason, REMIND_USAGE)


def _is_greeting(words: list[str]) -> bool:
    """`hi`, `Hello!`, `hey there`, `good morning`: a greeting of at most four words."""
    first = words[0].casefold().strip(_PUNCTUATION)
    return len(words) <= 4 and first in GREETINGS and (first != "good" or len(words) > 1)


def _suggest(verb: str, rest: list[str]) -> str | None:
    """The words with the verb they most likely meant, when one is really close; else None."""
    close = difflib.get_close_matches(verb, VERBS, n=1, cutoff=SUGGEST_CUTOFF)
    if not close or close[0] == verb:
        return None
    if close[0] == "connect":
        return "connect"  # opens the form: whatever followed was a (blanked) token or words around one
    return " ".join([close[0], *(word for word in rest if BLANK not in word)])[:MAX_TEXT]


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
        if len(rest) == 1 and is_number(rest[0].lstrip("#")):
            return DigestUnsubscribe(number=int(rest[0].lstrip("#")))
        return Invalid("`digest unsubscribe` takes nothing, or a number from `digest list`.", DIGEST_USAGE)
    if verb == "threshold":
        value = rest[0].rstrip("%") if len(rest) == 1 else ""
        if is_number(value) and 1 <= int(value) <= 1000:
            return DigestThreshold(int(value))
        return Invalid("The threshold is a percent of the estimate, from 1 to 1000, like `digest threshold 80`.")
    if verb in ("mute", "unmute"):
        if not rest:
            return Invalid(f"Which project? Like `digest {verb} Website redesign`.")
        return DigestMute(project=name, mute=verb == "mute")
    if verb == "empty" and rest in (["skip"], ["post"]):
        return DigestEmpty(post=rest == ["post"])
    if verb in ("alerts", "alert"):
        if rest in (["on"], ["off"]):
            return DigestAlerts(on=rest == ["on"])
        return Invalid("Alerts are `digest alerts on` or `digest alerts off`.", DIGEST_USAGE)
    close = difflib.get_close_matches(verb, DIGEST_VERBS, n=1, cutoff=SUGGEST_CUTOFF)
    meant = f" Did you mean `digest {' '.join([close[0], *original[1:]])[:100]}`?" if close else ""
    return Invalid(f"I do not know `digest {' '.join(original)[:100]}`.{meant}", DIGEST_USAGE)


def _subscribe(words: list[str], original: list[str]) -> Command:
    """`daily at 9am Berlin`, `weekly fri 17h`, `every monday at 9:30 pm new york`: in any order."""
    cadence: Cadence | None = None
    weekday: int | None = None
    at: str | None = None
    timezone: str | None = None
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word in ("on", "in", "every", "each", "at") and not (word == "at" and following == ""):
            if word == "every" and following in ("day", "weekday", "weekdays", "workday"):
                cadence = "daily" if following == "day" else "weekdays"
                index += 2
                continue
            if word == "at":
                found = parse_time(words[index + 1 : index + 3], bare_hour=True)
                if found is None:
                    return Invalid(
                        f"“{original[index + 1][:20]}” is not a time I can read; write it like `9am`, `9:30 pm`, "
                        "`17h` or `17:00`."
                    )
                at, used = found
                index += 1 + used
                continue
            index += 1
            continue
        if word in ("daily", "weekdays", "workdays"):
            cadence = "daily" if word == "daily" else "weekdays"
            index += 1
            continue
        if word == "weekly":
            cadence = "weekly"
            day = weekday_of(following)
            if day is None:
                if weekday is None and weekday_anywhere(words[index + 1 :]) is None:
                    return Invalid("`weekly` needs a day, like `digest subscribe weekly monday at 9am`.")
                index += 1
                continue
            weekday = day
            index += 2
            continue
        day = weekday_of(word)
        if day is not None:
            cadence, weekday = "weekly", day
            index += 1
            continue
        found = parse_time(words[index : index + 2], bare_hour=False)
        if found is not None:
            at, used = found
            index += used
            continue
        zone, used = zone_at(original, index)
        if zone is not None:
            timezone = zone
            index += used
            continue
        if "/" in word:
            return Invalid(
                f"“{original[index][:60]}” is not a time zone I know; name a city like `Berlin` or `new york`, "
                "an IANA zone like `Europe/Berlin`, or `UTC`."
            )
        return Invalid(
            f"I did not understand “{original[index][:60]}” in `digest subscribe`: I know a cadence (`daily`, "
            "`weekdays`, `weekly friday`), a time (`9am`, `17:30`) and a time zone (`Berlin`, `America/New_York`, `UTC`).",
            DIGEST_USAGE,
        )
    if cadence != "weekly":
        weekday = None
    return DigestSubscribe(cadence=cadence, weekday=weekday, at=at, timezone=timezone)


STATUS_WORDS: dict[str, ProjectStatus] = {"active": "active", "archived": "archived", "all": "all", "both": "all"}
OVER_WORDS = {"over", "risky", "at-risk"}


def _projects(words: list[str]) -> ListProjects:
    """Filters in any order: a status word, `over`, `by risk`, `client:<name>`, and the rest is text.

    `projects website archived` is the archived projects matching "website".
    """
    status: ProjectStatus = "active"
    client: str | None = None
    over = False
    sort: ProjectSort = "name"
    text: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        lowered = word.casefold()
        following = words[index + 1].casefold() if index + 1 < len(words) else ""
        if lowered in STATUS_WORDS:
            status = STATUS_WORDS[lowered]
        elif lowered in OVER_WORDS:
            over = True
        elif lowered in ("by", "sort", "sorted") and following in ("risk", "name"):
            sort = "risk" if following == "risk" else "name"
            index += 1
        elif lowered == "client:" and index + 1 < len(words):
            client = words[index + 1][:MAX_TEXT]
            index += 1
        elif lowered.startswith("client:") and len(word) > len("client:"):
            client = word[len("client:") :][:MAX_TEXT]
        else:
            text.append(word)
        index += 1
    return ListProjects(status=status, client=client, text=" ".join(text)[:MAX_TEXT] or None, over=over, sort=sort)


# -- the team lead's view (issue 21) -------------------------------------------------------------------

TEAM_USAGE = (
    "`team subscribe [daily|weekdays|weekly <day>] [at 9am] [Berlin|UTC] [min 4h]`, `team unsubscribe`, "
    "`team preview`, `team me`, `team nudge on|off`"
)
TEAM_VERBS = ["subscribe", "unsubscribe", "preview", "me", "nudge"]
_HOURS = re.compile(r"^(\d{1,3})(?:[.,](\d{1,2}))?h?$|^(\d{1,3})h(\d{1,2})m?$|^(\d{1,4})m(?:in)?$|^(\d{1,3}):(\d{2})$")


def hours_to_minutes(text: str) -> int | None:
    """`4`, `4h`, `7.5`, `7,5h`, `7h30`, `450m`, `7:30` as minutes; None when it is not a duration.

    >>> hours_to_minutes("7h30"), hours_to_minutes("7.5"), hours_to_minutes("90m"), hours_to_minutes("x")
    (450, 450, 90, None)
    """
    found = _HOURS.match(text.strip().casefold())
    if found is None:
        return None
    whole, fraction, h, m, minutes, ch, cm = found.groups()
    if whole is not None:
        return int(whole) * 60 + (round(float(f"0.{fraction}") * 60) if fraction else 0)
    if h is not None:
        return int(h) * 60 + int(m) if int(m) < 60 else None
    if minutes is not None:
        return int(minutes)
    return int(ch) * 60 + int(cm) if int(cm) < 60 else None


def _team(words: list[str], original: list[str]) -> Command:
    """The `team ...` words; anything off becomes `Invalid` with the reason."""
    if not words:
        return Invalid("Which team command?", TEAM_USAGE)
    verb, rest = words[0], words[1:]
    if verb == "subscribe":
        return _team_subscribe(rest, original[1:])
    if verb in ("unsubscribe", "stop") and not rest:
        return TeamUnsubscribe()
    if verb == "preview" and not rest:
        return TeamPreview()
    if verb == "me" and not rest:
        return TeamMe()
    if verb in ("nudge", "nudges", "mention", "mentions"):
        if rest in (["on"], ["off"]):
            return TeamNudge(on=rest == ["on"])
        return Invalid("Say whether team posts may mention and nudge you: `team nudge on` or `team nudge off`.")
    close = difflib.get_close_matches(verb, TEAM_VERBS, n=1, cutoff=SUGGEST_CUTOFF)
    meant = f" Did you mean `team {' '.join([close[0], *original[1:]])[:100]}`?" if close else ""
    return Invalid(f"I do not know `team {' '.join(original)[:100]}`.{meant}", TEAM_USAGE)


def _team_subscribe(words: list[str], original: list[str]) -> Command:
    """The digest's schedule words (`weekdays at 9am Berlin`), plus `min <hours>` anywhere among them."""
    min_minutes: int | None = None
    kept_words: list[str] = []
    kept_original: list[str] = []
    index = 0
    while index < len(words):
        if words[index] in ("min", "min:", "minimum", "under"):
            found = hours_to_minutes(words[index + 1]) if index + 1 < len(words) else None
            if found is None or not 0 < found <= 7 * 24 * 60:
                return Invalid("`min` takes hours, like `min 4h`, `min 7.5` or `min 7h30`.", TEAM_USAGE)
            min_minutes = found
            index += 2
            continue
        kept_words.append(words[index])
        kept_original.append(original[index])
        index += 1
    schedule = _subscribe(kept_words, kept_original)
    if isinstance(schedule, Invalid):
        return Invalid(schedule.reason.replace("digest subscribe", "team subscribe"), TEAM_USAGE)
    assert isinstance(schedule, DigestSubscribe)
    return TeamSubscribe(
        cadence=schedule.cadence,
        weekday=schedule.weekday,
        at=schedule.at,
        timezone=schedule.timezone,
        min_minutes=min_minutes,
    )
