"""Many workspaces through "Add to Slack": the OAuth install against the fake Slack, tokens encrypted at rest,
each team answered with its own bot token (authorised once, then cached), rotation, and uninstall."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

import pytest
import requests
from pydantic import SecretStr

from bot.app import create_app, slack_wiring
from bot.clock import FrozenClock
from bot.digest.runner import DigestRunner
from bot.doors import wsgi_app
from bot.service import Service
from bot.slack.installations import EncryptedInstallationStore
from bot.work import WorkPool
from tests.blockkit import all_text
from tests.fakes.app import Running, settings_for
from tests.fakes.server import WSGILoopback
from tests.fakes.signing import SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world
from tests.stored import all_stored_text, count_rows

CLIENT_ID = "1111.2222"
PUBLIC_URL = "https://toggl-bot.example.com/"


@pytest.fixture
def oauth(fake_slack: FakeSlack, fake_toggl: FakeToggl, service: Service, database_url: str) -> Iterator[Running]:
    """The production app in OAuth mode: no SLACK_BOT_TOKEN, a client id and secret instead."""
    settings = settings_for(fake_slack, fake_toggl, database_url).model_copy(
        update={
            "slack_bot_token": None,
            "slack_client_id": CLIENT_ID,
            "slack_client_secret": SecretStr("client-secret"),
            "public_url": PUBLIC_URL,
        }
    )
    pool, side = WorkPool(workers=4), WorkPool(workers=4)
    app = create_app(settings, service=service, pool=pool, side=side)
    with WSGILoopback(wsgi_app(app, service, settings)) as server:
        send = SlackSender(server.url + "/slack/events", fake_slack.hook())
        yield Running(fake_slack, fake_toggl, service, send, server.url, pool, side)
    pool.shutdown(wait=True)
    side.shutdown(wait=True)


def install(running: Running, team: str) -> requests.Response:
    """A person's browser going through "Add to Slack" for `team`: the install page, Slack, the redirect."""
    page = requests.get(running.url + "/slack/install", timeout=10)
    assert page.status_code == 200 and "slack.com/oauth/v2/authorize" in page.text
    state = re.search(r"state=([0-9a-zA-Z-]+)", page.text)
    assert state is not None
    # Bolt's state cookie is `Secure`, so a client on plain http://127.0.0.1 keeps it only if handed back by hand.
    cookie = page.headers["Set-Cookie"].split(";")[0]
    running.slack.install_codes[f"code-{team}"] = team
    return requests.get(
        running.url + "/slack/oauth_redirect",
        params={"code": f"code-{team}", "state": state.group(1)},
        headers={"Cookie": cookie},
        timeout=10,
    )


def installations(running: Running) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(running.service.store.db, running.service.cipher, client_id=CLIENT_ID)


def bot_token(running: Running, team: str) -> str:
    """The bot token kept for the team's installation; the test fails when there is none."""
    bot = installations(running).find_bot(enterprise_id=None, team_id=team)
    assert bot is not None
    return bot.bot_token


def sender(running: Running, team: str) -> SlackSender:
    return SlackSender(running.url + "/slack/events", running.slack.hook(f"hook-{team}"), team_id=team)


def test_add_to_slack_installs_the_app_with_its_token_encrypted_at_rest(oauth: Running) -> None:
    done = install(oauth, "T2")
    assert done.status_code == 200
    (exchange,) = oauth.slack.of("oauth.v2.access")
    assert exchange.body["code"] == "code-T2"
    bot = installations(oauth).find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_token.startswith("xoxb-T2-")
    stored = all_stored_text(oauth.service.store)
    assert "xoxb-T2-" not in stored and "slack_bots" not in stored  # only ciphertext reached the database


def test_a_redirect_without_the_browsers_state_installs_nothing(oauth: Running) -> None:
    oauth.slack.install_codes["stolen"] = "T6"
    answer = requests.get(oauth.url + "/slack/oauth_redirect", params={"code": "stolen", "state": "guessed"}, timeout=10)
    assert answer.status_code != 200 or "Thank you" not in answer.text
    assert oauth.slack.of("oauth.v2.access") == []
    assert installations(oauth).find_bot(enterprise_id=None, team_id="T6") is None


