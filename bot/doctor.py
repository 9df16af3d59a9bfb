"""`toggl-bot doctor`: what an operator needs to know when something is off, each in one line.

It changes nothing (no migration, no key file made) unless asked to `--forget-unreadable`: then it
deletes the stored Toggl tokens that no configured key decrypts, so their owners can connect again.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
import sqlalchemy as sa
from slack_sdk.errors import SlackApiError

from bot.crypto import KeyProblem, TokenCipher, key_file_for, key_source, parse_keys
from bot.figures import plural
from bot.settings import Settings
from bot.store import Database, head_revision
from bot.store.engine import known_revisions
from bot.store.schema import people

TOGGL_TIMEOUT = 5


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def checks(settings: Settings, *, forget_unreadable: bool = False) -> list[Check]:
    """Every check, in the order an operator would look; a failed one does not stop the others."""
    found = []
    path = settings.database_path
    database = None if path is not None and not path.exists() else Database(settings.database_url)
    if database is None:
        found.append(Check("database", False, f"there is no database at {path} yet (`toggl-bot migrate` makes it)"))
    else:
        found.append(_database(database))
    cipher, key_check = _keys(settings, database)
    found.append(key_check)
    if database is not None and found[0].ok and cipher is not None:
        found.append(_tokens(database, cipher, forget_unreadable))
    readable = database if database is not None and found[0].ok else None
    found.append(_slack_installations(settings, readable, cipher) if settings.oauth else _slack(settings))
    found.append(_toggl(settings))
    if database is not None:
        database.dispose()
    return found


def _database(database: Database) -> Check:
    try:
        database.ping()
        revision = database.revision()
    except sa.exc.SQLAlchemyError as err:
        reason = str(getattr(err, "orig", None) or err).strip().splitlines()[0][:200]
        return Check("database", False, f"{database} does not answer: {reason}")
    head = head_revision()
    if revision == head:
        return Check("database", True, f"{database} answers, at migration {revision} (the newest)")
    if revision is not None and revision not in known_revisions():
        return Check("database", False, f"{database} is at migration {revision}, newer than this version knows ({head})")
    return Check("database", False, f"{database} is at migration {revision or 'none'}; run `toggl-bot migrate` ({head})")


def _keys(settings: Settings, database: Database | None) -> tuple[TokenCipher | None, Check]:
    setting = settings.token_encryption_key.get_secret_value() if settings.token_encryption_key else None
    source = key_source(setting, settings.database_path)
    try:
        if setting:
            keys = parse_keys(setting)
        elif settings.database_path is None:
            raise KeyProblem("TOKEN_ENCRYPTION_KEY is required with PostgreSQL")
        else:
            path = key_file_for(settings.database_path)
            if not path.exists() and not _stored_tokens(database):
                first = f"no key file yet: the first `toggl-bot serve` makes {path.resolve()}"
                return None, Check("keys", True, f"{first} (in production, set TOKEN_ENCRYPTION_KEY instead)")
            if not path.exists():
                raise KeyProblem(
                    f"the key file {path.resolve()} does not exist, but the database holds encrypted tokens: put it back, "
                    "or set TOKEN_ENCRYPTION_KEY to the old key"
                )
            keys = parse_keys(path.read_text(errors="replace").replace("\n", ","), source=f"the key file {path}")
    except KeyProblem as err:
        return None, Check("keys", False, str(err))
    return TokenCipher(keys), Check("keys", True, f"{plural(len(keys), 'key')} from {source}")


def _stored_tokens(database: Database | None) -> int:
    """How many Toggl tokens are stored; 0 when there is no database yet or it cannot be read (said above)."""
    if database is None:
        return 0
    try:
        with database.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(people)).scalar_one()
    except sa.exc.SQLAlchemyError:
        return 0


def _tokens(database: Database, cipher: TokenCipher, forget_unreadable: bool) -> Check:
    try:
        with database.read() as conn:
            rows = conn.execute(sa.select(people.c.team_id, people.c.user_id, people.c.token_ciphertext)).all()
    except sa.exc.SQLAlchemyError:
        return Check("tokens", False, "the people table cannot be read; run `toggl-bot migrate`")
    unreadable = [(row.team_id, row.user_id) for row in rows if not cipher.can_decrypt(row.token_ciphertext)]
    readable = len(rows) - len(unreadable)
    detail = f"{readable} of {plural(len(rows), 'stored Toggl token')} {'decrypts' if len(rows) == 1 else 'decrypt'}"
    if unreadable and forget_unreadable:
        with database.write() as conn:
            for team_id, user_id in unreadable:
                conn.execute(sa.delete(people).where(people.c.team_id == team_id, people.c.user_id == user_id))
        return Check("tokens", True, f"{detail}; deleted the {len(unreadable)} that do not: they can connect again")
    if unreadable:
        return Check("tokens", False, f"{detail}; restore the old key, or `toggl-bot doctor --forget-unreadable`")
    return Check("tokens", True, detail)


def _slack_installations(settings: Settings, database: Database | None, cipher: TokenCipher | None) -> Check:
    """OAuth mode: how many workspaces' bot tokens the keys decrypt; each one that does not is a workspace the
    app cannot answer (Bolt tells its people to reinstall). The tokens themselves are never printed."""
    from bot.settings import INSTALL_PATH
    from bot.slack.installations import EncryptedInstallationStore

    if database is None:
        return Check("slack", False, "OAuth mode: the installations cannot be checked without the database (above)")
    if cipher is None:
        return Check("slack", False, "OAuth mode: the installations cannot be checked without a key (see keys above)")
    assert settings.slack_client_id is not None
    store = EncryptedInstallationStore(database, cipher, client_id=settings.slack_client_id)
    try:
        readable, unreadable = store.readable_bots()
    except sa.exc.SQLAlchemyError:
        return Check("slack", False, "OAuth mode: the installation tables cannot be read; run `toggl-bot migrate`")
    total = readable + unreadable
    if total == 0:
        return Check("slack", True, f"OAuth mode: no workspace has installed the app yet (`{INSTALL_PATH}`)")
    verb = "decrypts" if total == 1 else "decrypt"
    detail = f"OAuth mode: {readable} of {plural(total, 'workspace bot token')} {verb}"
    if unreadable:
        them = "that workspace" if unreadable == 1 else "those workspaces"
        return Check(
            "slack",
            False,
            f"{detail}; {unreadable} {'does' if unreadable == 1 else 'do'} not: restore the old key to "
            f"TOKEN_ENCRYPTION_KEY, or have {them} install the app again (`{INSTALL_PATH}`)",
        )
    return Check("slack", True, detail)


def _slack(settings: Settings) -> Check:
    from bot.app import slack_client

    if settings.slack_bot_token is None:
        return Check("slack", False, "SLACK_BOT_TOKEN is not set (nor SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)")
    try:
        answer = slack_client(settings).auth_test()
    except SlackApiError as err:
        return Check("slack", False, f"Slack refuses SLACK_BOT_TOKEN ({err.response.get('error')})")
    except OSError as err:
        return Check("slack", False, f"Slack cannot be reached at {settings.slack_api_url} ({type(err).__name__})")
    return Check("slack", True, f"Slack accepts the bot token (team {answer.get('team_id')}, bot {answer.get('user_id')})")


def _toggl(settings: Settings) -> Check:
    """Reachable is enough: an unauthenticated request gets 401 or 403, and costs nobody's quota."""
    url = settings.toggl_api_url.rstrip("/") + "/api/v9/me"
    try:
        answer = requests.get(url, timeout=TOGGL_TIMEOUT)
    except requests.RequestException as err:
        return Check("toggl", False, f"Toggl cannot be reached at {settings.toggl_api_url} ({type(err).__name__})")
    if answer.status_code in (401, 403):
        return Check("toggl", True, f"Toggl answers at {settings.toggl_api_url}")
    return Check("toggl", False, f"Toggl at {settings.toggl_api_url} answered {answer.status_code} where 401 was expected")
