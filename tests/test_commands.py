"""The word parser: every word of the grammar, forgiving spellings of times, zones and filters, and Slack's escapes."""

from __future__ import annotations

import pytest

from bot.commands import (
    Connect,
    DigestSubscribe,
    Disconnect,
    Greet,
    Help,
    Invalid,
    ListProjects,
    ListTasks,
    ListWorkspaces,
    PickProject,
    ShowMe,
    SwitchWorkspace,
    parse,
)
from bot.timewords import find_timezone, parse_time


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("  HELP  ", Help()),
        ("connect", Connect()),
        ("disconnect", Disconnect()),
        ("me", ShowMe()),
        ("workspaces", ListWorkspaces()),
        ("workspace", ListWorkspaces()),
        ("workspace Acme & Co", SwitchWorkspace("Acme & Co")),
        ("workspace 12345", SwitchWorkspace("12345")),
        ("projects", ListProjects()),
        ("Projects ARCHIVED", ListProjects(status="archived")),
        ("projects all client:Acme web", ListProjects(status="all", client="Acme", text="web")),
        ('projects client:"Acme Corp" site map', ListProjects(client="Acme Corp", text="site map")),
        ("projects client:“Acme Corp”", ListProjects(client="Acme Corp")),
        ("tasks website", ListTasks("website")),
        ("tasks Website redesign all", ListTasks("Website redesign", include_done=True)),
        ("tasks 4242", ListTasks("4242")),
        ("tasks all", ListTasks("all")),
        ("tasks", PickProject()),
        ("make coffee", Help(unknown="make coffee")),
        ("projects website archived", ListProjects(status="archived", text="website")),
        ("projects archived website", ListProjects(status="archived", text="website")),
        ("projects web client:Acme all", ListProjects(status="all", client="Acme", text="web")),
        ("projects client: Acme", ListProjects(client="Acme")),
        ("projects over", ListProjects(over=True)),
        ("projects by risk", ListProjects(sort="risk")),
        ("projcts", Help(unknown="projcts", suggestion="projects")),
        ("taks website", Help(unknown="taks website", suggestion="tasks website")),
        ("hi", Greet()),
        ("Hello!", Greet()),
        ("hey there", Greet()),
        ("good morning", Greet()),
        ("me please", Help(unknown="me please")),
    ],
)
def test_parse(words: str, expected: object) -> None:
    assert parse(words) == expected


def test_connect_keeps_the_token_but_never_shows_it() -> None:
    command = parse("connect sekrit-123")
    assert command == Connect(token="sekrit-123")
    assert "sekrit-123" not in repr(command)


@pytest.mark.parametrize(
    ("words", "at"),
    [
        *[("9am", "09:00"), ("9 am", "09:00"), ("9:30 pm", "21:30"), ("9:30pm", "21:30"), ("17h", "17:00")],
        *[("17h30", "17:30"), ("17:00", "17:00"), ("12am", "00:00"), ("12pm", "12:00"), ("noon", "12:00")],
        *[("at 9", "09:00"), ("at 7.45", "07:45")],
    ],
)
def test_times_are_read_as_people_write_them(words: str, at: str) -> None:
    """It answered "“9am” is not a time"."""
    assert parse(f"digest subscribe daily at {words}".replace("at at", "at")) == DigestSubscribe(cadence="daily", at=at)


@pytest.mark.parametrize("words", ["25:00", "13pm", "9:75", "0am"])
def test_impossible_times_are_refused(words: str) -> None:
    command = parse(f"digest subscribe at {words}")
    assert isinstance(command, Invalid) and "is not a time" in command.reason
    assert parse_time([words], bare_hour=True) is None


@pytest.mark.parametrize(
    ("words", "zone"),
    [
        *[("Berlin", "Europe/Berlin"), ("new york", "America/New_York"), ("New York", "America/New_York")],
        *[("europe/berlin", "Europe/Berlin"), ("UTC", "UTC"), ("utc", "UTC"), ("Buenos Aires", "America/Buenos_Aires")],
        *[("san francisco", "America/Los_Angeles"), ("Asia/Kolkata", "Asia/Kolkata")],
    ],
)
def test_zones_by_city_by_iana_name_or_utc(words: str, zone: str) -> None:
    """It answered "I did not understand “Berlin”"."""
    assert find_timezone(words) == zone
    assert parse(f"digest subscribe daily {words}") == DigestSubscribe(cadence="daily", timezone=zone)


def test_subscribe_words_in_any_order() -> None:
    expected = DigestSubscribe(cadence="weekly", weekday=4, at="17:00", timezone="America/New_York")
    assert parse("digest subscribe weekly fri at 5pm new york") == expected
    assert parse("digest subscribe new york 17h every friday") == expected
    assert parse("digest subscribe") == DigestSubscribe() and DigestSubscribe().bare


def test_unknown_zones_and_words_say_what_was_wrong() -> None:
    zone = parse("digest subscribe Mars/Olympus")
    assert isinstance(zone, Invalid) and "not a time zone I know" in zone.reason and "Berlin" in zone.reason
    word = parse("digest subscribe daily whenever")
    assert isinstance(word, Invalid) and "“whenever”" in word.reason and "9am" in word.reason
    typo = parse("digest subscibe")
    assert isinstance(typo, Invalid) and "Did you mean `digest subscribe`" in typo.reason


def test_far_fetched_verbs_get_no_suggestion() -> None:
    assert parse("dance") == Help(unknown="dance")
    assert parse("me please") == Help(unknown="me please")


def test_slack_escapes_are_undone() -> None:
    assert parse("projects &lt;beta&gt; &amp; more") == ListProjects(text="<beta> & more")
    assert parse("projects <https://example.com|Site>") == ListProjects(text="Site")
    assert parse("tasks <#C123|general>") == ListTasks("#general")
    assert parse("<@U123> projects") == Help(unknown="@U123 projects")


def test_unbalanced_quotes_do_not_break_parsing() -> None:
    assert parse('tasks "Website') == ListTasks('"Website')


def test_very_long_input_is_clipped() -> None:
    command = parse("projects " + "x" * 10_000)
    assert isinstance(command, ListProjects) and len(command.text or "") == 255


@pytest.mark.parametrize(
    "words", ["digest threshold ²", "digest unsubscribe ²", "digest subscribe at ٣", "digest subscribe at ²"]
)
def test_digits_that_are_not_0_to_9_are_refused_not_a_crash(words: str) -> None:
    """`"²".isdigit()` is True, yet `int("²")` raises: found by a long fuzzing run."""
    assert isinstance(parse(words), Invalid)
