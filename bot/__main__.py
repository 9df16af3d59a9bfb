"""The `toggl-bot` command line (also `python -m bot`): serve, ask, and the maintenance commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from pydantic import SecretStr, ValidationError

from bot.answers import answer
from bot.commands import parse
from bot.logs import setup_logging
from bot.service import Asker, Service
from bot.settings import Settings

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toggl-bot", description="Toggl for Slack")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the Slack app (HTTP on $PORT, or Socket Mode with SLACK_APP_TOKEN)")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run the digest scheduler in this process")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on in HTTP mode (default: all)")

    ask = commands.add_parser("ask", help="print, as JSON, the Slack messages the bot would answer these words with")
    ask.add_argument("words", help='what a person would type after /toggl, e.g. "projects archived"')
    ask.add_argument("--toggl-token", help="a Toggl API token to use directly (or set TOGGL_API_TOKEN)")
    ask.add_argument("--team", help="Slack team id of a stored person")
    ask.add_argument("--user", help="Slack user id of a stored person")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging()
    try:
        settings = Settings()
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors())
        print(f"toggl-bot: bad configuration: {problems}", file=sys.stderr)
        return 2
    if args.command == "ask":
        return ask(settings, args)
    if args.command == "serve":
        return serve(settings, args)
    return 2


def ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer the words as the Slack handlers would, and print the message payloads."""
    token = args.toggl_token or (settings.toggl_api_token.get_secret_value() if settings.toggl_api_token else None)
    if token:
        asker = Asker(token=SecretStr(token))
    elif args.team and args.user:
        asker = Asker(team_id=args.team, user_id=args.user)
    else:
        need = "give --toggl-token (or set TOGGL_API_TOKEN), or --team and --user of a stored person"
        print(f"toggl-bot ask: {need}", file=sys.stderr)
        return 2
    service = Service.from_settings(settings)
    reply = answer(parse(args.words), asker, service)
    print(json.dumps(reply.messages, indent=2, ensure_ascii=False))
    return 0


def serve(settings: Settings, args: argparse.Namespace) -> int:
    missing = settings.missing_for_serve()
    if missing:
        print(f"toggl-bot serve: {missing}", file=sys.stderr)
        return 2
    from bot.app import run

    run(settings, scheduler=not args.no_scheduler, host=args.host)
    return 0


if __name__ == "__main__":
    sys.exit(main())