def test_each_workspace_is_answered_with_its_own_token_and_authorised_once(oauth: Running) -> None:
    install(oauth, "T2")
    install(oauth, "T3")
    tokens = {team: bot_token(oauth, team) for team in ("T2", "T3")}
    before = len(oauth.slack.of("auth.test"))
    for n in range(3):
        assert sender(oauth, "T2").dm("help", event_id=f"Ev2-{n}").status_code == 200
    assert sender(oauth, "T3").dm("help", event_id="Ev3").status_code == 200
    replies = oauth.slack.wait_for_calls("chat.postMessage", 4)
    assert Counter(oauth.slack.token_of(r) for r in replies) == {tokens["T2"]: 3, tokens["T3"]: 1}
    assert all("Here is what I understand" in all_text(r.body) for r in replies)
    checks = [oauth.slack.token_of(c) for c in oauth.slack.of("auth.test")[before:]]
    assert Counter(checks) == Counter(tokens.values())  # one auth.test per team, then the cached result


def test_a_workspace_without_an_installation_is_asked_to_reinstall_and_given_nothing_else(oauth: Running) -> None:
    answer = sender(oauth, "T9").command("help")
    assert answer.status_code in (200, 401)
    (reply,) = oauth.slack.wait_for_calls("/hooks/hook-T9")
    # Bolt's stock text was ":warning: We apologize, … Please reinstall this app into your workspace :bow:".
    text = reply.body["text"]
    assert ":bow:" not in text and "no longer installed in this workspace" in text
    assert "reinstall it at https://toggl-bot.example.com/slack/install." in text
    assert "Here is what I understand" not in all_text(reply.body)
    assert oauth.slack.of("chat.postMessage") == []


def test_the_digest_posts_in_each_workspace_with_that_workspaces_token(oauth: Running, fake_toggl: FakeToggl) -> None:
    install(oauth, "T2")
    world = standard_world(fake_toggl)
    oauth.service.accounts.connect("T2", "U1", world["token"])
    oauth.service.subscriptions.subscribe("T2", "C2", "U1", cadence="daily", weekday=None, at_time="09:00", timezone="UTC")
    settings = settings_for(oauth.slack, fake_toggl, "sqlite://").model_copy(
        update={"slack_bot_token": None, "slack_client_id": CLIENT_ID, "slack_client_secret": SecretStr("client-secret")}
    )
    gateway = slack_wiring(settings, oauth.service).gateway
    (outcome,) = DigestRunner(oauth.service, gateway).run_forced()
    assert outcome.status == "posted"
    (post,) = oauth.slack.of("chat.postMessage")
    assert post.body["channel"] == "C2" and (oauth.slack.token_of(post) or "").startswith("xoxb-T2-")


def test_expiring_bot_tokens_are_rotated_and_kept_encrypted(oauth: Running, fake_toggl: FakeToggl) -> None:
    oauth.slack.token_lifetime = 60  # expires well within the two hours before which Bolt refreshes
    install(oauth, "T2")
    first = installations(oauth).find_bot(enterprise_id=None, team_id="T2")
    assert first is not None and first.bot_refresh_token
    assert sender(oauth, "T2").dm("help", event_id="EvRot").status_code == 200
    (reply,) = oauth.slack.wait_for_calls("chat.postMessage")
    rotated = installations(oauth).find_bot(enterprise_id=None, team_id="T2")
    assert rotated is not None and rotated.bot_token != first.bot_token
    assert oauth.slack.token_of(reply) == rotated.bot_token
    assert [c.body.get("grant_type") for c in oauth.slack.of("oauth.v2.access")] == [None, "refresh_token"]
    assert rotated.bot_token not in all_stored_text(oauth.service.store)


def test_uninstalling_forgets_the_installation_and_the_workspaces_people(oauth: Running, fake_toggl: FakeToggl) -> None:
    install(oauth, "T2")
    install(oauth, "T3")
    world = standard_world(fake_toggl)
    oauth.service.accounts.connect("T2", "U1", world["token"])
    oauth.service.accounts.connect("T3", "U1", world["token"])
    answer = sender(oauth, "T2").event({"type": "app_uninstalled"}, event_id="EvGone")
    assert answer.status_code == 200
    assert installations(oauth).find_bot(enterprise_id=None, team_id="T2") is None
    assert oauth.service.store.people.get("T2", "U1") is None
    assert oauth.service.store.people.get("T3", "U1") is not None
    assert installations(oauth).find_bot(enterprise_id=None, team_id="T3") is not None


def test_install_page_visits_do_not_fill_the_state_table(oauth: Running, clock: FrozenClock) -> None:
    """Found in review: each anonymous GET /slack/install wrote a state row that nothing ever deleted."""
    for _ in range(20):
        assert requests.get(oauth.url + "/slack/install", timeout=10).status_code == 200
    assert count_rows(oauth.service.store, "slack_oauth_states") == 20
    clock.set(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))  # slack_sdk stamps states with the real clock
    assert requests.get(oauth.url + "/slack/install", timeout=10).status_code == 200
    assert count_rows(oauth.service.store, "slack_oauth_states") == 1  # the twenty expired ones are gone
