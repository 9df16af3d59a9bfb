"""Every kind of message and view the app sends, rendered as text into `docs/gallery.md`.

    python -m bench.gallery            # rewrite docs/gallery.md
    python -m bench.gallery --check    # exit 1 if docs/gallery.md is out of date

The words go through the real code (`bot.answers.answer`, the Home tab's gatherer, the digest's
`compose`, the forms) against the fake Toggl and fake Slack, at a fixed moment (Monday 23 Nov 2026,
09:30 in Berlin) with fixed ids, so the output is the same on every machine and every day.
`tests/test_gallery.py` fails when the committed gallery differs: a reviewer sees every change to
what people read in the diff of one file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from slack_sdk import WebClient

from bench.common import ROOT
from bot import buttons, capture, toggl, workflow
from bot import timers as timer_answers
from bot.alerts import views as alert_views
from bot.answers import answer, from_copy
from bot.clock import FrozenClock
from bot.commands import parse
from bot.crypto import TokenCipher
from bot.digest import views as digest
from bot.digest.manage import form_defaults
from bot.digest.rules import Report
from bot.digest.runner import DigestRunner
from bot.home import home_for
from bot.identity import Asker
from bot.personal.runner import weekly_summary
from bot.service import Service
from bot.slack import SlackGateway
from bot.store import Store
from bot.team.runner import TeamRunner
from bot.toggl import TogglClients
from bot.toggl.models import Project
from bot.views import account, errors, timers
from bot.views import capture as capture_views
from bot.views import unfurl as unfurl_views
from bot.views.capture import entry_form
from bot.views.common import message, plain, section
from bot.views.digest_form import DigestDefaults, digest_modal
from bot.views.modals import connect_modal
from bot.views.mytime import ProjectTime, period_title, reminder, time_report
from bot.views.tasks import menu_options
from handlers.deps import TOO_BUSY, WORKING
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl

GALLERY = ROOT / "docs" / "gallery.md"
EXAMPLES = ROOT / "bot" / "doors" / "pages" / "examples.json"
"""The landing page's three pictures: gallery messages, drawn by the page itself (`bot/doors/pages/blocks.py`)."""
FEATURED = (
    ("At risk", "/toggl projects at risk: your projects against their estimates, privately"),
    ("This week", "/toggl week: your own week from Toggl's reports"),
    ("The digest as posted", "A channel's budget digest, every weekday morning"),
)
NOW = dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC)  # Monday, 09:30 in Berlin
H = 3600
TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
DANA = Asker(team_id="T1", user_id="UDANA", channel_id="CPROJECTS")
DANA_DM = Asker(team_id="T1", user_id="UDANA", channel_id="DDANA", typed_in_dm=True)
ELI_TOKEN = "eeee1111eeee2222eeee3333eeee4444"
ELI = Asker(team_id="T1", user_id="UELI", channel_id="CPROJECTS")
STRANGER = Asker(team_id="T1", user_id="USTRANGER", channel_id="CPROJECTS")


# -- rendering Block Kit as text -------------------------------------------------------------------


def _plain(obj: dict[str, Any] | None) -> str:
    return str((obj or {}).get("text", ""))


