"""The one place that reads configuration: environment variables or a `.env` file, names fixed by design.md."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read once at start and passed down; nothing else in the app reads `os.environ`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    toggl_api_url: str = "https://api.track.toggl.com"
    database_url: str = "sqlite:///toggl_bot.db"
    token_encryption_key: SecretStr | None = None
    port: int = 3000
    cache_fresh_seconds: float = 60
    """Within this many seconds of a fetch, commands answer from the cache without asking Toggl."""
    quota_reserve: int = 2
    """At this many requests left in the hourly quota, answer from the cache instead of spending them."""
    toggl_api_token: SecretStr | None = None
    """Only for `toggl-bot ask`: a token to use instead of a stored person."""

    @property
    def database_path(self) -> Path:
        """The SQLite file named by `DATABASE_URL` (`sqlite:///relative.db` or `sqlite:////absolute.db`)."""
        url = self.database_url
        if not url.startswith("sqlite:///"):
            raise ValueError("DATABASE_URL must be a sqlite:/// URL, such as sqlite:///toggl_bot.db")
        return Path(url.removeprefix("sqlite:///"))

    def missing_for_serve(self) -> str | None:
        """One line saying what `serve` lacks and where to get it, or None when it can start."""
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
