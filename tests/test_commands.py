"""The word parser: every word of the grammar, Slack's escapes, and round-trips through button values."""

from __future__ import annotations

import pytest

from bot.commands import (
    Connect,
    Disconnect,
    Help,
    ListProjects,
    ListTasks,
    ListWorkspaces,
    ShowMe,
    SwitchWorkspace,
    decode,
    encode,
    parse,
    with_page,
)


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
        ("tasks", Help(unknown="tasks")),
        ("make coffee", Help(unknown="make coffee")),
        ("me please", Help(unknown="me please")),
    ],
)
def test_parse(words: str, expected: object) -> None:
    assert parse(words) == expected


def test_connect_keeps_the_token_but_never_shows_it() -> None:
    command = parse("connect sekrit-123")
    assert command == Connect(token="sekrit-123")
    assert "sekrit-123" not in repr(command)
    assert "sekrit-123" not in encode(command)


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
    assert len(encode(command)) < 2000


def test_commands_round_trip_through_button_values() -> None:
    for command in [ListProjects(status="all", client="Ácme", text='a "b"', page=3), ListTasks("123", True, 2), ShowMe()]:
        assert decode(encode(command)) == command
    assert with_page(ListProjects(), 0).page == 1  # type: ignore[union-attr]


@pytest.mark.parametrize("value", ["", "not json", "{}", '{"do": "explode"}', '{"do": "projects", "bogus": 1}', "[1]"])
def test_unreadable_button_values_become_help(value: str) -> None:
    assert decode(value) == Help()
