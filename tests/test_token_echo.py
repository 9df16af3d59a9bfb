"""A pasted token is never repeated back: every command word, misspelt or not, with a token beside it,
through the parser, the answer, its buttons and their values, and the log.

Finding: `conect <token>` answered "Did you mean `connect <token>`?", with the token on the button and in
its value, as a bot message in a DM that the person cannot delete.
"""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import buttons
from bot.answers import answer
from bot.commands import DIGEST_VERBS, VERBS, Help, parse
from bot.identity import Asker
from bot.service import Service
from bot.tokens import INVISIBLE
from tests.blockkit import all_text
from tests.fakes.app import Running
from tests.fakes.toggl import FakeToggl, standard_world

TOKEN = "feedc0de0123456789abcdef01234567"
WORDS = [*VERBS, *(f"digest {verb}" for verb in DIGEST_VERBS), "projcts", "conect", "frobnicate"]


def misspelt(word: str, kind: int, at: int) -> str:
    """One typing slip: a letter dropped, doubled, swapped with the next, or the word as it is."""
    if not word or kind == 0:
        return word
    at %= len(word)
    if kind == 1:
        return word[:at] + word[at + 1 :]
    if kind == 2:
        return word[:at] + word[at] + word[at:]
    return word[:at] + word[at + 1 : at + 2] + word[at] + word[at + 2 :]


pasted = st.sampled_from(
    [TOKEN, TOKEN.upper(), f"“{TOKEN}”", f"`{TOKEN}`", f"{TOKEN[:9]}\u200b{TOKEN[9:]}", TOKEN[:-1], TOKEN + "e"]
)
"""The token as people paste it: quoted, shouted, with a zero-width space, or a character lost or doubled."""
phrases = st.builds(
    lambda word, kind, at, token, where, extra: " ".join(
        [misspelt(word, kind, at), *([token, extra] if where == 0 else [extra, token] if where == 1 else [token])]
    ).strip(),
    st.sampled_from(WORDS),
    st.integers(0, 3),
    st.integers(0, 20),
    pasted,
    st.integers(0, 2),
    st.sampled_from(["please", "now", "project:Website", "", "at 9am"]),
)


def leaks(anything: object) -> bool:
    """True when the token, or most of it, appears in what was said (case and invisible characters ignored)."""
    said = json.dumps(anything, ensure_ascii=False).translate(INVISIBLE).casefold()
    return TOKEN[:28] in said or TOKEN[4:] in said


SHARED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(suppress_health_check=SHARED)
@given(text=phrases)
def test_no_answer_repeats_a_pasted_token(text: str, fake_toggl: FakeToggl, service: Service, caplog) -> None:
    if not fake_toggl.people:
        service.accounts.connect("T1", "U1", standard_world(fake_toggl, projects=3)["token"])
    caplog.set_level(logging.DEBUG)
    command = parse(text)
    if not text.casefold().startswith("connect"):
        assert not leaks(repr(command)), command
    reply = answer(command, Asker(team_id="T1", user_id="U1", channel_id="D1"), service)
    assert not leaks([m.get("text") for m in reply.messages]) and not leaks([m.get("blocks") for m in reply.messages])
    for value in _button_values(reply.messages):
        decoded = buttons.decode(value)
        assert not leaks(value) and (decoded is None or not leaks(repr(decoded)))
    assert not leaks([record.getMessage() for record in caplog.records])


def _button_values(messages: list[dict]) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("value"), str):
                found.append(node["value"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(messages)
    return found


@pytest.mark.parametrize("words", ["conect", "connnect", "projcts", "disconect", "digest subscrbe"])
def test_the_suggestion_drops_the_token_and_connect_opens_the_form(words: str) -> None:
    command = parse(f"{words} {TOKEN} please")
    assert isinstance(command, Help) or words.startswith("digest")
    if isinstance(command, Help) and command.suggestion:
        assert TOKEN not in command.suggestion and "[token]" not in command.suggestion
        if words.startswith("con"):
            assert command.suggestion == "connect"


@pytest.mark.parametrize("door", ["command", "dm"])
def test_a_misspelt_connect_with_a_token_through_slack_never_shows_it(door: str, running: Running) -> None:
    running.toggl.add_person(TOKEN)
    if door == "command":
        running.send.command(f"conect {TOKEN} please", response_url=running.slack.hook("typo"))
        said = running.slack.wait_for_calls("/hooks/typo")[-1].body
    else:
        assert running.send.dm(f"connnect {TOKEN}", event_id="EvTypo").status_code == 200
        said = running.slack.wait_for_calls("chat.postMessage")[-1].body
    assert "Did you mean `connect`?" in all_text(said) and not leaks(said)
    assert running.toggl.requests == []
