"""Button values are data in a typed union, range-checked; anything else is refused, never a crash."""

from __future__ import annotations

import pytest

from bot import buttons
from bot.commands import DigestMute, DigestUnsubscribe, ListProjects, ListTasks, PickProject


@pytest.mark.parametrize(
    "value",
    [
        buttons.ProjectsPage(ws=1, status="all", client="Ácme", text='a "b"', over=True, sort="risk", page=3),
        buttons.TasksPage(ws=2**53, pid=42, all=True, page=2),
        buttons.MuteProject(ws=1, pid=2, sub=3),
        buttons.Suggested(words="projects website"),
        buttons.OpenConnect(),
        buttons.OpenDigestForm(channel="C123"),
        buttons.EditDigest(sub=7),
        buttons.StopDigest(sub=7),
        buttons.SwitchTo(ws=9),
        buttons.RefreshHome(),
        buttons.OpenInToggl(),
        buttons.ProjectMenu(ws=1, then="mute", sub=4),
    ],
)
def test_values_round_trip_and_fit_an_option(value: buttons.ButtonValue) -> None:
    raw = buttons.encode(value)
    assert buttons.decode(raw) == value
    if not isinstance(value, buttons.ProjectsPage | buttons.Suggested):
        assert len(raw) <= 150  # a menu option's value


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not json",
        "{}",
        "[1]",
        '{"k": "explode"}',
        '{"k": "projects"}',  # no workspace
        '{"k": "projects", "ws": 1, "bogus": 1}',  # unknown field
        '{"k": "projects", "ws": 1, "page": 0}',  # out of range
        '{"k": "tasks", "ws": -5, "pid": 1}',
        '{"k": "tasks", "ws": 1, "pid": 99999999999999999999}',
        '{"k": "projects", "ws": 1, "status": "deleted"}',
        '{"k": "run", "words": ""}',
        '{"k": "digest_form", "channel": "#general"}',
        '{"do": "projects"}',  # the older command form of a value
        '{"do": "projects", "page": "abc"}',  # the finding: it crashed in page_bounds
        '{"do": "digest-subscribe", "at": "25:61"}',  # the finding: it stored a schedule that broke every run
        '{"k": "projects", "ws": 1, "page": "abc"}',
        '{"k": "projects", "ws": 1, "text": "' + "x" * 300 + '"}',
        "x" * 5000,
    ],
)
def test_anything_we_did_not_make_is_refused(raw: str) -> None:
    assert buttons.decode(raw) is None


def test_values_become_the_commands_a_person_would_type() -> None:
    page = buttons.ProjectsPage(ws=5, text="web", page=2)
    assert buttons.to_command(page) == ListProjects(text="web", page=2, workspace_id=5)
    assert buttons.to_command(buttons.TasksPage(ws=5, pid=8, all=True)) == ListTasks("8", True, 1, 5)
    assert buttons.to_command(buttons.MuteProject(ws=5, pid=8, sub=3)) == DigestMute("8", True, 3, 5)
    assert buttons.to_command(buttons.StopDigest(sub=3)) == DigestUnsubscribe(subscription_id=3)
    assert buttons.to_command(buttons.Suggested(words="tasks")) == PickProject()
    assert buttons.to_command(buttons.OpenConnect()) is None
