"""The app's own pages, `GET /` and `GET /privacy`: served by the running app, escaped, script-free, and loaded in
a real headless browser, which finds "Add to Slack" in OAuth mode and saves screenshots."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr, ValidationError

from bot.app import create_app
from bot.doors import wsgi_app
from bot.doors.pages.blocks import mrkdwn
from bot.service import Service
from bot.settings import Settings
from bot.store.retention import CACHE_KEEP_SECONDS
from tests.browser import dom, png_size, screenshot
from tests.fakes.app import settings_for
from tests.fakes.server import WSGILoopback
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl


@pytest.fixture
def serve(fake_slack: FakeSlack, fake_toggl: FakeToggl, service: Service, database_url: str) -> Iterator[Callable]:
    """Serves the production app with the given settings changed; yields its base URL."""

    @contextmanager
    def serving(**changes: object) -> Iterator[str]:
        settings = settings_for(fake_slack, fake_toggl, database_url).model_copy(update=changes)
        with WSGILoopback(wsgi_app(create_app(settings, service=service), service, settings)) as server:
            yield server.url

    yield serving


OAUTH = {"slack_bot_token": None, "slack_client_id": "1111.2222", "slack_client_secret": SecretStr("client-secret")}


def test_the_home_page_in_oauth_mode_links_add_to_slack(serve: Callable) -> None:
    with serve(**OAUTH, support_contact="help@example.com") as base:
        page = requests.get(base + "/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    html = page.text
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    assert re.search(r'<a class="add" href="/slack/install">Add to Slack</a>', html)
    assert '<a href="/privacy">' in html and 'id="support"' in html and 'href="mailto:help@example.com"' in html
    assert "Set it up" not in html
    assert len(re.findall(r'<div class="message">', html)) == 3  # three pictures from the gallery's messages
    assert "Mobile app &lt;beta&gt;" in html and "<beta>" not in html  # names escaped, as everywhere
    assert "<script" not in html.lower()
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "'unsafe-inline'" not in policy


def test_the_home_page_with_one_workspace_says_how_to_set_up(serve: Callable) -> None:
    with serve() as base:
        html = requests.get(base + "/", timeout=10).text
        head = requests.head(base + "/privacy", timeout=10)
    assert "Set it up for your workspace" in html and "SLACK_BOT_TOKEN" in html and "Add to Slack</a>" not in html
    assert "ask whoever runs this app" in html
    assert head.status_code == 200 and head.content == b"" and int(head.headers["Content-Length"]) > 1000


def test_the_privacy_page_states_what_the_code_keeps(serve: Callable) -> None:
    with serve() as base:
        html = requests.get(base + "/privacy", timeout=10).text
    assert f"<strong>{CACHE_KEEP_SECONDS // 86400} days</strong> after it was last fetched" in html
    for promise in ("encrypted", "only to you", "disconnect", "Removing the app", "Nothing this app keeps is sold"):
        assert promise in html


def test_other_methods_and_paths_are_still_404(serve: Callable) -> None:
    with serve() as base:
        assert requests.post(base + "/", data=b"x", timeout=10).status_code == 404
        assert requests.get(base + "/privacy/", timeout=10).status_code == 404


@pytest.mark.parametrize(
    ("value", "ok"),
    [("help@example.com", True), ("https://example.com/help", True), ("javascript:alert(1)", False), ("a<b@c.d", False)],
)
def test_the_support_contact_is_an_address_people_can_use(value: str, ok: bool) -> None:
    make = lambda: Settings(_env_file=None, support_contact=value)  # type: ignore[call-arg]  # pydantic-settings' option  # noqa: E731
    if ok:
        assert make().support_contact == value
    else:
        with pytest.raises(ValidationError):
            make()


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (
            "*<https://t.example/1|Mobile app &lt;beta&gt;>*",
            '<strong><a href="https://t.example/1" rel="nofollow noopener">Mobile app &lt;beta&gt;</a></strong>',
        ),
        ("<javascript:alert(1)|click>", "click"),
        ("<script>alert(1)</script>", "alert(1)"),
        ("_Acme &amp; Sons_ `▓░` :warning:", "<em>Acme &amp; Sons</em> <code>▓░</code> ⚠️"),
        (
            '<https://a.example/?q="x"&amp;y|x>',
            '<a href="https://a.example/?q=&#34;x&#34;&amp;y" rel="nofollow noopener">x</a>',
        ),
    ],
)
def test_mrkdwn_is_drawn_escaped(text: str, html: str) -> None:
    assert str(mrkdwn(text)).replace(' rel="nofollow noopener"', ' rel="nofollow"') == html.replace(
        ' rel="nofollow noopener"', ' rel="nofollow"'
    )


# -- in a real browser ---------------------------------------------------------------------------------------


def test_a_headless_browser_loads_both_pages_finds_add_to_slack_and_saves_screenshots(
    serve: Callable, tmp_path: Path
) -> None:
    with serve(**OAUTH) as base:
        home, logged = dom(base + "/")
        assert re.search(r'<a class="add" href="/slack/install">Add to Slack</a>', home)
        assert "<h1>Your Toggl, without leaving Slack</h1>" in home
        assert "Content Security Policy" not in logged  # the stylesheet was applied, nothing refused
        privacy, logged = dom(base + "/privacy")
        assert "<h1>Privacy</h1>" in privacy and "Content Security Policy" not in logged
        for name, path in (("home", "/"), ("privacy", "/privacy")):
            picture = screenshot(base + path, tmp_path / f"{name}.png", height=1400)
            assert png_size(picture) == (1200, 1400) and len(picture) > 20_000  # drawn, not a blank page
