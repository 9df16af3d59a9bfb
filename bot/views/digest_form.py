"""The digest form: cadence, a time picker, a time zone and a threshold, instead of syntax to remember.

`/toggl digest subscribe` with no details opens it (the slash command's trigger opens a modal);
where no form can open at once (a DM, a mention), a button does. From the Home tab it also asks
for the channel. `read_digest_form` turns a submission into the same `DigestSubscribe` the words
make, or into errors Slack shows beside the fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot import buttons
from bot.commands import DigestSubscribe, is_number
from bot.timewords import DAYS, find_timezone
from bot.views.common import Message, actions, button, channel_ref, context, message, option, plain_text, section

DIGEST_CALLBACK = "digest_modal"
OPEN_ACTION = "digest_form_open"
CHANNEL_BLOCK, CADENCE_BLOCK, TIME_BLOCK, ZONE_BLOCK, THRESHOLD_BLOCK = "channel", "cadence", "time", "zone", "threshold"
MAX_PRIVATE_METADATA = 3000

CADENCES: list[tuple[str, str]] = [
    ("daily", "Every day"),
    ("weekdays", "Weekdays (Monday to Friday)"),
    *((f"weekly-{n}", f"Every {day.title()}") for n, day in enumerate(DAYS)),
]


@dataclass(frozen=True)
class DigestDefaults:
    """What the form starts with: the person's subscription in that channel, else weekdays at 09:00."""

    channel_id: str | None
    cadence: str = "weekdays"
    weekday: int | None = None
    at: str = "09:00"
    timezone: str = "UTC"
    threshold: int = 80
    editing: bool = False
    response_url: str | None = None
    """Where to confirm: kept by the form's view id when it opens (`handlers.surfaces`), never in the form."""
    from_home: bool = False


@dataclass(frozen=True)
class DigestForm:
    """A valid submission: where, and what the words would have said."""

    channel_id: str
    command: DigestSubscribe
    from_home: bool


def digest_form_prompt(channel_id: str) -> Message:
    """Where no form can open at once (a DM, a mention): a button that opens it."""
    text = "Set up the budget digest for this channel in a short form."
    value = buttons.encode(buttons.OpenDigestForm(channel=channel_id))
    blocks = [
        section(f"{text} Or type it: `digest subscribe weekdays at 9am Berlin`."),
        actions(button("Set up the digest", OPEN_ACTION, value, style="primary")),
    ]
    return message(text, blocks)


def digest_modal(defaults: DigestDefaults) -> dict[str, Any]:
    cadence_key = f"weekly-{defaults.weekday or 0}" if defaults.cadence == "weekly" else defaults.cadence
    cadence_options = [option(label, key) for key, label in CADENCES]
    initial = next((o for o in cadence_options if o["value"] == cadence_key), cadence_options[1])
    metadata = {"channel": defaults.channel_id, "home": defaults.from_home}
    private = json.dumps({k: v for k, v in metadata.items() if v})
    blocks: list[dict[str, Any]] = []
    if defaults.channel_id is not None:  # the form says which channel it sets up: a modal shows no channel of its own
        where = channel_ref(defaults.channel_id)
        blocks.append(section(f"Your budget digest in {where}." if defaults.editing else f"A budget digest for {where}."))
    else:
        blocks.append(
            _input(
                CHANNEL_BLOCK,
                "Channel",
                {
                    "type": "conversations_select",
                    "action_id": "channel_input",
                    "placeholder": plain_text("Choose a channel", 150),
                    "filter": {"include": ["public", "private"], "exclude_bot_users": True},
                },
                hint="I must be in the channel to post there: `/invite @Toggl`.",
            )
        )
    blocks += [
        _input(
            CADENCE_BLOCK,
            "How often",
            {"type": "static_select", "action_id": "cadence_input", "options": cadence_options, "initial_option": initial},
        ),
        _input(TIME_BLOCK, "At", {"type": "timepicker", "action_id": "time_input", "initial_time": defaults.at}),
        _input(
            ZONE_BLOCK,
            "Time zone",
            {
                "type": "plain_text_input",
                "action_id": "zone_input",
                "initial_value": defaults.timezone,
                "max_length": 60,
                "placeholder": plain_text("Berlin, new york, Europe/Berlin or UTC", 150),
            },
            hint="A city, an IANA zone name, or UTC.",
        ),
        _input(
            THRESHOLD_BLOCK,
            "Warn from (% of the estimate)",
            {
                "type": "number_input",
                "action_id": "threshold_input",
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": "1000",
                "initial_value": str(defaults.threshold),
            },
            hint="Projects from this share of their estimate are listed as approaching it.",
        ),
        context("The digest uses your Toggl data and says so in its footer. Only projects with an estimate are judged."),
    ]
    return {
        "type": "modal",
        "callback_id": DIGEST_CALLBACK,
        "title": plain_text("Budget digest", 24),
        "submit": plain_text("Save" if defaults.editing else "Subscribe", 24),
        "close": plain_text("Cancel", 24),
        "private_metadata": private if len(private) <= MAX_PRIVATE_METADATA else "{}",
        "blocks": blocks,
    }


def _input(block_id: str, label: str, element: dict[str, Any], hint: str = "") -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": plain_text(label, 2000), "element": element}
    if hint:
        block["hint"] = plain_text(hint, 2000)
    return block


def read_digest_form(view: dict[str, Any]) -> DigestForm | dict[str, str]:
    """The submission as a `DigestForm`, or errors by block id for Slack to show beside the fields."""
    values = (view.get("state") or {}).get("values") or {}
    metadata = _metadata(view)

    def value(block: str, action: str, key: str) -> Any:
        found = (values.get(block) or {}).get(action) or {}
        return found.get(key) if isinstance(found, dict) else None

    errors: dict[str, str] = {}
    channel = metadata.get("channel") or value(CHANNEL_BLOCK, "channel_input", "selected_conversation")
    if not isinstance(channel, str) or channel[:1] not in ("C", "G", "D"):
        errors[CHANNEL_BLOCK] = "Choose the channel the digest goes to."
    selected = value(CADENCE_BLOCK, "cadence_input", "selected_option") or {}
    key = selected.get("value") if isinstance(selected, dict) else None
    if key not in dict(CADENCES):
        errors[CADENCE_BLOCK] = "Choose how often."
    at = value(TIME_BLOCK, "time_input", "selected_time")
    if not isinstance(at, str) or len(at) != 5 or at[2] != ":" or not is_number(at[:2] + at[3:]):
        errors[TIME_BLOCK] = "Choose a time."
    zone_text = value(ZONE_BLOCK, "zone_input", "value")
    zone = find_timezone(zone_text) if isinstance(zone_text, str) else None
    if zone is None:
        errors[ZONE_BLOCK] = "I do not know that time zone: try a city such as Berlin, or Europe/Berlin, or UTC."
    threshold_text = value(THRESHOLD_BLOCK, "threshold_input", "value")
    threshold = int(threshold_text) if isinstance(threshold_text, str) and is_number(threshold_text) else 0
    if not 1 <= threshold <= 1000:
        errors[THRESHOLD_BLOCK] = "A whole percent from 1 to 1000, such as 80."
    if errors:
        return errors
    assert isinstance(key, str) and isinstance(channel, str) and isinstance(at, str)
    cadence, _, day = key.partition("-")
    command = DigestSubscribe(
        cadence=cadence,  # type: ignore[arg-type]  # one of CADENCES' own keys (checked above), so a Cadence word
        weekday=int(day) if day else None,
        at=at,
        timezone=zone,
        threshold=threshold,
    )
    return DigestForm(channel, command, bool(metadata.get("home")))


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
