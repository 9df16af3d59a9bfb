"""Real-time alerts end to end: `digest alerts on` through signed Slack requests, a Toggl webhook subscription
made and validated at the fake Toggl, time tracked there delivered through the real HTTP door of one of two
instances on one database, and the alert posted in the channel once. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from bot import buttons
from bot.alerts.watch import POLL_SECONDS, Watcher
from bot.app import alert_receiver, create_app
from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.doors import wsgi_app
from bot.service import Service
from bot.store import Store
from bot.toggl import TogglClients
from bot.work import WorkPool
from tests.blockkit import all_text, assert_valid_message
from tests.fakes.app import settings_for
from tests.fakes.server import WSGILoopback, free_port
from tests.fakes.signing import SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import NO_BACKOFF, FakeToggl, standard_world

ADA = "ada0ada0ada0ada0ada0ada0ada0ada0"


@dataclass
class Instance:
    service: Service
    watcher: Watcher
    pool: WorkPool
    url: str
    send: SlackSender

    def settle(self) -> None:
        assert self.pool.wait_idle()


@pytest.fixture
def pair(
    database_url: str, store: Store, cipher: TokenCipher, fake_toggl: FakeToggl, fake_slack: FakeSlack, clock: FrozenClock
) -> Iterator[list[Instance]]:
    """Two instances of the app on one database, each serving its own port; Toggl's callbacks name the first."""
    instances, servers = [], []
    port = free_port()
    callbacks = f"http://127.0.0.1:{port}"
    for n in range(2):
        own = store if n == 0 else Store(database_url, clock=clock)
        clients = TogglClients(fake_toggl.url, clock=clock, retry=NO_BACKOFF)
        service = Service(own, cipher, clients, public_url=callbacks)
        pool = WorkPool(workers=4)
        settings = settings_for(fake_slack, fake_toggl, database_url)
        receive, watcher = alert_receiver(settings, service, pool)
        app = wsgi_app(create_app(settings, service=service, pool=pool), service, settings, receive=receive)
        server = WSGILoopback(app, port=port if n == 0 else 0)
        server.start()
        servers.append(server)
        send = SlackSender(server.url + "/slack/events", fake_slack.hook(f"r{n}"))
        instances.append(Instance(service, watcher, pool, server.url, send))
    try:
        yield instances
    finally:
        for server in servers:
            server.stop()
        for instance in instances:
            instance.pool.shutdown(wait=True)


def say(instance: Instance, slack: FakeSlack, words: str, count: int) -> str:
    instance.send.command(words, response_url=slack.hook("said"))
    replies = slack.wait_for_calls("/hooks/said", count)
    assert_valid_message(replies[-1].body)
    return all_text(replies[-1].body)


def alerts(slack: FakeSlack) -> list[str]:
    return [all_text(c.body) for c in slack.of("chat.postMessage") if "crossed" in all_text(c.body)]


def subscribe_with_alerts(pair: list[Instance], slack: FakeSlack, toggl: FakeToggl) -> tuple[dict, str]:
    world = standard_world(toggl, ADA)
    pair[0].service.accounts.connect("T1", "U1", ADA)
    say(pair[0], slack, "digest subscribe daily at 09:00 UTC", 1)
    return world, say(pair[1], slack, "digest alerts on", 2)


def test_alerts_on_subscribes_and_a_crossing_is_posted_once(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl
) -> None:
    world, reply = subscribe_with_alerts(pair, fake_slack, fake_toggl)
    assert "Real-time alerts are on" in reply and "within seconds" in reply
    (sub,) = fake_toggl.webhooks.subscriptions.values()
    assert sub["enabled"] and sub["validated_at"] and len(sub["event_filters"]) <= 3
    assert sub["url_callback"].startswith(pair[0].url + "/toggl/webhooks/")
    assert {"entity": "time_entry", "action": "*"} in sub["event_filters"]

    wid, pid = world["wid"], world["website"]["id"]  # 5 h 30 min of 10 h: 55%
    fake_toggl.track(ADA, wid, pid, 2 * 3600)  # 75%: below the digest's 80%
    pair[0].settle()
    assert alerts(fake_slack) == []
    fake_toggl.track(ADA, wid, pid, 2 * 3600)  # 95%: over 80%
    (threshold,) = fake_slack.wait_for(lambda _: alerts(fake_slack) or None)
    assert "Website redesign" in threshold and "crossed 80% of its estimate" in threshold and "95%" in threshold
    assert "From the Toggl data of <@U1>" in threshold and f"track.toggl.com/{wid}/projects/{pid}" in json.dumps(
        fake_slack.of("chat.postMessage")[-1].body
    )
    fake_toggl.track(ADA, wid, pid, 3600)  # 105%: over the estimate
    fake_slack.wait_for(lambda _: len(alerts(fake_slack)) == 2 or None)
    assert "crossed its estimate" in alerts(fake_slack)[1]
    fake_toggl.track(ADA, wid, pid, 600)  # still over: no new crossing
    for instance in pair:
        instance.settle()
        instance.watcher.evaluate("T1", wid)  # judged again on both instances: still one post per crossing
    assert len(alerts(fake_slack)) == 2
    posts = [c.body for c in fake_slack.of("chat.postMessage") if "crossed" in all_text(c.body)]
    assert all(p["channel"] == "C1" for p in posts)


