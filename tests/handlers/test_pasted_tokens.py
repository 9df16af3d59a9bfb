"""Tokens as people paste them, through signed requests: cleaned and used in private, refused in a channel,
never echoed back, and "that does not look like a Toggl API token" for anything else."""

from __future__ import annotations

from tests.blockkit import all_text
from tests.fakes.app import Running

TOKEN = "1971800d4d82861d8f2c1651fea4d212"


def reply(running: Running, words: str, hook: str) -> str:
    running.send.command(words, response_url=running.slack.hook(hook))
    return all_text(running.slack.wait_for_calls(f"/hooks/{hook}")[-1].body)


def test_connect_with_a_token_wrapped_in_invisible_characters_and_quotes(running: Running) -> None:
    """Finding: `/toggl connect` with a zero-width space said "something went wrong on our side"."""
    running.toggl.add_person(TOKEN)
    text = reply(running, f"connect ‘\u200b{TOKEN}\u200b’", "c")
    assert "Connected to Toggl as *Ada Lovelace*" in text and TOKEN not in text


def test_connect_with_words_around_the_token_connects_and_never_echoes_it(running: Running) -> None:
    """Finding: `help` repeated `connect <token> please` back to the person, token included."""
    running.toggl.add_person(TOKEN)
    assert "Connected to Toggl" in reply(running, f"connect {TOKEN} please", "p")
    echoed = reply(running, f"frobnicate {TOKEN} now", "h")
    assert TOKEN not in echoed and "[token]" in echoed


def test_something_else_does_not_look_like_a_token(running: Running) -> None:
    text = reply(running, "connect hunter2", "x")
    assert "does not look like a Toggl API token" in text and "hunter2" not in text
    assert running.toggl.requests == []


def test_a_token_anywhere_in_a_channel_mention_gets_the_reset_warning_and_is_never_used(running: Running) -> None:
    """Finding: `@Toggl connect <token> now` in a channel got no warning (only the exact form did)."""
    running.toggl.add_person(TOKEN)
    for n, text in enumerate([f"connect {TOKEN} now", f"here is my token: {TOKEN}", f"connect {TOKEN}"]):
        assert running.send.mention(text, event_id=f"EvTok{n}").status_code == 200
    warnings = running.slack.wait_for_calls("chat.postEphemeral", 3)
    assert all("never paste your Toggl token in a channel" in all_text(w.body) for w in warnings)
    assert all(TOKEN not in all_text(w.body) for w in warnings)
    running.settle()
    assert running.toggl.requests == [] and running.service.store.people.get("T1", "U1") is None
