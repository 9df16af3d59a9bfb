"""docs/scopes.md gives every scope and event in manifest.yml a feature and a consequence, and nothing more."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_manifest import manifest

DOC = Path(__file__).resolve().parents[1] / "docs" / "scopes.md"


def rows(section: str) -> dict[str, list[str]]:
    """The table under the heading `## {section}`: first cell's code name -> the other cells."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in body.splitlines():
        match = re.fullmatch(r"\| `([^`]+)` \|(.*)\|", line.strip())
        if match:
            found[match.group(1)] = [cell.strip() for cell in match.group(2).split(" | ")]
    return found


def test_every_bot_scope_of_the_manifest_has_its_reason_and_none_more() -> None:
    scopes = manifest()["oauth_config"]["scopes"]
    assert set(rows("Bot scopes")) == set(scopes.get("bot", []))
    assert not scopes.get("user"), "user scopes need a section of their own in docs/scopes.md"


def test_every_event_of_the_manifest_has_its_reason_and_none_more() -> None:
    assert set(rows("Events")) == set(manifest()["settings"]["event_subscriptions"]["bot_events"])


def test_each_row_says_what_needs_it_and_what_breaks_without_it() -> None:
    for section in ("Bot scopes", "Events"):
        for name, cells in rows(section).items():
            assert len(cells) == 2 and all(len(cell) > 10 for cell in cells), f"{section}: {name}"


def test_a_scope_not_asked_for_is_not_in_the_manifest() -> None:
    text = DOC.read_text(encoding="utf-8").split("## Scopes deliberately not asked for", 1)[1]
    declined = set(re.findall(r"`([a-z_.]+:[a-z_.]+)`", text))
    assert declined and not declined & set(manifest()["oauth_config"]["scopes"]["bot"])
