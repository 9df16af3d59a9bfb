"""Views are pure: build messages from models and check them against Block Kit's limits and escaping."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot import buttons, toggl
from bot.commands import ListProjects
from bot.figures import bar, duration
from bot.toggl.models import Me, Period, Project, RecurringParameters, Task, Workspace
from bot.views import account, errors, help
from bot.views.common import against_estimate, clip, escape
from bot.views.projects import projects_page
from bot.views.tasks import RECURRING_NOTE, no_project, project_chooser, tasks_page
from tests.blockkit import all_text, assert_valid_message, elements_of, mrkdwn_text

NASTY = "<script> & <@U123> " + "Ω" * 300


def projects(n: int) -> list[Project]:
    return [
        Project(id=i, name=f"P{i:04d}", actual_seconds=i * 600, estimated_seconds=36_000 if i % 2 else None)
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 min"), (59, "1 min"), (45 * 60, "45 min"), (19_800, "5 h 30 min"), (36_000, "10 h"), (None, "n/a")],
)
def test_duration(seconds: int | None, text: str) -> None:
    assert duration(seconds) == text


def test_progress_bar_and_percent() -> None:
    assert bar(5, 10) == "▓▓▓▓▓░░░░░"
    assert bar(30, 10) == "▓" * 10
    assert "55%" in against_estimate(19_800, 36_000)
    assert "no estimate" in against_estimate(60, None)
    assert ":warning:" in against_estimate(40_000, 36_000)


def test_escape_and_clip() -> None:
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    clipped = clip(escape("x" * 10 + "&&&"), 14)
    assert clipped.endswith("…") and "&am…" not in clipped and len(clipped) <= 14


def test_first_page_of_450_projects_says_how_many_and_offers_the_next() -> None:
    message = projects_page(projects(450), ListProjects(), workspace_id=7)
    assert_valid_message(message)
    text = all_text(message)
    assert "1–40 of 450" in text
    (next_button,) = elements_of(message)
    assert buttons.decode(next_button["value"]) == buttons.ProjectsPage(ws=7, page=2)


def test_every_page_is_valid_and_together_they_show_every_project() -> None:
    seen: set[str] = set()
    page = 1
    while True:
        message = projects_page(projects(450), ListProjects(page=page), workspace_id=7)
        assert_valid_message(message)
        seen |= set(re.findall(r"\|(P\d{4})>", all_text(message)))
        following = [e for e in elements_of(message) if e["action_id"] == "page_next"]
        if not following:
            break
        value = buttons.decode(following[0]["value"])
        assert isinstance(value, buttons.ProjectsPage)
        page = value.page
    assert page == 12 and len(seen) == 450
    assert "441–450 of 450" in all_text(message)


def test_one_line_per_project_without_a_repeated_status() -> None:
    """A page was 43 blocks of two-line entries, each repeating "active ·"."""
    listed = [*projects(39), Project(id=99, name="Old", active=False, status="archived", actual_seconds=60)]
    message = projects_page(listed, ListProjects(status="all"), workspace_id=7)
    lines = [line for b in message["blocks"] if b["type"] == "section" for line in b["text"]["text"].split("\n")]
    assert len(lines) == 40 and len(message["blocks"]) < 10
    assert not any("active ·" in line for line in lines)
    assert sum("· archived" in line for line in lines) == 1


def test_a_single_project_reads_as_one() -> None:
    """It said "1–1 of 1", then "1 of 1 active projects"."""
    message = projects_page(projects(1), ListProjects(), workspace_id=7)
    assert "1 active project" in all_text(message) and "1 of 1" not in all_text(message)
    assert "1–1" not in all_text(message) and "active projects" not in all_text(message)


def test_every_project_name_links_to_toggl_with_the_label_escaped() -> None:
    listed = [Project(id=5, workspace_id=7, name="a>b & <c>", estimated_seconds=10, actual_seconds=5)]
    line = projects_page(listed, ListProjects(), workspace_id=7)["blocks"][2]["text"]["text"]
    assert "*<https://track.toggl.com/7/projects/5/team|a&gt;b &amp; &lt;c&gt;>*" in line


def test_the_workspace_is_named_when_given() -> None:
    message = projects_page(projects(2), ListProjects(), workspace_id=7, workspace_name="Side & Co")
    assert "1–2 of 2 active projects in *Side &amp; Co*" in all_text(message)


def test_pinned_projects_come_first() -> None:
    listed = [*projects(5), Project(id=99, name="zzz pinned", pinned=True)]
    first = projects_page(listed, ListProjects(), workspace_id=7)["blocks"][2]["text"]["text"]
    assert first.startswith(":pushpin:") and "zzz pinned" in first.split("\n")[0]


def test_by_risk_puts_the_riskiest_first_and_estimate_less_last() -> None:
    listed = [
        Project(id=1, name="Calm", estimated_seconds=100, actual_seconds=10),
        Project(id=2, name="Hot", estimated_seconds=100, actual_seconds=150),
        Project(id=3, name="Pinned, no estimate", pinned=True),
        Project(id=4, name="Warm", estimated_seconds=100, actual_seconds=85),
    ]
    text = projects_page(listed, ListProjects(sort="risk"), workspace_id=7)["blocks"][2]["text"]["text"]
    assert [re.search(r"\|([^>]+)>", line).group(1) for line in text.split("\n")] == [  # type: ignore[union-attr]  # a None fails the test all the same
        "Hot",
        "Warm",
        "Calm",
        "Pinned, no estimate",
    ]


def test_a_page_offers_the_projects_at_risk() -> None:
    message = projects_page(projects(3), ListProjects(), workspace_id=7, at_risk=2, threshold=80)
    (risky,) = [e for e in elements_of(message) if e["action_id"] == "show_at_risk"]
    assert risky["text"]["text"] == "At or over 80% (2)"
    assert buttons.decode(risky["value"]) == buttons.ProjectsPage(ws=7, over=True, sort="risk")


def test_names_are_escaped_and_long_names_fit() -> None:
    listed = [Project(id=i, name=NASTY, client_name=NASTY, estimated_seconds=10, actual_seconds=5) for i in range(40)]
    message = projects_page(listed, ListProjects(client="<x>", text="&"), workspace_id=7)
    assert_valid_message(message)
    text = all_text(message)
    assert "<script>" not in text and "<@U123>" not in text
    assert "&lt;script&gt; &amp; &lt;@U123&gt;" in text


def test_no_projects_says_so() -> None:
    message = projects_page([], ListProjects(text="nothing"), workspace_id=7)
    assert_valid_message(message)
    assert "No active projects matching “nothing”" in message["text"]


def test_tasks_show_milliseconds_turned_into_hours_and_minutes() -> None:
    project = Project(id=1, name="Website", estimated_seconds=36_000, actual_seconds=19_800)
    task = Task.from_toggl({"id": 2, "name": "Design", "tracked_seconds": 19_800_000, "estimated_seconds": 36_000})
    message = tasks_page(project, [task], workspace_id=7)
    assert_valid_message(message)
    assert "5 h 30 min of 10 h · 55%" in all_text(message)


def test_recurring_project_tasks_never_show_zero() -> None:
    project = Project(
        id=1,
        name="Support",
        recurring=True,
        recurring_parameters=[RecurringParameters(period="monthly", estimated_seconds=36_000)],
        current_period=Period(start_date=dt.date(2026, 11, 1), end_date=dt.date(2026, 11, 30)),
    )
    tasks = [Task(id=2, name="Tickets", tracked_seconds=0), Task(id=3, name="Calls", tracked_seconds=0)]
    message = tasks_page(project, tasks, workspace_id=7, figures={1: 7200})
    text = all_text(message)
    assert not re.search(r"(?<!\d)0 min", text)
    assert "this period (1–30 Nov 2026): 2 h of 10 h · 20%" in text
    assert text.count(RECURRING_NOTE) == 1  # one note, not one a task
    unknown = tasks_page(project, tasks, workspace_id=7, figures={1: "reports need a paid Toggl plan"})
    assert "reports need a paid Toggl plan" in all_text(unknown)


def test_many_tasks_page() -> None:
    project = Project(id=1, name="Big")
    tasks = [Task(id=i, name=NASTY, tracked_seconds=i, estimated_seconds=100) for i in range(130)]
    message = tasks_page(project, tasks, workspace_id=7, page=4)
    assert_valid_message(message)
    assert "121–130 of 130" in all_text(message)


def test_a_long_chooser_is_a_menu_not_a_paragraph() -> None:
    matches = [Project(id=i, name=f"Web {i} " + "x" * 100, client_name="Acme") for i in range(1, 31)]
    message = project_chooser("web", matches, workspace_id=7, include_done=True)
    assert_valid_message(message)
    (menu,) = elements_of(message)
    assert menu["type"] == "static_select" and len(menu["options"]) == 30
    assert buttons.decode(menu["options"][3]["value"]) == buttons.TasksPage(ws=7, pid=4, all=True)


def test_no_project_offers_only_really_close_names() -> None:
    message = no_project("<wbsite>", ["Website & shop"])
    assert_valid_message(message)
    assert "No project matches “&lt;wbsite&gt;”" in message["text"]
    assert "Did you mean *Website &amp; shop*?" in all_text(message)
    assert "Did you mean" not in all_text(no_project("nosuchprojectxyz", []))


@pytest.mark.parametrize(
    "message",
    [
        help.help_message(),
        help.help_message(NASTY),
        account.me_message(Me(id=1, fullname=NASTY, email="a@b", timezone="UTC"), Workspace(id=2, name=NASTY)),
        account.workspaces_message([Workspace(id=i, name=NASTY) for i in range(1, 61)], 3),
        account.workspaces_message([], None),
        account.no_workspace(NASTY, [Workspace(id=1, name=NASTY)]),
        account.connected(Me(id=1, fullname=NASTY), None),
        account.disconnected(True),
        account.welcome(NASTY, True),
        account.welcome(None, False),
        help.did_you_mean(NASTY, "projects"),
        account.not_connected(),
        *(
            errors.toggl_error_message(e)
            for e in [
                toggl.TokenRejected("x"),
                toggl.QuotaExceeded("x", resets_in=754),
                toggl.QuotaExceeded("x", resets_in=None),
                toggl.FeatureUnavailable("x"),
                toggl.NoWorkspaceAccess("x"),
                toggl.NotFound("x"),
                toggl.RateLimited("x", retry_after=3),
                toggl.TogglUnavailable("x"),
                toggl.BadResponse("x"),
                toggl.TogglError("x"),
            ]
        ),
        errors.unexpected_error(),
    ],
)
def test_every_other_message_is_valid_and_escaped(message: dict) -> None:
    assert_valid_message(message)
    assert "<script>" not in mrkdwn_text(message)


def test_quota_message_says_when_it_resets() -> None:
    assert "resets in 13 min" in errors.toggl_error_message(toggl.QuotaExceeded("x", resets_in=754))["text"]


def test_the_not_installed_text_without_a_public_url_or_in_one_workspace_mode() -> None:
    assert "reinstall it from the app's /slack/install page." in errors.not_installed(True, None)
    single = errors.not_installed(False, None)
    assert "SLACK_BOT_TOKEN" in single and ":bow:" not in single and "/slack/install" not in single
