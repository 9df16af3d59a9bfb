"""Everything that speaks to Slack outside a listener's reply: the gateway, OAuth installation and its store."""

from bot.slack.gateway import (
    BOT_REFUSED,
    CANNOT_POST,
    BotRefused,
    NotInstalled,
    SlackGateway,
    SlackPerson,
    describe,
    error_code,
    note_acceptance,
    note_refusal,
)

__all__ = [
    "BOT_REFUSED",
    "CANNOT_POST",
    "BotRefused",
    "NotInstalled",
    "SlackGateway",
    "SlackPerson",
    "describe",
    "error_code",
    "note_acceptance",
    "note_refusal",
]
