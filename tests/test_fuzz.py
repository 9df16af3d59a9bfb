"""Fuzzing with hypothesis: random words, Slack's escapes, very long and empty input, through the parser,
the command code, and the whole HTTP path from a signed slash command or DM to the reply.

A short run happens in every test run. For a long one:
    HYPOTHESIS_PROFILE=long python -m pytest -m fuzz
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import buttons
from bot.answers import answer
from bot.commands import Connect, DigestSubscribe, ListProjects, parse
from bot.identity import Asker
from bot.service import Service
from tests.blockkit import assert_valid_message
from tests.fakes.app import Running
from tests.fakes.toggl import FakeToggl, standard_world

pytestmark = pytest.mark.fuzz

VERBS = [
    *["", "help", "connect", "disconnect", "me", "workspaces", "workspace", "projects", "tasks", "digest"],
    *["digest subscribe", "digest mute", "digest threshold", "digest unsubscribe", "projects archived client:"],
]
ESCAPES = [
    *["<@U123>", "<@U123|ada>", "<#C123|general>", "<!here>", "<https://x.example|y>", "<https://x.example>"],
    *["&amp;", "&lt;", "&gt;", "“", "”", '"', "\\", "\n", "\t", "  ", "#", "%", "/", ":", "𝔘𝔫𝔦", "\u202e", "\x00"],
]

words = st.builds(
    lambda verb, parts, tail: f"{verb} {' '.join(parts)}{tail}",
    st.sampled_from(VERBS),
    st.lists(st.one_of(st.sampled_from(ESCAPES), st.text(max_size=40)), max_size=12),
    st.one_of(st.just(""), st.text(min_size=0, max_size=5000)),
)
SHARED_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
"""The fakes and the database are set up once per test and shared by its examples, on purpose."""


@given(words)
def test_the_parser_never_fails_and_a_list_round_trips_through_its_button(text: str) -> None:
    command = parse(text)
    if isinstance(command, ListProjects):
        value = buttons.projects_page(command, 123, 2)
        raw = buttons.encode(value)
        assert buttons.decode(raw) == value and len(raw) <= 2000


@given(st.one_of(st.text(max_size=300), words, st.sampled_from(['{"k":"tasks","ws":1,"pid":', '{"k":"projects"'])))
def test_any_button_value_is_decoded_or_refused(raw: str) -> None:
    value = buttons.decode(raw)
    assert value is None or buttons.decode(buttons.encode(value)) == value


@settings(suppress_health_check=SHARED_FIXTURES)
@given(text=words)
def test_the_command_code_always_answers_within_limits(text: str, fake_toggl: FakeToggl, service: Service) -> None:
    if not fake_toggl.people:
        world = standard_world(fake_toggl, projects=60)
        service.accounts.connect("T1", "U1", world["token"])
    reply = answer(parse(text), Asker(team_id="T1", user_id="U1", channel_id="C1"), service)
    assert reply.messages or reply.open_connect_modal
    for message in reply.messages:
        assert_valid_message(message)


counter = itertools.count()


@settings(suppress_health_check=SHARED_FIXTURES, max_examples=max(20, settings().max_examples // 3))
@given(text=words, door=st.sampled_from(["command", "dm"]))
def test_the_whole_path_always_replies_within_limits(text: str, door: str, running: Running) -> None:
    if not running.toggl.people:
        standard_world(running.toggl, projects=60)
    if running.service.accounts.person("T1", "U1") is None:  # an earlier example may have said `disconnect`
        running.service.accounts.connect("T1", "U1", next(iter(running.toggl.people)))
    n = next(counter)
    if door == "command":
        response = running.send.command(text, response_url=running.slack.hook(f"z{n}"))
        assert response.status_code == 200
        parsed = parse(text)
        opens_a_form = isinstance(parsed, Connect) and parsed.token is None
        if opens_a_form or (isinstance(parsed, DigestSubscribe) and parsed.bare):
            running.slack.wait_for(lambda calls: any(c.method == "views.open" for c in calls))
            return
        reply = running.slack.wait_for_calls(f"/hooks/z{n}")[-1].body
    else:
        before = len(running.slack.of("chat.postMessage"))
        response = running.send.dm(text, event_id=f"Ev-fuzz-{n}")
        assert response.status_code == 200
        reply = running.slack.wait_for_calls("chat.postMessage", before + 1)[-1].body
    assert_valid_message(reply)
