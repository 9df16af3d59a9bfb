"""The `toggl-bot` command line (also `python -m bot`): serve, ask, and the maintenance commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from pydantic import SecretStr, ValidationError
from sqlalchemy.exc import OperationalError

from bot.answers import answer
from bot.clock import SYSTEM
from bot.commands import Help, Invalid, parse
from bot.crypto import KeyProblem
from bot.figures import plural
from bot.identity import Asker
from bot.logs import setup_logging
from bot.service import Service
from bot.settings import Settings
from bot.store import BadDatabaseUrl, DatabaseTooNew, Store

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toggl-bot", description="Toggl for Slack")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the Slack app (HTTP on $PORT, or Socket Mode with SLACK_APP_TOKEN)")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run the digest scheduler in this process")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on in HTTP mode (default: all)")

    commands.add_parser("scheduler", help="run only the digest scheduler (the Procfile's clock process)")
    digest = commands.add_parser("digest", help="digest maintenance")
    digest_commands = digest.add_subparsers(dest="digest_command", required=True)
    digest_run = digest_commands.add_parser("run", help="post every digest that is due now, then exit (for cron)")
    digest_run.add_argument("--force", action="store_true", help="post every subscription now, claiming no scheduled slot")

    commands.add_parser("migrate", help="bring the database schema up to date, then exit (a release phase)")
    doctor = commands.add_parser("doctor", help="check the database, keys, Slack and Toggl, one line each")
    doctor.add_argument(
        "--forget-unreadable", action="store_true", help="delete stored Toggl tokens no configured key decrypts"
    )
    copy = commands.add_parser("copy-data", help="copy everything from another database into DATABASE_URL (empty)")
    copy.add_argument("--from", dest="source", required=True, help="the old DATABASE_URL, e.g. sqlite:///toggl_bot.db")

    rotate = commands.add_parser(
        "rotate-key", help="re-encrypt every stored Toggl token and Slack bot token under the newest key"
    )
    rotate.add_argument(
        "--new-key",
        action="store_true",
        help="with the key file (no TOKEN_ENCRYPTION_KEY): add a fresh key to it first, then re-encrypt under it",
    )

    forget = commands.add_parser(
        "forget", help="delete everything kept for a workspace (--team) or a person (--user), e.g. when asked by e-mail"
    )
    forget.add_argument("--team", help="Slack team id (T…): the whole workspace, or with --user, that person in it only")
    forget.add_argument("--user", help="Slack user id (U…): that person, in every workspace unless --team is given")

    ask = commands.add_parser("ask", help="print, as JSON, the Slack messages the bot would answer these words with")
    ask.add_argument("words", help='what a person would type after /toggl, e.g. "projects archived"')
    ask.add_argument("--toggl-token", help="a Toggl API token to use directly (or set TOGGL_API_TOKEN)")
    ask.add_argument("--team", help="Slack team id of a stored person")
    ask.add_argument("--user", help="Slack user id of a stored person")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors())
        print(f"toggl-bot: bad configuration: {problems}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.log_format)
    try:
        return _run(settings, args)
    except (KeyProblem, DatabaseTooNew) as err:
        print(f"toggl-bot {args.command}: {err}", file=sys.stderr)
        return 2
    except OperationalError as err:
        print(f"toggl-bot {args.command}: the database at DATABASE_URL cannot be used: {_first_line(err)}", file=sys.stderr)
        return 2


def _first_line(err: OperationalError) -> str:
    return str(err.orig or err).strip().splitlines()[0][:300]


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "ask":
        return ask(settings, args)
    if args.command == "migrate":
        return migrate(settings)
    if args.command == "doctor":
        return doctor(settings, forget_unreadable=args.forget_unreadable)
    if args.command == "copy-data":
        return copy_data(settings, args.source)
    if args.command == "serve":
        return serve(settings, args)
    if args.command == "scheduler":
        return scheduler(settings)
    if args.command == "digest":
        return digest_run(settings, force=args.force)
    if args.command == "forget":
        return forget(settings, team_id=args.team, user_id=args.user)
    if args.command == "rotate-key":
        return rotate_key(settings, new_key=args.new_key)
    return 2


def ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer the words as the Slack handlers would, and print the message payloads."""
    token = args.toggl_token or (settings.toggl_api_token.get_secret_value() if settings.toggl_api_token else None)
    command = parse(args.words)
    if token:  # a one-off look-up: no database, no key file, no warning
        asker = Asker(token=SecretStr(token))
        service = Service.ephemeral(settings)
    elif isinstance(command, Help | Invalid):  # help and usage need nobody's Toggl, and leave nothing behind
        asker = Asker()
        service = Service.ephemeral(settings)
    elif args.team and args.user:
        asker = Asker(team_id=args.team, user_id=args.user)
        service = Service.from_settings(settings)
    else:
        need = "give --toggl-token (or set TOGGL_API_TOKEN), or --team and --user of a stored person"
        print(f"toggl-bot ask: {need}", file=sys.stderr)
        return 2
    reply = answer(command, asker, service)
    print(json.dumps(reply.messages, indent=2, ensure_ascii=False))
    return 0


