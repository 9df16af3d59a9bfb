"""Everything that speaks to Slack outside a listener's reply: the gateway, OAuth installation and its store."""

from bot.slack.gateway import CANNOT_POST, NotInstalled, SlackGateway, SlackPerson, describe, error_code

__all__ = ["CANNOT_POST", "NotInstalled", "SlackGateway", "SlackPerson", "describe", "error_code"]
