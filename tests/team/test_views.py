"""Team posts without HTTP: which days a post covers, each person's figures from the report's rows, the fold at 200
people within Slack's limits, the refusal, and the `team ...` words."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.commands import Invalid, TeamMe, TeamNudge, TeamPreview, TeamSubscribe, TeamUnsubscribe, parse
from bot.team import views
from bot.team.compose import TeamReport, members_of
from bot.team.period import covered
from bot.toggl.models import WeeklyRow, WorkspaceUser
from tests.blockkit import all_text, assert_valid_message

MONDAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("cadence", "today", "start", "end"),
    [
        ("weekdays", MONDAY, dt.date(2026, 11, 20), dt.date(2026, 11, 20)),  # Monday: the Friday before
        ("weekdays", MONDAY + dt.timedelta(days=1), MONDAY, MONDAY),
        ("daily", MONDAY - dt.timedelta(days=1), dt.date(2026, 11, 21), dt.date(2026, 11, 21)),  # Sunday: Saturday
        ("weekly", dt.date(2026, 11, 27), dt.date(2026, 11, 16), dt.date(2026, 11, 22)),
        ("weekly", MONDAY, dt.date(2026, 11, 16), dt.date(2026, 11, 22)),
    ],
)
def test_which_days_a_post_covers(cadence: str, today: dt.date, start: dt.date, end: dt.date) -> None:
    days = covered(cadence, today)
    assert (days.start, days.end) == (start, end)


def test_a_one_day_post_asks_a_week_and_reads_only_its_first_day() -> None:
    friday = covered("weekdays", MONDAY)
    assert friday.asked() == (dt.date(2026, 11, 20), dt.date(2026, 11, 26)) and friday.workday
    rows = [WeeklyRow(user_id=1, user_name="Ada", project_id=5, project_name="Site", seconds=[3600, 7200, 0, 0, 0, 0, 0])]
    (ada,) = members_of(rows, [], friday, 2 * 3600, {})
    assert (ada.seconds, ada.under) == (3600, True)  # Saturday's two hours are not Friday's
    week = covered("weekly", MONDAY)
    (ada,) = members_of(rows, [], week, None, {})
    assert ada.seconds == 3 * 3600 and not week.workday


def test_two_hundred_people_fold_into_and_n_more_with_everyone_in_the_thread() -> None:
    users = [WorkspaceUser(id=n, fullname=f"Person & {n:03d} <x>", is_active=True) for n in range(1, 201)]
    rows = [
        WeeklyRow(user_id=n, project_id=p, project_name=f"Project {p} with a long name", seconds=[600 * n, *[0] * 6])
        for n in range(1, 201)
        for p in range(1, 6)
    ]
    connected = {n: (f"U{n:04d}", n % 2 == 0) for n in range(1, 101)}
    members = members_of(rows, users, covered("weekdays", MONDAY), 4 * 3600, connected)
    report = TeamReport(covered("weekdays", MONDAY), 5, "Acme", "U0001", 4 * 3600, members)
    main, thread = views.team_post(report)
    assert_valid_message(main)
    assert len(main["blocks"]) <= 50 and "…and 175 more people: everyone is in the thread." in all_text(main)
    assert len(thread) == 1 and len(thread[0]["blocks"]) <= 50
    assert_valid_message(thread[0])
    text = all_text(thread[0])
    assert text.count("• ") == 200 and "Person &amp; 199 &lt;x&gt;" in text
    assert "<@U0002>" in text and "<@U0001>" not in text  # mentioned only where allowed
    assert len(report.under) == 4  # 5 projects of 10 min per n: under 4 h up to n = 4


def test_the_refusal_names_the_admins_when_it_can() -> None:
    assert "Ask *Ada &amp; co* or *Bo* to run" in all_text(views.refusal(["Ada & co", "Bo"], "Acme"))
    assert "does not let your account see" in all_text(views.refusal(None))


@pytest.mark.parametrize(
    ("words", "command"),
    [
        ("team subscribe weekdays at 9am Berlin min 4h", TeamSubscribe("weekdays", None, "09:00", "Europe/Berlin", 240)),
        ("team subscribe weekly friday at 17:00 min 32", TeamSubscribe("weekly", 4, "17:00", None, 1920)),
        ("team subscribe min 7h30", TeamSubscribe(min_minutes=450)),
        ("team unsubscribe", TeamUnsubscribe()),
        ("team preview", TeamPreview()),
        ("team me", TeamMe()),
        ("team nudge off", TeamNudge(on=False)),
    ],
)
def test_the_team_words(words: str, command: object) -> None:
    assert parse(words) == command


@pytest.mark.parametrize("words", ["team", "team subscribe min lots", "team nudge maybe", "team subscribe weekly at 9"])
def test_team_mistakes_get_a_reason(words: str) -> None:
    assert isinstance(parse(words), Invalid)