def migrate(settings: Settings) -> int:
    """Bring the schema up to date (several processes at once is safe), say where it is, and exit."""
    store = Store(settings.database_url, clock=SYSTEM)
    before = store.db.revision()
    store.migrate()
    after = store.db.revision()
    print(f"Database at revision {after}" + (f" (was {before or 'empty'})" if before != after else " (up to date)"))
    return 0


def doctor(settings: Settings, *, forget_unreadable: bool) -> int:
    """Print one line per check; exit 1 when any fails."""
    from bot.doctor import checks

    found = checks(settings, forget_unreadable=forget_unreadable)
    for check in found:
        print(check)
    return 0 if all(check.ok for check in found) else 1


def copy_data(settings: Settings, source: str) -> int:
    """Copy a whole deployment's data (people, tokens as ciphertext, digests, installations) to DATABASE_URL."""
    from bot.store.engine import Database
    from bot.store.transfer import TargetNotEmpty, copy_all

    try:
        copied = copy_all(Database(source), Database(settings.database_url))
    except BadDatabaseUrl as err:
        print(f"toggl-bot copy-data: --from: {err}", file=sys.stderr)
        return 2
    except TargetNotEmpty as err:
        print(f"toggl-bot copy-data: nothing copied: {err}", file=sys.stderr)
        return 2
    for table, rows in copied.items():
        print(f"{table}: {plural(rows, 'row')}")
    print("Copied. Set the same TOKEN_ENCRYPTION_KEY (or the key file's key) on the new deployment.")
    return 0


def _needs_bot_token(settings: Settings, command: str) -> bool:
    if settings.oauth:
        return True
    if settings.slack_bot_token is None:
        print(
            f"toggl-bot {command}: SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your app's "
            "'OAuth & Permissions' page at https://api.slack.com/apps into the environment or .env.",
            file=sys.stderr,
        )
        return False
    return True


def scheduler(settings: Settings) -> int:
    """Tick once a minute, posting due digests, until stopped."""
    if not _needs_bot_token(settings, "scheduler"):
        return 2
    problem = None if settings.oauth else slack_refusal(settings)
    if problem:
        print(f"toggl-bot scheduler: {problem}", file=sys.stderr)
        return 2
    from bot.app import digest_runner, personal_runner, scheduled_tick, team_runner
    from bot.ticker import blocking_scheduler

    runner = digest_runner(settings)
    log.info("Digest scheduler running; it posts each due slot once, however many schedulers run")
    ticks = [
        scheduled_tick(runner),
        scheduled_tick(personal_runner(runner, settings)),
        scheduled_tick(team_runner(runner, settings)),  # team posts (issue 21)
        scheduled_tick(runner.service.store.retention),  # at most hourly: what was kept long enough is deleted
    ]
    blocking_scheduler(ticks, runner.clock).start()
    return 0


