"""Screenshots of the app's pages for the README and docs/gallery.md: `python -m bench.screenshots`.

Serves the production app in OAuth mode ("Add to Slack") against the fakes on loopback, and has headless
Chromium (tests/browser.py, the flags the page tests use) save `docs/screenshots/home.png` and `privacy.png`.
The pictures on `/` are the gallery's messages drawn as HTML by the app, not pictures of Slack. Run it after
changing the pages or the gallery, and commit the PNGs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.app import create_app
from bot.doors import wsgi_app
from bot.service import Service
from bot.settings import Settings
from tests.browser import screenshot
from tests.fakes.server import WSGILoopback
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"
PAGES = (("home.png", "/", 2500), ("privacy.png", "/privacy", 1900))
"""File, path, and the height that takes the whole page at 1200 pixels wide."""


def main() -> int:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, FakeSlack() as slack, FakeToggl() as toggl:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init option
            slack_client_id="1111.2222",
            slack_client_secret=SecretStr("client-secret"),
            slack_signing_secret=SecretStr("signing-secret"),
            slack_api_url=slack.api_url,
            toggl_api_url=toggl.url,
            database_url=f"sqlite:///{scratch}/bot.db",
            token_encryption_key=SecretStr(Fernet.generate_key().decode()),
            support_contact="support@toggl-bot.example.com",
        )
        service = Service.from_settings(settings)
        with WSGILoopback(wsgi_app(create_app(settings, service=service), service, settings)) as server:
            for name, path, height in PAGES:
                screenshot(server.url + path, SHOTS / name, height=height)
                print(f"wrote {(SHOTS / name).relative_to(ROOT)}")
        service.database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
