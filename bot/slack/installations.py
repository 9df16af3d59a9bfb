"""Slack installations (OAuth mode) in the app's own database, with every token encrypted at rest.

slack_sdk's `SQLAlchemyInstallationStore` keeps bot tokens in clear. `EncryptedInstallationStore`
wraps it: tokens are encrypted with the same keys as Toggl tokens on the way in and decrypted on
the way out, so Bolt, its token rotation and our digest see ordinary installations while the
database only ever holds ciphertext. The tables are made by our migrations, not by slack_sdk.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from logging import Logger
from typing import Any, TypeVar

import sqlalchemy as sa
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from bot.crypto import TokenCipher, UnreadableToken
from bot.slack.gateway import NotInstalled
from bot.slack.retries import retry_handlers
from bot.store.engine import Database

log = logging.getLogger(__name__)

TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
Record = TypeVar("Record", Installation, Bot)


class EncryptedInstallationStore(InstallationStore):
    """An `InstallationStore` over our database whose rows hold token ciphertext only.

    >>> store = EncryptedInstallationStore(database, cipher, client_id="123.456")  # doctest: +SKIP
    >>> store.find_bot(enterprise_id=None, team_id="T1").bot_token  # doctest: +SKIP
    'xoxb-…'
    """

    def __init__(self, database: Database, cipher: TokenCipher, *, client_id: str) -> None:
        self._inner = SQLAlchemyInstallationStore(client_id=client_id, engine=database.engine, logger=log)
        self._cipher = cipher

    def __repr__(self) -> str:
        return "EncryptedInstallationStore(<tokens encrypted>)"

    @property
    def logger(self) -> Logger:
        return log

    def save(self, installation: Installation) -> None:
        self._inner.save(self._sealed(installation))

    def save_bot(self, bot: Bot) -> None:
        self._inner.save_bot(self._sealed(bot))

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        found = self._inner.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return self._opened(found)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = self._inner.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, is_enterprise_install=is_enterprise_install
        )
        return self._opened(found)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._inner.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None) -> None:
        self._inner.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    def readable_bots(self) -> tuple[int, int]:
        """How many workspaces' current bot tokens the configured keys decrypt, and how many they do not.

        For `toggl-bot doctor`: a workspace whose token is unreadable is answered "reinstall" by Bolt, which
        looks like Slack's doing. "Current" is the newest bot row per workspace, the one `find_bot` returns.
        """
        bots = self._inner.bots
        query = (
            sa.select(bots.c.enterprise_id, bots.c.team_id, bots.c.bot_token)
            .where(bots.c.client_id == self._inner.client_id, bots.c.bot_token.is_not(None))
            .order_by(bots.c.installed_at)
        )
        with self._inner.engine.connect() as conn:
            newest = {(row.enterprise_id, row.team_id): row.bot_token for row in conn.execute(query)}
        readable = sum(self._cipher.can_decrypt(token) for token in newest.values())
        return readable, len(newest) - readable

    def _sealed(self, record: Record) -> Record:
        sealed = copy.copy(record)
        for name in TOKEN_FIELDS:
            value = getattr(sealed, name, None)
            if value:
                setattr(sealed, name, self._cipher.encrypt(value))
        return sealed

    def _opened(self, record: Record | None) -> Record | None:
        if record is None:
            return None
        opened = copy.copy(record)
        try:
            for name in TOKEN_FIELDS:
                value = getattr(opened, name, None)
                if value:
                    setattr(opened, name, self._cipher.decrypt(value))
        except UnreadableToken:
            log.error("A Slack installation's tokens cannot be decrypted with the configured keys; reinstall the app")
            return None
        return opened


class InstallationsUnavailable(Exception):
    """The installations could not be read (a database error): not the same as "not installed"."""


class OutageAwareAuthorize(InstallationStoreAuthorize):
    """Bolt's `InstallationStoreAuthorize`, except that a database error while finding the installation is
    not "not installed".

    Bolt catches every error of `find_bot` and answers "your installation … is no longer available, please
    reinstall", which during a 3-second database outage told 111 of 300 people to reinstall, `help` included.
    Here a lookup that failed on the database is tried again briefly (`retry_delays`); if it still fails:

    - a request with a `response_url` (slash commands, buttons) goes on without a bot token: its answer goes
      to the `response_url`, which needs none, so `help` is answered without the database, and a command
      that needs the database meets it again (back by then, or "please try again");
    - a request without one (events, form submissions) is refused with `InstallationsUnavailable`, which Bolt
      turns into HTTP 500: Slack sends an event again later, and a form shows its own "try again".
    """

    def __init__(self, *, retry_delays: tuple[float, ...] = (0.2, 0.5), **options: Any) -> None:
        store = options.pop("installation_store")
        self._trouble = threading.local()
        super().__init__(installation_store=_Watched(store, self._trouble), **options)
        self._retry_delays = retry_delays

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: Any,
    ) -> AuthorizeResult | None:
        for delay in (*self._retry_delays, None):
            self._trouble.error = None
            found = super().__call__(context=context, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, **actor)
            error = self._trouble.error
            if found is not None or error is None:
                return found
            if delay is not None:
                time.sleep(delay)
        log.warning("The Slack installation of team %s could not be read: %s", team_id, type(error).__name__)
        if context.response_url is None:
            raise InstallationsUnavailable(f"the installation of team {team_id} could not be read") from error
        context["installation_unavailable"] = True  # handlers may tell; the reply goes by response_url
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)


class _Watched(InstallationStore):
    """The installation store as Bolt's authorize sees it: a database error is noted (per thread) before Bolt
    swallows it, so that `OutageAwareAuthorize` can tell an outage from a missing installation."""

    def __init__(self, inner: InstallationStore, trouble: threading.local) -> None:
        self._inner = inner
        self._noted = trouble

    @property
    def logger(self) -> Logger:
        return log

    def save(self, installation: Installation) -> None:
        self._inner.save(installation)

    def save_bot(self, bot: Bot) -> None:
        self._inner.save_bot(bot)

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        try:
            return self._inner.find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
            )
        except SQLAlchemyError as err:
            self._noted.error = err
            raise


class PrunedOAuthStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's OAuth state store, which deletes only the state it consumes; this one also deletes states
    that expired, each time it issues one, so that visits to `/slack/install` cannot fill the table."""

    def __init__(self, database: Database, clock: Clock, *, expiration_seconds: int) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=database.engine, logger=log)
        self._clock = clock

    def issue(self, *args: Any, **kwargs: Any) -> str:
        expired = self._clock.now().astimezone(dt.UTC).replace(tzinfo=None)  # naive UTC, as slack_sdk writes it
        with self.engine.begin() as conn:
            conn.execute(self.oauth_states.delete().where(self.oauth_states.c.expire_at < expired))
        return super().issue(*args, **kwargs)


