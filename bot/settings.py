"""The one place that reads configuration: environment variables or a `.env` file, names fixed by design.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.store.engine import MAX_OVERFLOW, POOL_SIZE, engine_url, sqlite_path

INSTALL_PATH = "/slack/install"
"""Where "Add to Slack" starts in OAuth mode (Bolt serves it)."""


class Settings(BaseSettings):
    """Read once at start and passed down; nothing else in the app reads `os.environ`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    toggl_api_url: str = "https://api.track.toggl.com"
    toggl_webhooks_url: str | None = None
    """Toggl's Webhooks API; unset, `{TOGGL_API_URL}/webhooks/api/v1` (Toggl's own, or a test's fake beside it)."""
    database_url: str = "sqlite:///toggl_bot.db"
    """`sqlite:///path` (embedded, no set-up) or `postgresql://…` / `postgres://…` (shared by several instances)."""
    database_pool_size: int = Field(default=POOL_SIZE, ge=1)
    """Connections each pool keeps open to PostgreSQL; see the sizing formula in docs/operations.md."""
    database_max_overflow: int = Field(default=MAX_OVERFLOW, ge=0)
    """Connections each pool may open beyond `database_pool_size` at a peak, closed again once returned."""
    token_encryption_key: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    """Both set: OAuth mode, many workspaces install the app with "Add to Slack"; `SLACK_BOT_TOKEN` is not needed."""
    port: int = 3000
    public_url: str | None = None
    """The app's public base URL, such as `https://toggl-bot.example.com`: with it, messages can link to the
    install page (`install_url`)."""
    cache_fresh_seconds: float = 60
    """Within this many seconds of a fetch, commands answer from the cache without asking Toggl."""
    quota_reserve: int = 2
    """At this many requests left in the hourly quota, answer from the cache instead of spending them."""
    toggl_api_token: SecretStr | None = None
    """Only for `toggl-bot ask`: a token to use instead of a stored person."""
    digest_lease_seconds: float = 300
    """How long a digest runner holds a slot before another may take it over (if the first one died)."""
    handover_lease_seconds: float = Field(default=30, ge=1)
    """How long an instance's hold on an acknowledged request lasts unrenewed: if it dies, another instance
    answers the request about this long after (`bot.handover`). Renewed every third of it."""
    support_contact: str | None = None
    """Where people ask for help, shown on the app's pages: an e-mail address or an `https://` page."""
    metrics_token: SecretStr | None = None
    """When set, `GET /metrics` answers Prometheus text to `Authorization: Bearer <METRICS_TOKEN>`; unset, it is off."""
    log_format: Literal["text", "json"] = "text"
    """`json`: one JSON object a line (time, level, logger, message, request id, team) for a log platform."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """How much every command logs; the libraries that log bodies stay at INFO or above whatever it says
    (see `bot.logs`)."""

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_secret",
        "token_encryption_key",
        "toggl_api_token",
        "metrics_token",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`SLACK_SIGNING_SECRET=` (a blank line in .env) is no secret: treat it as unset, so serve says so."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("support_contact")
    @classmethod
    def _reachable(cls, value: str | None) -> str | None:
        """An address people can use: `help@example.com` or `https://example.com/help`, nothing else."""
        if value is None:
            return None
        looks_like_mail = re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", value)
        if not (looks_like_mail or re.fullmatch(r"https?://[^\s<>\"]+", value)):
            raise ValueError("give an e-mail address or an http(s):// address")
        return value

    @field_validator("slack_client_id", "public_url", "support_contact", mode="before")
    @classmethod
    def _blank_id_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        """`LOG_LEVEL=debug` means DEBUG, as operators write it either way."""
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        engine_url(value)  # raises with a sentence saying which URLs work
        return value

    @property
    def database_path(self) -> Path | None:
        """The SQLite file named by `DATABASE_URL`, or None for PostgreSQL."""
        return sqlite_path(self.database_url)

    @property
    def oauth(self) -> bool:
        """True when the app is installed by many workspaces through OAuth ("Add to Slack")."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def install_url(self) -> str | None:
        """The full "Add to Slack" address in OAuth mode when `PUBLIC_URL` says where the app lives, else None."""
        if not (self.oauth and self.public_url):
            return None
        return self.public_url.rstrip("/") + INSTALL_PATH

    def missing_for_serve(self) -> str | None:
        """One line saying what `serve` lacks and where to get it, or None when it can start."""
        if bool(self.slack_client_id) != bool(self.slack_client_secret):
            return (
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together: copy both from your app's 'Basic Information' "
                "page at https://api.slack.com/apps (or unset both to use SLACK_BOT_TOKEN for one workspace)."
            )
        if self.oauth and self.slack_signing_secret is None:
            return (
                "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app's 'Basic Information' "
                "page at https://api.slack.com/apps."
            )
        if self.oauth and self.slack_app_token is not None:
            return "OAuth mode (SLACK_CLIENT_ID) serves HTTP for many workspaces; unset SLACK_APP_TOKEN (Socket Mode)."
        if self.oauth:
            return None
        if self.slack_bot_token is None:
            return (
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your app's "
                "'OAuth & Permissions' page at https://api.slack.com/apps into the environment or .env."
            )
        if self.slack_app_token is None and self.slack_signing_secret is None:
            return (
                "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app's 'Basic Information' "
                "page at https://api.slack.com/apps, or set SLACK_APP_TOKEN (xapp-...) to use Socket Mode."
            )
        return None