def _element(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "button":
        style = {"primary": "*", "danger": "!"}.get(element.get("style", ""), "")
        confirm = " (asks first)" if element.get("confirm") else ""
        return f"[{style}{_plain(element['text'])}{style}]{confirm}"
    if kind == "overflow":
        labels = [_plain(o["text"]) + (" ↗" if o.get("url") else "") for o in element["options"]]
        return "[⋯ " + " | ".join(labels) + "]"
    if kind == "static_select":
        options = [_plain(o["text"]) for o in element["options"]]
        shown = " | ".join(options[:6]) + (f" | … ({len(options)} in all)" if len(options) > 6 else "")
        initial = _plain((element.get("initial_option") or {}).get("text")) or _plain(element.get("placeholder"))
        return f"[{initial} ▾: {shown}]"
    if kind == "external_select":
        return f"[{_plain(element.get('placeholder'))} ▾ (type-ahead)]"
    if kind == "conversations_select":
        return f"[{_plain(element.get('placeholder'))} ▾ (channels)]"
    if kind == "timepicker":
        return f"[🕘 {element.get('initial_time', '')}]"
    if kind == "number_input":
        return f"[{element.get('initial_value', '')} ]"
    if kind == "plain_text_input":
        return f"[{element.get('initial_value') or _plain(element.get('placeholder'))} ]"
    return f"[{kind}]"


def blocks_text(blocks: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            lines.append(f"# {_plain(block['text'])}")
        elif kind == "section":
            text = block.get("text", {}).get("text", "")
            accessory = f"   {_element(block['accessory'])}" if block.get("accessory") else ""
            lines.append(text + accessory)
        elif kind == "context":
            lines.append("  ⌞ " + " ".join(e.get("text", "") for e in block["elements"]))
        elif kind == "actions":
            lines.append(" ".join(_element(e) for e in block["elements"]))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "input":
            hint = f"  ({_plain(block.get('hint'))})" if block.get("hint") else ""
            lines.append(f"{_plain(block['label'])}: {_element(block['element'])}{hint}")
        else:
            lines.append(f"<{kind}>")
    return "\n".join(lines)


def message_text(message: dict[str, Any]) -> str:
    body = blocks_text(message.get("blocks") or [])
    return f"notification: {message['text']}\n\n{body}" if body else f"notification: {message['text']}"


def view_text(view: dict[str, Any]) -> str:
    if view["type"] == "home":
        return blocks_text(view["blocks"])
    buttons_line = f"[{_plain(view.get('close'))}] [*{_plain(view.get('submit'))}*]"
    return f"## {_plain(view['title'])}\n\n{blocks_text(view['blocks'])}\n\n{buttons_line}"


# -- the scenes ------------------------------------------------------------------------------------


@dataclass
class Gallery:
    """Sections of the page, in order; each holds the surfaces of one part of the app."""

    parts: list[tuple[str, list[tuple[str, str, str]]]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    """Every message shown, for the test that checks their notification text."""
    by_title: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each message by its title: the landing page's examples are picked from these (`FEATURED`)."""
    views: list[dict[str, Any]] = field(default_factory=list)

    def part(self, title: str) -> None:
        self.parts.append((title, []))

    def message(self, title: str, how: str, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self.by_title[title] = message
        self.parts[-1][1].append((title, how, message_text(message)))

    def view(self, title: str, how: str, view: dict[str, Any]) -> None:
        self.views.append(view)
        self.parts[-1][1].append((title, how, view_text(view)))

    def markdown(self) -> str:
        out = [
            "# Gallery: every message and view the app sends",
            "",
            "Generated by `python -m bench.gallery` from the fakes at a fixed moment (Monday 23 Nov 2026, 09:30 in",
            "Berlin); do not edit by hand. `tests/test_gallery.py` fails when this file is out of date.",
            "",
            "How to read it: `# ` is a header, `⌞` a context line (small grey text), `[Button]` a button",
            "(`[*Primary*]`, `[!Danger!]`), `[⋯ …]` an overflow menu, `[… ▾: …]` a select menu. Text is Slack's",
            "mrkdwn as sent: `*bold*`, `_italics_`, `<url|label>` links, `&amp;` for `&`.",
            "",
            "## The app's own pages",
            "",
            '`GET /` and `GET /privacy`, served by the app (here in OAuth mode, with "Add to Slack"). The three pictures',
            "on `/` are messages from this gallery, drawn as HTML by the app (`bot/doors/pages/`), not screenshots of",
            "Slack. Taken by headless Chromium with `python -m bench.screenshots`.",
            "",
            "![The home page](screenshots/home.png)",
            "",
            "![The privacy page](screenshots/privacy.png)",
            "",
        ]
        for title, items in self.parts:
            out += [f"## {title}", ""]
            for name, how, text in items:
                out += [f"### {name}", "", f"_{how}_", "", "```text", text, "```", ""]
        return "\n".join(out).rstrip() + "\n"


@contextmanager
def world() -> Iterator[tuple[Service, FakeToggl, FakeSlack, FrozenClock]]:
    """Dana leads a studio: two workspaces, clients, projects over, near and under estimate, a recurring one."""
    clock = FrozenClock(NOW)
    with tempfile.TemporaryDirectory() as tmp, FakeToggl(now=clock.now) as fake, FakeSlack() as slack:
        store = Store(f"sqlite:///{Path(tmp) / 'gallery.db'}", clock=clock)
        store.migrate()
        service = Service(store, TokenCipher([Fernet.generate_key()]), TogglClients(fake.url, clock=clock))
        service = service.with_slack(SlackGateway(WebClient(token="xoxb-gallery", base_url=slack.api_url)))
        studio = fake.add_workspace("Acme Studio", wid=4001)
        side = fake.add_workspace("Side projects", wid=4002)
        fake.add_person(TOKEN, name="Dana Lead", workspaces=[studio, side])
        add = fake.add_project
        add(studio, "Website redesign", id=101, client_name="Acme & Sons", actual_seconds=46 * H, estimated_seconds=40 * H)
        add(studio, "Mobile app <beta>", id=102, client_name="Beta Corp", actual_seconds=130 * H, estimated_seconds=100 * H)
        add(studio, "Brand refresh", id=103, client_name="Acme & Sons", actual_seconds=17 * H, estimated_seconds=20 * H)
        add(studio, "Q3 audit", id=104, client_name="Beta Corp", status="ended", end_date="2026-11-20",
            actual_seconds=30 * H, estimated_seconds=32 * H)  # fmt: skip
        add(studio, "Launch campaign", id=105, status="ended", end_date="2026-11-06", actual_seconds=55 * H,
            estimated_seconds=50 * H)  # fmt: skip
        add(studio, "Internal tooling", id=106, pinned=True, actual_seconds=12 * H, estimated_seconds=80 * H)
        add(studio, "Old archive", id=107, active=False, status="archived", actual_seconds=99 * H, estimated_seconds=10 * H)
        add(studio, "Support retainer", id=108, client_name="Acme & Sons", recurring=True,
            recurring_parameters=[{"period": "monthly", "estimated_seconds": 20 * H}],
            current_period={"start_date": "2026-11-01", "end_date": "2026-11-30"})  # fmt: skip
        add(studio, "Team offsite", id=109, pinned=True, actual_seconds=3 * H)
        for n in range(1, 11):
            add(studio, f"Client work {n:02d}", id=110 + n, client_name="Gamma GmbH", actual_seconds=n * H,
                estimated_seconds=12 * H)  # fmt: skip
        fake.report_seconds[(studio, 108)] = 18 * H + 20 * 60
        fake.add_task(studio, 108, "Tickets", id=501, tracked_ms=0, estimated_seconds=5 * H)
        fake.add_task(studio, 108, "Calls", id=502, tracked_ms=0, estimated_seconds=3 * H)
        fake.add_task(studio, 106, "CI pipeline", id=503, tracked_ms=9 * H * 1000, estimated_seconds=6 * H)
        fake.add_task(studio, 106, "Docs", id=504, tracked_ms=2 * H * 1000, estimated_seconds=4 * H)
        fake.add_task(studio, 106, "Old spike", id=505, tracked_ms=H * 1000, active=False)
        add(side, "Garden website", id=201, actual_seconds=2 * H, estimated_seconds=10 * H)
        add(side, "Podcast", id=202, actual_seconds=5 * H)
        _time_entries(fake)
        slack.users["UDANA"] = {"id": "UDANA", "tz": "Europe/Berlin", "is_admin": False}
        yield service, fake, slack, clock


def _time_entries(fake: FakeToggl) -> None:
    """Four weeks of Dana's time (the pace of forecasts, last week's summary), this morning's, and a running timer."""

    def entry(description: str, pid: int | None, start: dt.datetime, hours: float, billable: bool = False) -> None:
        fake.add_time_entry(TOKEN, 4001, description, start, start + dt.timedelta(hours=hours), project_id=pid,
                            billable=billable)  # fmt: skip

    for n in range(1, 29):
        morning = NOW - dt.timedelta(days=n, minutes=30)  # 08:00 in Berlin, each of the last 28 days
        entry("Brand workshop", 103, morning, 0.5, billable=True)  # 85% of its estimate, half an hour a day
        entry("Feature work", 118, morning + dt.timedelta(hours=1), 0.5, billable=True)  # Client work 08
        entry("CI pipeline", 106, morning + dt.timedelta(hours=2), 1)  # Internal tooling, far from its estimate
    entry("Design review", 101, NOW - dt.timedelta(hours=2), 1.25, billable=True)  # 07:30-08:45 today
    entry("Email", None, NOW - dt.timedelta(minutes=45), 0.25)
    fake.add_time_entry(TOKEN, 4001, "Writing copy", NOW - dt.timedelta(minutes=25), project_id=103)  # running


def render() -> tuple[str, Gallery]:
    """The gallery's Markdown, and the messages and views in it."""
    gallery = Gallery()
    with world() as (service, fake, slack, clock):

        def say(title: str, words: str, asker: Asker = DANA, how: str = "") -> list[dict[str, Any]]:
            messages = answer(parse(words), asker, service).messages
            for n, message in enumerate(messages):
                suffix = f" ({n + 1} of {len(messages)})" if len(messages) > 1 else ""
                gallery.message(title + suffix, how or f"/toggl {words}", message)
            return messages

        def press(title: str, value: buttons.ButtonValue, how: str, asker: Asker = DANA) -> None:
            command = buttons.to_command(value)
            assert command is not None
            for message in answer(command, asker, service).messages:
                gallery.message(title, how, message)

        gallery.part("Before connecting")
        say("Help", "help")
        say("A greeting in a DM, before connecting", "hi", STRANGER, "hi (a direct message)")
        say("Any Toggl word, before connecting", "projects", STRANGER)
        say("Connect in a DM (no form can open there)", "connect", STRANGER, "connect (a direct message)")
        gallery.view("The connect form", "/toggl connect", connect_modal())
        gallery.message("A token pasted in a channel", "@Toggl connect <token> (in a channel)", account.connect_in_private())
        say("Connected, after pasting the token in a DM", f"connect {TOKEN}", DANA_DM, "connect <token> (a direct message)")

        gallery.part("Words")
        say("A greeting", "hello", DANA_DM, "hello (a direct message)")
        say("A misspelt word", "projcts")
        say("Words not understood", "make coffee")
        say("Who you are", "me")
        say("Your workspaces", "workspaces")
        say("No such workspace", "workspace nowhere")

        gallery.part("Projects and tasks")
        say("The project list", "projects")
        say("At risk", "projects over")
        say("By risk, archived ones too", "projects all by risk")
        say("One client's projects", "projects client:Acme & Sons")
        say("Nothing matches", "projects nothing like this")
        say("A project's tasks", "tasks internal tooling all")
        say("A recurring project's tasks", "tasks support retainer")
        say("`tasks` alone asks which project", "tasks")
        say("A few projects fit: buttons", "tasks re")
        say("Many fit: a menu", "tasks client work")
        menu = buttons.ProjectMenu(ws=4001)
        options = menu_options(service.reader.cached_projects("T1", "UDANA", 4001), menu, "brand")
        labels = " | ".join(o["text"]["text"] for o in options)
        typed = message("options", [section(labels)])
        gallery.message(
            "A type-ahead menu's options, for “brand”", "typing in a type-ahead menu (over 100 projects fit)", typed
        )
        say("No project fits, one in another workspace does", "tasks garden")
        say("No project fits, nothing close", "tasks nosuchprojectxyz")
        say("Switching workspace", "workspace side")
        say("The list in the other workspace", "projects")
        press(
            "An older button from the first workspace",
            buttons.ProjectsPage(ws=4001, text="client work"),
            "a Next or chooser button made in Acme Studio, pressed after switching",
        )
        say("Switching back", "workspace acme")
        gallery.message(
            "A button we did not make", "a damaged button value, or one from an old message", errors.unreadable_button()
        )

        gallery.part("The digest")
        say(
            "In a DM or a mention, a button opens the form",
            "digest subscribe",
            DANA_DM,
            "digest subscribe (a direct message)",
        )
        defaults = form_defaults(DANA, service, channel_id="CPROJECTS", response_url="https://hooks.example/2")
        assert isinstance(defaults, DigestDefaults)
        gallery.view("The digest form", "/toggl digest subscribe", digest_modal(defaults))
        home_form = form_defaults(DANA, service, channel_id=None, from_home=True)
        assert isinstance(home_form, DigestDefaults)
        gallery.view("The digest form, from the Home tab", "New digest on the Home tab", digest_modal(home_form))
        say("Subscribed", "digest subscribe weekdays at 9am Berlin")
        (announcement,) = [c.body for c in slack.of("chat.postMessage") if c.body.get("channel") == "CPROJECTS"]
        gallery.message("The channel is told", "posted in the channel on subscribing", _payload(announcement))
        say("A zone I do not know", "digest subscribe daily Mars/Olympus")
        say("This channel's digests", "digest list")
        say("Muting: many projects fit", "digest mute client work")
        say("Muted", "digest mute old archive")
        say("Unmuted", "digest unmute old archive")
        say("Threshold", "digest threshold 75")
        say("Empty digests skipped", "digest empty skip")
        say("Empty digests posted", "digest empty post")
        say("The digest, privately, now", "digest preview")
        runner = DigestRunner(service, service.slack)  # type: ignore[arg-type]  # create_app above set service.slack
        runner.run_forced()
        (posted,) = [c.body for c in slack.of("chat.postMessage") if c.body.get("channel") == "CPROJECTS"][1:]
        gallery.message("The digest as posted", "toggl-bot digest run (posted in the channel)", _payload(posted))
        say(
            "Someone without a digest here", "digest unsubscribe", Asker(team_id="T1", user_id="UBO", channel_id="CPROJECTS")
        )
        berlin = NOW.astimezone(dt.timezone(dt.timedelta(hours=1), "CET"))
        for title, report in _empty_reports():
            empty = digest.digest_message(
                report, owner_id="UDANA", workspace_name="Acme Studio", threshold=80, computed_at=berlin, workspace_id=4001
            )
            gallery.message(title, "an empty digest", empty)
        # real-time alerts (bot.alerts): the replies to `digest alerts on`, and the posts the moment a project crosses
        gallery.message(
            "Real-time alerts turned on",
            "/toggl digest alerts on (with webhooks)",
            alert_views.alerts_on("CPROJECTS", 80, how=alert_views.WEBHOOK_HOW, member_note=""),
        )
        slots_full = "This workspace's webhook slots at Toggl are full or Toggl refused one (the free plan has one slot)."
        gallery.message(
            "Real-time alerts where the plan's webhook slots are full",
            "/toggl digest alerts on (a member's token, slots taken)",
            alert_views.alerts_on(
                "CPROJECTS", 80, how=alert_views.polling_how(slots_full), member_note=alert_views.MEMBER_NOTE
            ),
        )
        over = Project(id=5001, workspace_id=4001, name="Website <redesign> & co", estimated_seconds=36_000)
        for level, tracked in (("threshold", 29_700), ("estimate", 37_800)):
            gallery.message(
                f"A real-time alert: {'the threshold' if level == 'threshold' else 'the estimate'} crossed",
                "posted in the channel the moment time tracked in Toggl crosses it",
                alert_views.alert_message(
                    over,
                    tracked,
                    36_000,
                    level,
                    threshold=80,
                    owner_id="UDANA",
                    workspace_name="Acme Studio",
                    workspace_id=4001,
                    at=berlin,
                ),
            )
        reason = "I am not in that channel (Slack says `not_in_channel`)."
        failed = digest.digest_failed(["CPROJECTS", "DDANA"], reason)
        gallery.message("A digest that could not be posted", "a direct message to the subscriber", failed)

        gallery.part("Timers")
        say("What runs now", "now")
        say("Stop", "stop")
        say("Nothing is running: the last entry, with Restart", "now")
        say("Stop, with nothing running", "stop")
        say("Several projects fit: which one?", "start Writing copy project:re")
        say("No project fits", "start Writing copy project:nosuchprojectxyz")
        say("An archived project", "start Digging project:old archive")
        say("Started, with Stop", "start Client call project:brand")
        # A second person, so that these starts spend nothing of Dana's hour and move no clock of hers.
        before = clock.now()
        fake.add_person(ELI_TOKEN, name="Eli New", workspaces=[4001])
        service.accounts.connect("T1", "UELI", ELI_TOKEN)
        answer(parse("start Design notes project:internal"), ELI, service)
        clock.advance(minutes=40)
        say("Started on an ended project, while another ran", "start Final report project:q3 audit", ELI)
        clock.advance(seconds=20)
        say("A start without a description", "start", ELI)
        running = timer_answers.keeps_running(ELI, service)
        gallery.message("Disconnecting while a timer runs", "/toggl disconnect", account.disconnected(True, timer=running))
        clock.set(before)
        gallery.message("A Stop button from an older message", "Stop on a timer that had stopped", timers.already_stopped())
        gallery.message(
            "Toggl's user quota is spent",
            "now, when the 30 requests an hour under /me are used up",
            errors.toggl_error_message(toggl.QuotaExceeded("x", resets_in=754, bucket="me")),
        )

        _capture(gallery, service, clock, say, press)  # issue 20: log, Undo, Edit, the forms, unfurls, the workflow step

        gallery.part("My time")
        say("Today", "today")
        say("This week", "week")
        free = [ProjectTime(p, p.id, 5400, None) for p in service.reader.cached_projects("T1", "UDANA", 4001)[:1]]
        free_plan = time_report(period_title("today", NOW.date(), NOW.date()), free, workspace_id=4001)
        gallery.message("Today, when the report has no billable split", "today, on Toggl's free plan", free_plan)
        say("The weekly summary, on", "summary weekly on", DANA_DM, "summary weekly on (a direct message)")
        say("A workday reminder, on", "remind at 17:30", DANA_DM, "remind at 17:30 (a direct message)")
        dana = service.accounts.account(DANA)
        (summary,) = [s for s in service.personal.of_person("T1", "UDANA") if s.kind == "summary"]
        gallery.message("The weekly summary", "a direct message, Monday 09:00", weekly_summary(service, dana, summary, NOW))
        gallery.message(
            "The reminder", "a direct message, on a workday with nothing tracked", reminder(NOW.date(), "17:30", 4001)
        )
        say("Turning the reminder off", "remind off")

        _team_part(gallery, service, fake, slack, say)  # the team lead's view (issue 21)

        gallery.part("The Home tab")
        gallery.view("Connected", "opening the app's Home tab", home_for("T1", "UDANA", service))
        gallery.view("Not connected", "opening the Home tab before connecting", home_for("T1", "USTRANGER", service))

        gallery.part("Failures")
        for title, error in [
            ("Toggl's hourly limit", toggl.QuotaExceeded("x", resets_in=754)),
            ("Toggl down", toggl.TogglUnavailable("x")),
            ("No access", toggl.NoWorkspaceAccess("x")),
            ("Token rejected", toggl.TokenRejected("x")),
        ]:
            gallery.message(title, "when Toggl answers so", errors.toggl_error_message(error))
        spent = toggl.QuotaExceeded("x", resets_in=754)
        for verb in ("start", "stop"):
            refused = errors.write_refused(spent, verb)
            gallery.message(f"A {verb} refused: the hourly limit used up", f"/toggl {verb}", refused)
        gallery.message("Our own failure", "a bug, logged", errors.unexpected_error())
        gallery.message("Many people asking at once", "while every worker is busy", WORKING)
        gallery.message("Too many waiting", "past 500 waiting commands", TOO_BUSY)
        gone = errors.not_installed(True, "https://toggl-bot.example.com/slack/install")
        gallery.message("A workspace that removed the app", "any request from it, in OAuth mode", {"text": gone})
        fake.people[TOKEN].quota_left = 3
        clock.advance(seconds=61)
        service.reader.projects(service.accounts.account(DANA), 4001)  # this refresh leaves 2 requests: the reserve
        clock.advance(seconds=61)
        say(
            "At the quota reserve: the cached list, with its age",
            "projects",
            how="/toggl projects (2 requests left this hour)",
        )
        fake.people[TOKEN].quota_left = None
        clock.advance(minutes=31)  # the hour's limit has reset; the copy is older than the freshness window
        first = from_copy(parse("projects"), DANA, service)
        assert first is not None
        gallery.message(
            "Toggl slow: the copy first (the fresh answer replaces it)",
            "/toggl projects (Toggl still silent after 1.5 s)",
            first.messages[0],
        )
        say("Disconnecting, with digests", "disconnect")
        bo = Asker(team_id="T1", user_id="UBO", channel_id="CPROJECTS")
        say("This channel's digests, seen by someone else", "digest list", bo)
        say("Unsubscribing without a connection", "digest unsubscribe")
        say("The weekly summary, off (without a connection)", "summary weekly off")
    return gallery.markdown(), gallery


# -- the team lead's view (issue 21) -------------------------------------------------------------------

TEAM = Asker(team_id="T1", user_id="UDANA", channel_id="CTEAM")
FINN = Asker(team_id="T1", user_id="UFINN", channel_id="CTEAM")


def _team_part(gallery: Gallery, service: Service, fake: FakeToggl, slack: FakeSlack, say: Any) -> None:
    """Dana (an admin of Acme Studio) posts her team's Friday in #team; Finn, a member, has his say."""
    friday = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    for token, person, role, hours in [
        ("f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1", "Finn Member", "user", 1.5),
        ("a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2", "Gus O'Brien", "user", 7.0),
        ("b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3", "Hana & Co", "user", 0.0),
    ]:
        fake.add_person(token, name=person, workspaces=[4001])
        fake.roles[(4001, fake.people[token].me["id"])] = role
        if hours:  # on projects without an estimate, so no forecast elsewhere in the gallery moves
            prep, email = dt.timedelta(hours=hours * 2 / 3), dt.timedelta(hours=hours / 3)
            fake.add_time_entry(token, 4001, "Offsite prep", friday, friday + prep, project_id=109)
            later = friday + dt.timedelta(hours=hours)
            fake.add_time_entry(token, 4001, "Email", later, later + email)
    service.accounts.connect("T1", "UFINN", "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1")
    gallery.part("The team lead's view")
    say("A member asks for a team post", "team subscribe weekdays at 9am min 4h", FINN)
    say("Subscribed", "team subscribe weekdays at 9am Berlin min 4h", TEAM)
    (announced,) = [c.body for c in slack.of("chat.postMessage") if c.body.get("channel") == "CTEAM"]
    gallery.message("The channel is told", "posted in the channel on subscribing", _payload(announced))
    say("Letting team posts mention and nudge you", "team nudge on", FINN)
    say("The team post, privately, now", "team preview", TEAM)
    TeamRunner(service, service.slack).run_forced()  # type: ignore[arg-type]  # the world's service has Slack
    posted = [c.body for c in slack.of("chat.postMessage") if c.body.get("channel") == "CTEAM"][-1]
    gallery.message("The team post", "toggl-bot digest run, or the scheduler (posted in the channel)", _payload(posted))
    (nudge,) = [c.body for c in slack.of("chat.postMessage") if c.body.get("channel") == "UFINN"]
    gallery.message("The nudge", "a direct message on a workday under the minimum, to who said `team nudge on`", nudge)
    say("What the team post says about you", "team me", FINN)


# -- capture (issue 20) -----------------------------------------------------------------------------------------


def _capture(gallery: Gallery, service: Service, clock: FrozenClock, say: Any, press: Any) -> None:
    """Capturing time where the work happens: Eli's entries, an hour on (Dana's hour and figures stay as they were)."""
    gallery.part("Capturing time: log, Undo, Edit, shortcuts, links and the workflow step")
    before = clock.now()
    clock.advance(hours=1)
    say("Eli's timer, stopped first", "stop", ELI)
    (logged,) = say("Logged after the fact, with Undo", "log 1h30 yesterday QA review project:brand #qa", ELI)
    undo = next(e for b in logged["blocks"] if b["type"] == "actions" for e in b["elements"])
    value = buttons.decode(undo["value"])
    assert isinstance(value, buttons.UndoEntry)
    press("Undone", value, "Undo on the logged entry", ELI)
    press("Undo, a second time", value, "Undo again", ELI)
    say("A log refused: more than a day", "log 25h yesterday Typo", ELI)
    say("A log refused: a day to come", "log 1h 2026-11-30 Planning", ELI)
    say("A log refused: it would end after now", "log 12h today Workshop", ELI)
    refused = errors.write_refused(toggl.QuotaExceeded("x", resets_in=754), "log")
    gallery.message("A log refused: the hourly limit used up", "/toggl log …", refused)
    (started,) = say("Started with a task, billable and tags", "start Wireframes project:brand billable #ux", ELI)
    eli = service.accounts.account(ELI)
    pressed = next(
        e for b in started["blocks"] if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == "Edit"
    )
    edit_value = buttons.decode(pressed["value"])
    assert isinstance(edit_value, buttons.EditRunning)
    found = capture.edit_form(eli, service, edit_value.id)
    assert isinstance(found, tuple)
    gallery.view("The Edit form of the running entry", "Edit on a start reply, `now` or the Home tab", entry_form(*found))
    kept = found[1].project.id if found[1].project is not None else None
    edit = capture.submitted(found[0], capture_views.EntryInput("Wireframes, round 2", kept, None, None, ("ux",)))
    for saved in answer(edit, ELI, service).messages:
        gallery.message("Edited", "the Edit form saved", saved)
    text = "Can someone check the <https://example.com/brief|brief> for Brand refresh before Friday?"
    gallery.view(
        "“Start a Toggl timer” on a message",
        "the message shortcut, on a message naming a project",
        entry_form(*capture.start_form(eli, service, text, "CPROJECTS")),
    )
    gallery.view("“Log time”", "the global shortcut", entry_form(*capture.log_form(eli, service)))
    say("Stopping Eli's timer", "stop", ELI)
    clock.set(before)
    project = next(p for p in service.reader.cached_projects("T1", "UDANA", 4001) if p.estimated_seconds)
    unfurled = {"text": "(an unfurl has no notification text)", **unfurl_views.project_unfurl(project, 4001, {}, None)}
    gallery.message("A project link, unfurled", "a track.toggl.com project link posted by someone who can see it", unfurled)
    prompt = {"text": plain(unfurl_views.CONNECT_PROMPT), "blocks": unfurl_views.connect_prompt_blocks()}
    gallery.message("A project link, posted by someone not connected", "Slack's prompt, to the poster alone", prompt)
    step = workflow.budget_summary(workflow.StepInputs("T1", "UDANA", "CPROJECTS", threshold=80), service)
    assert step.message is not None
    gallery.message("The workflow step's post", "“Post a Toggl budget summary” in a workflow", step.message)
    for title, person, channel in [
        ("The workflow step fails: no digest there", "UDANA", "CELSEWHERE"),
        ("The workflow step fails: not connected", "USTRANGER", "CPROJECTS"),
    ]:
        failed = workflow.budget_summary(workflow.StepInputs("T1", person, channel), service)
        if failed.error is None:
            continue
        gallery.message(title, "shown to the workflow's owner in Workflow Builder", {"text": failed.error})


# -- end of capture ----------------------------------------------------------------------------------------------


def _payload(body: dict[str, Any]) -> dict[str, Any]:
    """What was posted, without the channel: the message itself."""
    return {k: v for k, v in body.items() if k in ("text", "blocks")}


def _empty_reports() -> list[tuple[str, Report]]:
    return [
        ("Nothing to report, every project judged", Report(judged=3)),
        ("Nothing to report, two without an estimate", Report(judged=1, without_estimate=2)),
        ("Nothing to judge", Report(without_estimate=3)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gallery", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/gallery.md is out of date")
    args = parser.parse_args(argv)
    text, gallery = render()
    outputs = {GALLERY: text, EXAMPLES: examples_json(gallery)}
    if args.check:
        for path, wanted in outputs.items():
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != wanted:
                print(f"{path.relative_to(ROOT)} is out of date: run python -m bench.gallery", file=sys.stderr)
                return 1
        return 0
    for path, wanted in outputs.items():
        path.write_text(wanted, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


def examples_json(gallery: Gallery) -> str:
    """The featured messages with their captions, as the pages door reads them."""
    featured = [{"caption": caption, "message": gallery.by_title[title]} for title, caption in FEATURED]
    return json.dumps(featured, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.exit(main())
