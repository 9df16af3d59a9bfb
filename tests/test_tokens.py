"""Tokens as people paste them: cleaned, checked for Toggl's shape, and found anywhere in a message."""

from __future__ import annotations

import pytest

from bot.tokens import clean_token, contains_token, looks_like_token, without_tokens

TOKEN = "1971800d4d82861d8f2c1651fea4d212"


@pytest.mark.parametrize(
    "pasted",
    [
        TOKEN,
        f"  {TOKEN}\n",
        f"\u200b{TOKEN}\u200b",  # zero-width spaces around it
        f"“{TOKEN}”",  # curly quotes
        f"'{TOKEN}'",
        f"`{TOKEN}`",
        f"<{TOKEN}>",
        TOKEN.upper(),
        f"\ufeff{TOKEN[:10]}\u200d{TOKEN[10:]}",  # a joiner inside it
    ],
)
def test_a_pasted_token_is_cleaned_to_its_32_characters(pasted: str) -> None:
    assert clean_token(pasted) == TOKEN and looks_like_token(clean_token(pasted))


@pytest.mark.parametrize("pasted", ["", "tok-ada", TOKEN[:31], TOKEN + "0", "g" * 32, f"{TOKEN} please", "xoxb-1-2-3"])
def test_anything_else_does_not_look_like_a_token(pasted: str) -> None:
    assert not looks_like_token(clean_token(pasted))


def test_a_token_is_found_and_blanked_anywhere_in_a_message() -> None:
    text = f"hey @Toggl connect {TOKEN} now please"
    assert contains_token(text) and TOKEN not in without_tokens(text) and "[token]" in without_tokens(text)
    assert contains_token(f"my token:\u200b{TOKEN}")
    assert not contains_token("projects website 2026") and not contains_token("a" * 40)
