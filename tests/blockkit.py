"""Checks that a message is one Slack would accept: slack_sdk's own validation plus the limits it lacks."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.views.common import MAX_BLOCKS, MAX_FIELD_TEXT, MAX_FIELDS


def assert_valid_message(message: dict[str, Any], max_blocks: int = MAX_BLOCKS) -> None:
    """Raise AssertionError (or slack_sdk's SlackObjectFormationError) if Slack would refuse this message."""
    assert isinstance(message.get("text"), str) and message["text"].strip(), "every message needs a text fallback"
    blocks = message.get("blocks", [])
    assert len(blocks) <= max_blocks, f"{len(blocks)} blocks is over the limit of {max_blocks}"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, f"unknown block {raw}"
        block.validate_json()
        if raw.get("type") == "section":
            fields = raw.get("fields") or []
            assert len(fields) <= MAX_FIELDS, "a section holds at most 10 fields"
            assert all(len(f["text"]) <= MAX_FIELD_TEXT for f in fields), "a field holds at most 2,000 characters"
            assert raw.get("text") or fields, "a section needs text or fields"
        if raw.get("type") == "actions":
            assert 1 <= len(raw["elements"]) <= 25
            ids = [e.get("action_id") for e in raw["elements"]]
            assert len(ids) == len(set(ids)), "action ids in one block must be unique"


def all_text(message: dict[str, Any]) -> str:
    """Every string in the message, joined: for asserting what a person would read."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message)
    return "\n".join(out)


def elements_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every interactive element: those in actions blocks and sections' accessories."""
    found: list[dict[str, Any]] = []
    for block in message.get("blocks", []):
        if block.get("type") == "actions":
            found += block["elements"]
        elif isinstance(block.get("accessory"), dict):
            found.append(block["accessory"])
    return found


def assert_valid_view(view: dict[str, Any]) -> None:
    """A modal or Home tab Slack would accept: 100 blocks, slack_sdk's own checks of the view."""
    from slack_sdk.models.views import View

    assert len(view.get("blocks", [])) <= 100, f"{len(view['blocks'])} blocks is over the limit of 100"
    View(**view).validate_json()
    assert_valid_message({"text": "view", "blocks": view["blocks"]}, max_blocks=100)


def mrkdwn_text(message: dict[str, Any]) -> str:
    """The text Slack parses as mrkdwn (where `<` starts a link or a mention), and the notification text.

    Plain-text objects (buttons, menu options, headers) are shown as typed, so a raw `<` is right there.
    """
    out: list[str] = [str(message.get("text", ""))]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
                out.append(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message.get("blocks", []))
    return "\n".join(out)
