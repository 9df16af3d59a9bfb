"""The manifest imports as is: it validates against Slack's own schema and matches what the app registers."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from referencing import Registry, Resource

from bot.app import REDIRECT_PATH, SCOPES
from bot.views.help import WORDS
from handlers.commands import COMMAND

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).parent / "data" / "slack-manifest-schema"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def validator() -> jsonschema.Draft7Validator:
    """Slack's schema, with its remote $refs served from the local copies."""
    files = (SCHEMAS / "schemas").glob("*.json")
    resources = [(REMOTE + path.name, Resource.from_contents(json.loads(path.read_text()))) for path in files]
    schema = json.loads((SCHEMAS / "manifest.schema.json").read_text())
    return jsonschema.Draft7Validator(schema, registry=Registry().with_resources(resources))


def test_manifest_validates_against_slacks_schema() -> None:
    errors = sorted(validator().iter_errors(manifest()), key=str)
    assert errors == []


def test_the_validator_does_catch_mistakes() -> None:
    broken = manifest()
    broken["features"]["slash_commands"][0]["description"] = 42
    assert list(validator().iter_errors(broken))


def test_manifest_asks_for_what_the_app_uses() -> None:
    data = manifest()
    assert {c["command"] for c in data["features"]["slash_commands"]} == {COMMAND}
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:history", "app_mentions:read"} <= scopes
    assert scopes == set(SCOPES)  # "Add to Slack" asks for exactly what the manifest declares
    assert [url.removeprefix("https://toggl-bot.example.com") for url in data["oauth_config"]["redirect_urls"]] == [
        REDIRECT_PATH
    ]
    events = set(data["settings"]["event_subscriptions"]["bot_events"])
    assert {"message.im", "app_mention", "app_home_opened"} <= events
    assert data["settings"]["interactivity"]["is_enabled"] is True
    # type-ahead project menus (external_select) load their options from the app
    assert data["settings"]["interactivity"]["message_menu_options_url"].endswith("/slack/events")
    assert data["features"]["app_home"]["messages_tab_enabled"] is True


def test_usage_hint_and_help_name_the_same_words() -> None:
    hint = manifest()["features"]["slash_commands"][0]["usage_hint"]
    verbs = {words.split()[0] for words, _ in WORDS}
    assert {part.split()[0] for part in hint.split("|")} <= verbs | {"digest"}


def test_procfile_runs_web_clock_and_a_release_migration() -> None:
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert lines == {
        "release": "toggl-bot migrate",
        "web": "toggl-bot serve --no-scheduler",  # on $PORT, which the platform sets
        "clock": "toggl-bot scheduler",
    }