def test_a_replayed_delivery_and_a_forged_one_post_nothing(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl
) -> None:
    world, _ = subscribe_with_alerts(pair, fake_slack, fake_toggl)
    (sub,) = fake_toggl.webhooks.subscriptions.values()
    fake_toggl.track(ADA, world["wid"], world["website"]["id"], 4 * 3600)
    fake_slack.wait_for(lambda _: alerts(fake_slack) or None)
    delivered = fake_toggl.webhooks.sent[-1].body
    path = sub["url_callback"][len(pair[0].url) :]
    for instance in pair:  # the same delivery again, to either instance: answered, nothing done
        answer = fake_toggl.webhooks.post({**sub, "url_callback": instance.url + path}, delivered)
        assert answer is not None and answer.status_code == 200
        instance.settle()
    forged = {**delivered, "event_id": 5, "payload": {**delivered["payload"], "id": 99, "duration": 90_000}}
    answer = fake_toggl.webhooks.post(sub, forged, secret="not-the-secret")
    assert answer is not None and answer.status_code == 401
    raw = json.dumps(forged).encode()
    unsigned = requests.post(sub["url_callback"], data=raw, headers={"Content-Type": "application/json"}, timeout=5)
    assert unsigned.status_code == 401
    nobody = requests.post(pair[0].url + "/toggl/webhooks/nobody", data=raw, headers=_signed(raw, "x"), timeout=5)
    assert nobody.status_code == 404
    for instance in pair:
        instance.settle()
    assert len(alerts(fake_slack)) == 1


def test_full_slots_fall_back_to_the_periodic_check_and_say_so(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl, clock: FrozenClock
) -> None:
    world = standard_world(fake_toggl, ADA)
    wid, pid = world["wid"], world["website"]["id"]
    fake_toggl.webhooks.subscriptions[1] = {  # another integration holds the free plan's one slot
        "subscription_id": 1,
        "workspace_id": wid,
        "user_id": 1,
        "enabled": True,
        "description": "Zapier",
        "url_callback": "http://127.0.0.1:9/zapier",
        "event_filters": [{"entity": "project", "action": "*"}],
        "secret": "theirs",
        "validated_at": "2026-01-01T00:00:00+00:00",
        "validation_code": "x",
    }
    pair[0].service.accounts.connect("T1", "U1", ADA)
    say(pair[0], fake_slack, "digest subscribe daily at 09:00 UTC", 1)
    reply = say(pair[0], fake_slack, "digest alerts on", 2)
    assert "slots at Toggl are full" in reply and "checks Toggl every 10 minutes" in reply
    assert list(fake_toggl.webhooks.subscriptions) == [1]  # theirs untouched
    fake_toggl.track(ADA, wid, pid, 4 * 3600)  # no webhook of ours: nothing comes by itself
    clock.advance(seconds=POLL_SECONDS)
    ran = [instance.watcher.tick() for instance in pair]
    assert sorted(ran) == [0, 1]  # the check was claimed by one instance
    (posted,) = fake_slack.wait_for(lambda _: alerts(fake_slack) or None)
    assert "crossed 80% of its estimate" in posted


def test_alerts_off_deletes_the_subscription_it_made(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl
) -> None:
    subscribe_with_alerts(pair, fake_slack, fake_toggl)
    assert len(fake_toggl.webhooks.subscriptions) == 1
    assert "Real-time alerts are off" in say(pair[0], fake_slack, "digest alerts off", 3)
    assert fake_toggl.webhooks.subscriptions == {}
    assert pair[0].service.webhooks.of_team("T1") == []


