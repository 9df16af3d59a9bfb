"""Toggl API tokens as people paste them: what to strip, what a token looks like, and where one hides in text.

People copy a token out of a web page, a password manager or a chat, and it arrives wrapped in quotes
(often curly ones), with a zero-width space or a trailing newline. `clean_token` undoes all that;
`looks_like_token` then accepts only Toggl's shape, 32 hexadecimal characters, so anything else is
answered with "that does not look like a Toggl API token" before Toggl (or an HTTP header, which
cannot carry such characters) ever sees it. `contains_token` and `without_tokens` find a token-shaped
string anywhere in a message, so that one pasted in a channel is never used and never echoed back.
"""

from __future__ import annotations

import re

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
"""Zero-width spaces and joiners, the word joiner, the byte-order mark and the soft hyphen."""
WRAPPERS = "\"'`“”‘’„«»‹›<>()[]{} \t\r\n\u00a0"
TOKEN = re.compile(r"[0-9a-f]{32}")
TOKEN_IN_TEXT = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{28,36}(?![0-9a-fA-F])")
"""A token, or one pasted with a few characters lost or doubled: still a secret. A git commit id (40) is not one."""
BLANK = "[token]"
NOT_A_TOKEN = "That does not look like a Toggl API token: it is 32 letters and digits, at the bottom of your Toggl profile."


def clean_token(pasted: str) -> str:
    """The token inside what was pasted: invisible characters, whitespace and quotes removed, lower case."""
    return pasted.translate(INVISIBLE).strip(WRAPPERS).lower()


def looks_like_token(token: str) -> bool:
    """True for Toggl's token shape (32 hexadecimal characters), after `clean_token`."""
    return TOKEN.fullmatch(token) is not None


def contains_token(text: str) -> bool:
    """True when a token-shaped string appears anywhere in `text` (invisible characters ignored)."""
    return TOKEN_IN_TEXT.search(text.translate(INVISIBLE)) is not None


def without_tokens(text: str) -> str:
    """`text` with every token-shaped string replaced, for anything that repeats words back to a person."""
    return TOKEN_IN_TEXT.sub(BLANK, text.translate(INVISIBLE))
