"""`GET /metrics`: off without `METRICS_TOKEN`, Bearer-only with it, and its figures move with real requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from bot.app import create_app
from bot.doors import wsgi_app
from bot.metrics import endpoint
from tests.fakes.app import Running, settings_for
from tests.fakes.server import WSGILoopback
from tests.fakes.signing import SlackSender

TOKEN = "scrape-me-7f3a"


@pytest.fixture
def scraped(running: Running, database_url: str) -> Iterator[tuple[str, SlackSender]]:
    """The production app with `METRICS_TOKEN` set: its base URL, and a sender of signed requests to it."""
    settings = settings_for(running.slack, running.toggl, database_url)
    settings = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    app = create_app(settings, service=running.service, pool=running.pool, side=running.side)
    with WSGILoopback(wsgi_app(app, running.service, settings)) as server:
        yield server.url, SlackSender(server.url + "/slack/events", running.slack.hook("r1"))


def figures(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = requests.get(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_off_without_a_token(running: Running) -> None:
    answer = requests.get(running.url.removesuffix("/slack/events") + "/metrics", timeout=5)
    assert answer.status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"bearer {TOKEN}"])
def test_metrics_need_the_bearer_token(scraped: tuple[str, SlackSender], header: str | None) -> None:
    base, _ = scraped
    answer = requests.get(base + "/metrics", headers={"Authorization": header} if header else {}, timeout=5)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert TOKEN not in answer.text


def test_a_signed_command_moves_the_ack_and_toggl_figures(
    running: Running, ada: dict, scraped: tuple[str, SlackSender]
) -> None:
    base, send = scraped
    before = figures(base)
    assert send.command("projects").status_code == 200
    running.slack.wait_for_calls("/hooks/r1")
    running.settle()
    after = figures(base)
    acks = "toggl_bot_acks_total"
    assert value(after, acks, surface="command", outcome="ok") == value(before, acks, surface="command", outcome="ok") + 1
    count = "toggl_bot_ack_seconds_count"
    assert value(after, count, surface="command") == value(before, count, surface="command") + 1
    projects = {"endpoint": "/api/v9/workspaces/{id}/projects", "status": "200"}
    assert value(after, "toggl_bot_toggl_requests_total", **projects) > value(
        before, "toggl_bot_toggl_requests_total", **projects
    )
    assert ("toggl_bot_work_pending", (("pool", "answers"),)) in after
    assert ("toggl_bot_db_connections_in_use", ()) in after


def test_a_bad_signature_is_counted_as_refused(scraped: tuple[str, SlackSender]) -> None:
    base, send = scraped
    before = value(figures(base), "toggl_bot_acks_total", surface="unknown", outcome="refused")
    body = send.command_body("help")
    answer = send.post(body, "application/x-www-form-urlencoded", headers={"X-Slack-Signature": "v0=" + "0" * 64})
    assert answer.status_code == 401
    assert value(figures(base), "toggl_bot_acks_total", surface="unknown", outcome="refused") == before + 1


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/api/v9/workspaces/123/projects", "/api/v9/workspaces/{id}/projects"),
        ("/api/v9/me", "/api/v9/me"),
        ("/reports/api/v3/workspace/9/projects/77/summary", "/reports/api/v3/workspace/{id}/projects/{id}/summary"),
        ("/api/v9/workspaces/123/time_entries/456/stop", "/api/v9/workspaces/{id}/time_entries/{id}/stop"),
    ],
)
def test_toggl_paths_become_labels_without_ids(path: str, label: str) -> None:
    assert endpoint(path) == label