def digest_run(settings: Settings, *, force: bool) -> int:
    """Post what is due (or everything, with --force) once, print one line per subscription, exit.

    Without --force, the personal messages that are due (weekly summaries, reminders) are sent too, so that
    cron alone runs everything the scheduler would.
    """
    if not _needs_bot_token(settings, "digest run"):
        return 2
    from bot.app import digest_runner, personal_runner, team_runner

    runner = digest_runner(settings)
    outcomes = runner.run_forced() if force else runner.run_due()
    for outcome in outcomes:
        detail = f": {outcome.detail}" if outcome.detail else ""
        print(f"subscription {outcome.subscription_id} in {outcome.channel_id}: {outcome.status}{detail}")
    print(f"{plural(len(outcomes), 'digest')} handled, {sum(o.status == 'posted' for o in outcomes)} posted")
    if not force:
        personal = personal_runner(runner, settings).run_due()
        for sent in personal:
            detail = f": {sent.detail}" if sent.detail else ""
            print(f"personal {sent.kind} {sent.schedule_id}: {sent.status}{detail}")
        if personal:
            print(f"{plural(len(personal), 'personal message')} handled, {sum(o.status == 'sent' for o in personal)} sent")
    team = team_runner(runner, settings)  # team posts (issue 21): forced like digests, or what is due
    posts = team.run_forced() if force else team.run_due()
    for post in posts:
        detail = f": {post.detail}" if post.detail else ""
        print(f"team post {post.post_id} in {post.channel_id}: {post.status}{detail}")
    if posts:
        print(f"{plural(len(posts), 'team post')} handled, {sum(o.status == 'posted' for o in posts)} posted")
    if not force:
        runner.service.store.retention.prune()  # cron alone also keeps the privacy page's promises
    return 0


def forget(settings: Settings, *, team_id: str | None, user_id: str | None) -> int:
    """Delete a workspace's or a person's data, as uninstalling (or `disconnect`) would, and say what went."""
    if not (team_id or user_id):
        print("toggl-bot forget: give --team T… (a workspace), --user U… (a person), or both", file=sys.stderr)
        return 2
    from bot.alerts.manage import release_person, release_team

    service = Service.from_settings(settings)
    if user_id:  # Toggl's side first (their webhook subscriptions), while the tokens that made it are kept
        for person in service.store.people.all():
            if person.user_id == user_id and team_id in (None, person.team_id):
                release_person(service, person.team_id, user_id)
    elif team_id:
        release_team(service, team_id)
    removed = service.accounts.forget(team_id=team_id, user_id=user_id)
    if user_id:
        whom = f"user {user_id}" + (f" in team {team_id}" if team_id else " in every workspace")
    else:
        whom = f"team {team_id} (its installation too: the app must be installed again to be used there)"
    detail = ", ".join(f"{table}: {plural(rows, 'row')}" for table, rows in removed.items()) or "nothing was kept"
    print(f"Forgot {whom}: {detail}")
    return 0


def rotate_key(settings: Settings, *, new_key: bool) -> int:
    """Re-encrypt all tokens under the newest key; every process must restart to load the new key list."""
    from bot.crypto import add_key_to_file, key_file_for

    if new_key:
        if settings.token_encryption_key is not None or settings.database_path is None:
            hint = "--new-key is for the key file; put the new key first in TOKEN_ENCRYPTION_KEY instead"
            print(f"toggl-bot rotate-key: {hint}", file=sys.stderr)
            return 2
        add_key_to_file(key_file_for(settings.database_path))
    service = Service.from_settings(settings)
    rotated, unreadable = service.accounts.rotate_keys()
    print(f"Re-encrypted {plural(rotated, 'token')} under the newest key.")
    if unreadable:
        print(f"{plural(unreadable, 'token')} could not be decrypted with any key and were left as they were.")
    print("Restart every toggl-bot process so it loads the new key list; remove old keys only after that.")
    return 0


def slack_refusal(settings: Settings) -> str | None:
    """Why Slack will not take the bot token (asked with `auth.test`), in one line; None when it does."""
    from slack_sdk.errors import SlackApiError

    from bot.app import slack_client

    try:
        slack_client(settings).auth_test()
    except SlackApiError as err:
        code = err.response.get("error", "unknown_error")
        return f"Slack refused SLACK_BOT_TOKEN ({code}): copy it again from 'OAuth & Permissions' at https://api.slack.com/apps."
    except OSError as err:
        return f"Slack could not be reached at SLACK_API_URL ({settings.slack_api_url}): {type(err).__name__}."
    return None


def serve(settings: Settings, args: argparse.Namespace) -> int:
    problem = settings.missing_for_serve() or (None if settings.oauth else slack_refusal(settings))
    if problem:
        print(f"toggl-bot serve: {problem}", file=sys.stderr)
        return 2
    from bot.serve import announce, run

    announce(settings, args.host)
    _preflight(settings)

    run(settings, scheduler=not args.no_scheduler, host=args.host)
    return 0


def _preflight(settings: Settings) -> None:
    """Migrate and load the key before serving, so a bad database or key is one line here, not a traceback
    from inside the server."""
    service = Service.from_settings(settings)
    service.database.dispose()


if __name__ == "__main__":
    sys.exit(main())
