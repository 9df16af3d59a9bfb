"""Real-time alerts end to end: `digest alerts on` through signed Slack requests, a Toggl webhook subscription
made and validated at the fake Toggl, time tracked there delivered through the real HTTP door of one of two
instances on one database, and the alert posted in the channel once. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
import sqlalchemy as sa
from prometheus_client import REGISTRY

from bot import buttons
from bot.alerts import views
from bot.alerts.watch import POLL_SECONDS, Watcher
from bot.app import alert_receiver, create_app
from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.doors import wsgi_app
from bot.service import Service
from bot.store import Store
from bot.store.schema import hook_entries
from bot.toggl import TogglClients
from bot.toggl.models import Project
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
    counted = {o: _deliveries(o) for o in ("taken", "repeat", "unsigned", "unknown")}
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
    moved = {o: _deliveries(o) - before for o, before in counted.items()}
    assert moved == {"taken": 1, "repeat": 2, "unsigned": 2, "unknown": 1}  # what an operator sees on /metrics


def _deliveries(outcome: str) -> float:
    return REGISTRY.get_sample_value("toggl_bot_webhook_deliveries_total", {"outcome": outcome}) or 0.0


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


# -- at the edges: each found by an adversarial review, and failing before its fix ------------------------------

BOB = "bob0bob0bob0bob0bob0bob0bob0bob0"
ZAPIER = {
    "subscription_id": 1,
    "user_id": 1,
    "enabled": True,
    "description": "Zapier",
    "url_callback": "http://127.0.0.1:9/zapier",
    "event_filters": [{"entity": "project", "action": "*"}],
    "secret": "theirs",
    "validated_at": "2026-01-01T00:00:00+00:00",
    "validation_code": "x",
}


def test_alert_fallback_text_escapes_the_project_name() -> None:
    project = Project(id=1, name="<!channel> Ops & <b>", workspace_id=9, estimated_seconds=3600, actual_seconds=3700)
    msg = views.alert_message(
        project,
        3700,
        3600,
        "estimate",
        threshold=80,
        owner_id="U1",
        workspace_name="W",
        workspace_id=9,
        at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC),
    )
    assert "<!channel>" not in msg["text"]


def test_a_subscription_left_by_a_failed_delete_does_not_block_the_slot(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl
) -> None:
    subscribe_with_alerts(pair, fake_slack, fake_toggl)
    fake_toggl.fail("/subscriptions/", status=503, times=5)
    say(pair[0], fake_slack, "digest alerts off", 3)
    fake_toggl.faults.clear()
    reply = say(pair[0], fake_slack, "digest alerts on", 4)
    assert "slots at Toggl are full" not in reply


def test_alerts_off_in_one_workspace_releases_its_subscription(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl
) -> None:
    world, _ = subscribe_with_alerts(pair, fake_slack, fake_toggl)  # U1 in workspace 1
    other = standard_world(fake_toggl, BOB)  # U2 in another workspace
    pair[0].service.accounts.connect("T1", "U2", BOB)
    pair[0].send.command("digest subscribe daily at 09:00 UTC", user="U2", channel="C2", response_url=fake_slack.hook("b"))
    fake_slack.wait_for_calls("/hooks/b", 1)
    pair[0].send.command("digest alerts on", user="U2", channel="C2", response_url=fake_slack.hook("b"))
    fake_slack.wait_for_calls("/hooks/b", 2)
    assert {s["workspace_id"] for s in fake_toggl.webhooks.subscriptions.values()} == {world["wid"], other["wid"]}
    say(pair[0], fake_slack, "digest alerts off", 3)  # U1: nobody alerts in workspace 1 any more
    left = [s["workspace_id"] for s in fake_toggl.webhooks.subscriptions.values()]
    assert world["wid"] not in left


def test_turning_alerts_on_elsewhere_keeps_a_pending_crossing(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl, clock: FrozenClock
) -> None:
    world = standard_world(fake_toggl, ADA)
    wid, pid = world["wid"], world["website"]["id"]
    fake_toggl.webhooks.subscriptions[1] = {**ZAPIER, "workspace_id": wid}  # polling, as in the fallback
    pair[0].service.accounts.connect("T1", "U1", ADA)
    say(pair[0], fake_slack, "digest subscribe daily at 09:00 UTC", 1)
    say(pair[0], fake_slack, "digest alerts on", 2)  # C1 alerting, 55%: below
    fake_toggl.track(ADA, wid, pid, 4 * 3600)  # 95% at Toggl: C1's crossing, due at the next check
    clock.advance(seconds=120)
    pair[0].send.command("digest subscribe daily at 09:00 UTC", channel="C2", response_url=fake_slack.hook("c2"))
    fake_slack.wait_for_calls("/hooks/c2", 1)
    pair[0].send.command("digest alerts on", channel="C2", response_url=fake_slack.hook("c2"))
    fake_slack.wait_for_calls("/hooks/c2", 2)
    clock.advance(seconds=POLL_SECONDS)
    for instance in pair:
        instance.watcher.tick()
        instance.settle()
    assert alerts(fake_slack), "C1's crossing 55% -> 95% was never posted"


def test_a_delivery_after_a_reread_is_not_counted_twice(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl, clock: FrozenClock
) -> None:
    world, _ = subscribe_with_alerts(pair, fake_slack, fake_toggl)
    wid, pid = world["wid"], world["website"]["id"]
    (sub,) = fake_toggl.webhooks.subscriptions.values()
    sub["enabled"] = False  # Toggl holds the delivery a moment (retry, queue): 2 h tracked, 75%
    entry = fake_toggl.track(ADA, wid, pid, 2 * 3600)
    sub["enabled"] = True
    clock.advance(seconds=120)
    say(pair[0], fake_slack, "projects", 3)  # an ordinary command re-reads the (stale) list: 27,000 s
    fake_toggl.webhooks.emit(wid, "time_entry", "created", dict(entry))  # the delivery arrives
    for instance in pair:
        instance.settle()
    figure = next(p for p in pair[0].service.reader.cached_projects("T1", "U1", wid) if p.id == pid)
    assert figure.actual_seconds == fake_toggl.projects[wid][pid]["actual_seconds"]
    assert alerts(fake_slack) == []  # 75% is below the digest's 80%


def test_two_slack_teams_on_one_toggl_workspace_both_hear(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl
) -> None:
    world, _ = subscribe_with_alerts(pair, fake_slack, fake_toggl)
    wid, pid = world["wid"], world["website"]["id"]
    fake_toggl.webhooks.plans[wid] = "starter"  # 2 slots
    fake_toggl.add_person(BOB, name="Bob Builder", workspaces=[wid])
    pair[0].service.accounts.connect("T2", "U9", BOB)
    t2 = SlackSender(pair[0].url + "/slack/events", fake_slack.hook("t2"), team_id="T2")
    t2.command("digest subscribe daily at 09:00 UTC", user="U9", channel="C9", response_url=fake_slack.hook("t2"))
    fake_slack.wait_for_calls("/hooks/t2", 1)
    t2.command("digest alerts on", user="U9", channel="C9", response_url=fake_slack.hook("t2"))
    fake_slack.wait_for_calls("/hooks/t2", 2)
    assert len(fake_toggl.webhooks.subscriptions) == 2
    fake_toggl.track(ADA, wid, pid, 4 * 3600)  # 95%: both teams' digests cross 80%
    for instance in pair:
        instance.settle()
    posts = [c.body["channel"] for c in fake_slack.of("chat.postMessage") if "crossed" in str(c.body)]
    figures = {
        team: next(p for p in pair[0].service.reader.cached_projects(team, user, wid) if p.id == pid).actual_seconds
        for team, user in (("T1", "U1"), ("T2", "U9"))
    }
    assert sorted(posts) == ["C1", "C9"]
    assert figures == {"T1": 19_800 + 4 * 3600, "T2": 19_800 + 4 * 3600}  # each team's copy counted it once


def test_a_burst_recheck_costs_one_request_per_workspace_a_minute(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl, clock: FrozenClock
) -> None:
    world, _ = subscribe_with_alerts(pair, fake_slack, fake_toggl)
    wid = world["wid"]
    for n in range(3):
        retainer = fake_toggl.add_project(
            wid,
            f"Retainer {n}",
            recurring=True,
            recurring_parameters=[{"period": "monthly", "estimated_seconds": 36_000}],
            current_period={"start_date": "2026-11-01", "end_date": "2026-11-30"},
        )
        fake_toggl.report_seconds[(wid, retainer["id"])] = 1000
    clock.advance(seconds=60)
    assert sum(instance.watcher.tick() for instance in pair) == 1  # the hook's first check (repair) out of the way
    clock.advance(seconds=700)
    (sub,) = fake_toggl.webhooks.subscriptions.values()
    old = {
        "id": 424242,
        "workspace_id": wid,
        "project_id": world["website"]["id"],
        "duration": 60,
        "user_id": 1,
        "at": clock.now().isoformat(),
        "start": clock.now().isoformat(),
        "description": "x",
    }
    fake_toggl.webhooks.post(sub, _entry_event(sub, wid, old, "updated", 31337))  # an entry the app never saw
    pair[0].settle()
    clock.advance(seconds=61)
    fake_toggl.requests.clear()
    for instance in pair:
        instance.watcher.tick()
    paths = [r.path for r in fake_toggl.requests]
    assert len(paths) <= 1


def test_hostile_requests_at_the_door(pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl, caplog) -> None:
    import hashlib
    import hmac
    import logging

    import requests

    caplog.set_level(logging.DEBUG)
    subscribe_with_alerts(pair, fake_slack, fake_toggl)
    (sub,) = fake_toggl.webhooks.subscriptions.values()
    url, secret = sub["url_callback"], sub["secret"]

    def signed(raw: bytes, key: str = secret) -> dict:
        return {
            "Content-Type": "application/json",
            "X-Webhook-Signature-256": "sha256=" + hmac.new(key.encode(), raw, hashlib.sha256).hexdigest(),
        }

    base = pair[0].url + "/toggl/webhooks/"
    cases = {
        "GET": lambda: requests.get(url, timeout=5),
        "empty id": lambda: requests.post(base, data=b"{}", headers=signed(b"{}"), timeout=5),
        "non-ascii id": lambda: requests.post(base + "%C3%A9", data=b"{}", timeout=5),
        "long id": lambda: requests.post(base + "a" * 500, data=b"{}", timeout=5),
        "id with slash": lambda: requests.post(url + "/../x", data=b"{}", timeout=5),
        "no sig": lambda: requests.post(url, data=b"SECRET-BODY-1", timeout=5),
        "latin1 sig": lambda: requests.post(url, data=b"{}", headers={"X-Webhook-Signature-256": "sha256=\xe9"}, timeout=5),
        "upper sig": lambda: requests.post(
            url,
            data=b"[]",
            headers={**signed(b"[]"), "X-Webhook-Signature-256": signed(b"[]")["X-Webhook-Signature-256"].upper()},
            timeout=5,
        ),
        "signed []": lambda: requests.post(url, data=b"[]", headers=signed(b"[]"), timeout=5),
        "signed bad utf8": lambda: requests.post(url, data=b"\xff\xfe", headers=signed(b"\xff\xfe"), timeout=5),
        "signed deep": lambda: requests.post(
            url, data=b"[" * 50000 + b"]" * 50000, headers=signed(b"[" * 50000 + b"]" * 50000), timeout=5
        ),
        "signed huge int": lambda: requests.post(
            url,
            data=(b'{"event_id": ' + b"9" * 5000 + b', "metadata": {}, "payload": {}}'),
            headers=signed(b'{"event_id": ' + b"9" * 5000 + b', "metadata": {}, "payload": {}}'),
            timeout=5,
        ),
        "signed nan": lambda: requests.post(
            url,
            data=b'{"event_id": NaN, "metadata": {}, "payload": {}}',
            headers=signed(b'{"event_id": NaN, "metadata": {}, "payload": {}}'),
            timeout=5,
        ),
        "ping non-str code": lambda: requests.post(
            url, data=b'{"validation_code": 5}', headers=signed(b'{"validation_code": 5}'), timeout=5
        ),
        "too big": lambda: requests.post(url, data=b"x" * (2 * 1024 * 1024), headers=signed(b"x"), timeout=5),
        "chunked": lambda: requests.post(url, data=iter([b"{}"]), headers=signed(b"{}"), timeout=5),
        "other hook's secret": lambda: requests.post(url, data=b"{}", headers=signed(b"{}", "x"), timeout=5),
    }
    for label, send in cases.items():
        print(f"STATUS {label}: {send().status_code}")
    for instance in pair:
        instance.settle()
    text = caplog.text
    assert secret not in text and "SECRET-BODY-1" not in text


def test_a_crossing_whose_post_failed_once_is_posted_later(
    pair: list[Instance], fake_slack: FakeSlack, fake_toggl: FakeToggl, clock: FrozenClock
) -> None:
    world, _ = subscribe_with_alerts(pair, fake_slack, fake_toggl)
    wid, pid = world["wid"], world["website"]["id"]
    fake_slack.fail("chat.postMessage", "internal_error", times=1)  # one transient Slack error
    fake_toggl.track(ADA, wid, pid, 4 * 3600)  # 95%: crosses 80%
    for instance in pair:
        instance.settle()
    fake_toggl.track(ADA, wid, pid, 60)  # more time on the project, still above
    clock.advance(seconds=31 * 60)
    for instance in pair:
        instance.watcher.tick()  # the reconcile too
        instance.settle()
    assert alerts(fake_slack)


def test_racing_first_deliveries_of_one_entry_keep_the_newer(store: Store, database_url: str, clock: FrozenClock) -> None:
    """Two instances get the first two deliveries of one entry at once (created, then stopped): whichever inserts
    first, the newer one is what the entry counts; the older one is told it is older."""
    other = Store(database_url, clock=clock)
    try:

        def deliver(n: int) -> tuple[int | None, int] | bool | None:
            entry = n // 2
            if n % 2:
                return other.webhooks.apply_entry("T1", 1, entry, 7, 3600, at=2.0)  # stopped, newer
            return store.webhooks.apply_entry("T1", 1, entry, 7, 0, at=1.0)  # created running, older

        with ThreadPoolExecutor(8) as workers:
            list(workers.map(deliver, range(120)))
        with store.db.read() as conn:
            seconds = conn.execute(sa.select(hook_entries.c.seconds)).scalars().all()
        assert len(seconds) == 60 and set(seconds) == {3600}
    finally:
        other.db.dispose()