def test_a_disabled_subscription_is_noticed_and_enabled_again(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl, clock: FrozenClock
) -> None:
    subscribe_with_alerts(pair, fake_slack, fake_toggl)
    (sub,) = fake_toggl.webhooks.subscriptions.values()
    sub["enabled"] = False  # Toggl gave up after failed deliveries
    clock.advance(seconds=31 * 60)
    assert sum(instance.watcher.tick() for instance in pair) == 1
    assert sub["enabled"]


def _signed(raw: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Webhook-Signature-256": f"sha256={digest}"}


def _entry_event(sub: dict, wid: int, entry: dict, action: str, event_id: int) -> dict:
    return {
        "event_id": event_id,
        "created_at": entry["at"],
        "metadata": {"action": action, "model": "time_entry", "workspace_id": str(wid)},
        "payload": entry,
        "subscription_id": sub["subscription_id"],
    }


def test_an_older_delivery_never_moves_a_figure_backwards_and_the_timer_is_kept_fresh(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl, clock: FrozenClock
) -> None:
    world, _ = subscribe_with_alerts(pair, fake_slack, fake_toggl)
    (sub,) = fake_toggl.webhooks.subscriptions.values()
    wid, pid = world["wid"], world["website"]["id"]
    start = clock.now() - dt.timedelta(hours=4)
    running = fake_toggl.add_time_entry(ADA, wid, "Design", start, project_id=pid)
    fake_toggl.webhooks.emit(wid, "time_entry", "created", dict(running))  # a timer started in Toggl
    pair[0].settle()
    fake_toggl.requests.clear()
    assert "Design" in say(pair[1], fake_slack, "now", 3)  # from the delivered copy: Toggl was not asked
    assert fake_toggl.count("/me") == 0

    clock.advance(minutes=1)
    stopped = {**running, "stop": clock.now().isoformat(), "duration": 4 * 3600, "at": clock.now().isoformat()}
    older = {
        **running,
        "stop": start.isoformat(),
        "duration": 3600,
        "at": (clock.now() - dt.timedelta(seconds=30)).isoformat(),
    }
    assert _status(fake_toggl.webhooks.post(sub, _entry_event(sub, wid, stopped, "updated", 71))) == 200
    fake_slack.wait_for(lambda _: alerts(fake_slack) or None)
    figure = lambda: next(p for p in pair[0].service.reader.cached_projects("T1", "U1", wid) if p.id == pid)  # noqa: E731
    assert figure().actual_seconds == 19_800 + 4 * 3600
    assert _status(fake_toggl.webhooks.post(sub, _entry_event(sub, wid, older, "updated", 72))) == 200
    pair[0].settle()
    assert figure().actual_seconds == 19_800 + 4 * 3600  # the older delivery changed nothing
    assert len(alerts(fake_slack)) == 1


def test_the_home_switch_turns_alerts_on_and_uninstall_deletes_the_subscription(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl
) -> None:
    standard_world(fake_toggl, ADA)
    pair[0].service.accounts.connect("T1", "U1", ADA)
    say(pair[0], fake_slack, "digest subscribe daily at 09:00 UTC", 1)
    sub = pair[0].service.subscriptions.get("T1", "C1", "U1")
    assert sub is not None and not sub.alerts
    value = buttons.encode(buttons.SetAlerts(sub=sub.id, on=True))
    assert pair[0].send.home_button("home_alerts", value).status_code == 200
    pair[0].settle()
    assert len(fake_toggl.webhooks.subscriptions) == 1
    refreshed = pair[0].service.subscriptions.get("T1", "C1", "U1")
    assert refreshed is not None and refreshed.alerts
    home = fake_slack.wait_for(lambda calls: [c for c in calls if c.method == "views.publish"] or None)
    assert "Alerts: on" in json.dumps(home[-1].body)

    pair[1].send.event({"type": "app_uninstalled"}, event_id="EvUninstall")
    pair[1].settle()
    assert fake_toggl.webhooks.subscriptions == {}
    assert pair[0].service.webhooks.of_team("T1") == []


def _status(answer: requests.Response | None) -> int:
    return answer.status_code if answer is not None else 0