class TeamClients:
    """Each team's WebClient with its own bot token, for work that has no request (digests, DMs).

    Bolt rotates tokens for requests; this does the same for the scheduler, saving the new token.
    """

    def __init__(
        self,
        store: InstallationStore,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        rotation_minutes: int = 120,
    ) -> None:
        self._store = store
        self._base_url = base_url
        self._rotator = TokenRotator(client_id=client_id, client_secret=client_secret, client=self._plain_client())
        self._rotation_minutes = rotation_minutes
        self._clients: OrderedDict[str, WebClient] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "TeamClients(<per-team bot tokens>)"

    def __call__(self, team_id: str) -> WebClient:
        bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(f"no installation for team {team_id}")
        if bot.bot_refresh_token:
            refreshed = self._rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=self._rotation_minutes)
            if refreshed is not None:
                self._store.save_bot(refreshed)
                bot = refreshed
        return self._client_for(bot.bot_token or "")

    def _client_for(self, token: str) -> WebClient:
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = self._plain_client(token=token)
                self._clients[token] = client
                while len(self._clients) > 500:
                    self._clients.popitem(last=False)
            self._clients.move_to_end(token)
            return client

    def _plain_client(self, **options: Any) -> WebClient:
        return WebClient(base_url=self._base_url, retry_handlers=retry_handlers(), **options)
