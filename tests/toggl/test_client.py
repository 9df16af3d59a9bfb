"""The Toggl client against the fake Toggl over real HTTP: paging, units, nulls, quota, and every failure."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest

from bot import toggl
from bot.clock import Clock
from bot.toggl import TogglClient
from bot.toggl.client import default_retry
from tests.fakes.toggl import NO_BACKOFF, FakeToggl, standard_world

TOKEN = "ada0ada0ada0ada0ada0ada0ada0ada0"


def client_for(fake: FakeToggl, token: str = TOKEN, **options) -> TogglClient:
    """A client of the fake that retries as in production without waiting between tries; one test below
    (`test_a_lasting_5xx_is_unavailable`) keeps the production backoff and checks that it is waited."""
    return TogglClient(token, base_url=fake.url, **{"retry": NO_BACKOFF, **options})


def test_projects_fetches_every_page_of_200(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl, projects=449)
    projects = client_for(fake_toggl).projects(world["wid"])
    assert len(projects) == 450
    assert len({p.id for p in projects}) == 450
    calls = [r for r in fake_toggl.requests if r.path.endswith("/projects")]
    assert [r.query["page"] for r in calls] == [["1"], ["2"], ["3"]]
    assert all(r.query["per_page"] == ["200"] for r in calls)


def test_projects_stops_after_a_short_page(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl, projects=399)  # exactly two full pages
    assert len(client_for(fake_toggl).projects(world["wid"])) == 400
    assert fake_toggl.count("/projects") == 3  # the third, empty page proves there is no more


def test_tasks_are_unwrapped_paged_and_in_seconds(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    wid, pid = world["wid"], world["website"]["id"]
    for n in range(448):
        fake_toggl.add_task(wid, pid, f"Task {n:03d}", tracked_ms=1500)
    tasks = client_for(fake_toggl).tasks(wid, project_id=pid)
    assert len(tasks) == 450
    assert fake_toggl.count("/tasks") == 3
    design = next(t for t in tasks if t.name == "Design <mockups>")
    assert design.tracked_seconds == 19_800  # 19,800,000 ms
    assert design.estimated_seconds == 36_000
    assert next(t for t in tasks if t.name == "Task 000").tracked_seconds == 2  # 1.5 s rounds to 2


def test_tasks_of_a_recurring_project_are_unknown_not_zero(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    wid = world["wid"]
    project = fake_toggl.add_project(wid, "Support", recurring=True)
    fake_toggl.add_task(wid, project["id"], "Tickets", tracked_ms=7_200_000)
    (task,) = client_for(fake_toggl).tasks(wid, project_id=project["id"])
    assert task.tracked_seconds is None


def test_models_accept_nulls_missing_and_unknown_fields(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    wid = world["wid"]
    fake_toggl.projects[wid][1] = {
        "id": 1,
        "name": "Bare",
        "active": True,
        "pinned": False,
        "at": "2026-01-01T00:00:00+00:00",
    }
    fake_toggl.add_project(
        wid,
        "Nulls",
        end_date=None,
        estimated_seconds=None,
        client_id=None,
        rate=None,
        recurring_parameters=None,
        current_period=None,
        brand_new_field={"x": 1},
        status=None,
    )
    projects = {p.name: p for p in client_for(fake_toggl).projects(wid)}
    assert projects["Bare"].estimated_seconds is None and projects["Bare"].client_name is None
    assert projects["Nulls"].end_date is None and projects["Nulls"].status is None


def test_one_project_by_id_or_not_found(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    client = client_for(fake_toggl)
    assert client.project(world["wid"], world["website"]["id"]).name == "Website redesign"
    with pytest.raises(toggl.NotFound):
        client.project(world["wid"], 424242)


def test_me_drops_the_api_token_toggl_sends_back(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    me = client_for(fake_toggl).me()
    assert me.fullname == "Ada Lovelace"
    assert TOKEN not in repr(me) and TOKEN not in me.model_dump_json()


def test_basic_auth_and_user_agent(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    client_for(fake_toggl).workspaces()
    (request,) = fake_toggl.requests
    assert request.token == TOKEN
    assert request.user_agent.startswith("toggl-for-slack/")


def test_quota_headers_are_kept_per_bucket(fake_toggl: FakeToggl) -> None:
    """`/me` and `/me/workspaces` draw on the user quota (30 an hour); a workspace's projects on its own."""
    world = standard_world(fake_toggl)
    fake_toggl.people[TOKEN].quota_left = 100
    client = client_for(fake_toggl)
    client.me()
    client.workspaces()
    assert client.me_quota.remaining == 28 and client.me_quota.resets_in == 1800
    assert client.quota.remaining is None  # no workspace request yet
    client.projects(world["wid"])
    assert client.quota.remaining == 99 and client.me_quota.remaining == 28


def test_project_tracked_seconds_from_reports(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    wid, pid = world["wid"], world["website"]["id"]
    fake_toggl.report_seconds[(wid, pid)] = 12_345
    seconds = client_for(fake_toggl).project_tracked_seconds(wid, pid, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert seconds == 12_345
    (request,) = fake_toggl.requests
    assert request.method == "POST"
    assert request.body == {"start_date": "2026-11-01", "end_date": "2026-11-30"}


# -- failures ------------------------------------------------------------------------------------


def test_unknown_token_is_rejected(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    with pytest.raises(toggl.TokenRejected) as caught:
        client_for(fake_toggl, token="nope").projects(1)
    assert caught.value.status == 401
    assert fake_toggl.count() == 1  # a 4xx is not resent


def test_403_on_me_means_the_token_is_rejected(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    fake_toggl.fail("/api/v9/me", status=403)
    with pytest.raises(toggl.TokenRejected):
        client_for(fake_toggl).me()


def test_403_elsewhere_means_no_access_to_the_workspace(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    other = fake_toggl.add_workspace("Not yours")
    with pytest.raises(toggl.NoWorkspaceAccess):
        client_for(fake_toggl).projects(other)


def test_402_carries_the_seconds_until_the_quota_resets(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    fake_toggl.people[TOKEN].quota_left = 0
    fake_toggl.quota_resets_in = 754
    client = client_for(fake_toggl)
    with pytest.raises(toggl.QuotaExceeded) as caught:
        client.projects(world["wid"])
    assert caught.value.resets_in == 754
    assert client.quota.remaining == 0
    assert fake_toggl.count() == 1


def test_402_from_reports_without_quota_headers_is_a_missing_feature(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    fake_toggl.fail("/reports/", status=402, body=b"Workspace needs the reports feature", quota_headers=False)
    with pytest.raises(toggl.FeatureUnavailable):
        client_for(fake_toggl).project_tracked_seconds(
            world["wid"], world["website"]["id"], dt.date(2026, 1, 1), dt.date(2026, 1, 31)
        )


def test_429_is_retried_honouring_retry_after(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    fake_toggl.fail("/me/workspaces", status=429, headers={"Retry-After": "1"})
    workspaces = client_for(fake_toggl).workspaces()
    assert len(workspaces) == 1
    assert fake_toggl.count("/me/workspaces") == 2


def test_429_that_persists_becomes_rate_limited(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    fake_toggl.fail("/me/workspaces", status=429, headers={"Retry-After": "0"}, times=10)
    with pytest.raises(toggl.RateLimited) as caught:
        client_for(fake_toggl).workspaces()
    assert caught.value.retry_after == 0
    assert fake_toggl.count("/me/workspaces") == 4  # the first try and three retries


def test_a_passing_5xx_is_retried(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    fake_toggl.fail("/me/workspaces", status=503)
    assert client_for(fake_toggl).workspaces()
    assert fake_toggl.count("/me/workspaces") == 2


def test_a_lasting_5xx_is_unavailable(fake_toggl: FakeToggl) -> None:
    """With the production client as built (no `retry` given), so its real backoff is waited once here.

    urllib3 waits nothing before the first retry, then `backoff_factor` * 2 and * 4: 0.6 s and 1.2 s, plus jitter.
    """
    assert default_retry().backoff_factor == 0.3
    standard_world(fake_toggl)
    fake_toggl.fail("/me/workspaces", status=500, times=10)
    started = time.monotonic()
    with pytest.raises(toggl.TogglUnavailable) as caught:
        TogglClient(TOKEN, base_url=fake_toggl.url).workspaces()
    assert time.monotonic() - started >= 0.6 + 1.2
    assert caught.value.status == 500
    assert fake_toggl.count("/me/workspaces") == 4


def test_a_slow_toggl_times_out_as_unavailable(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    fake_toggl.fail("/me/workspaces", kind="slow", delay=1.0, times=5)
    with pytest.raises(toggl.TogglUnavailable):
        client_for(fake_toggl, timeout=(1.0, 0.3)).workspaces()


def test_one_slow_answer_is_retried(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    fake_toggl.fail("/me/workspaces", kind="slow", delay=1.0)
    assert client_for(fake_toggl, timeout=(1.0, 0.3)).workspaces()


@pytest.mark.parametrize("kind", ["malformed", "truncated", "reset"])
def test_broken_answers_are_unavailable(fake_toggl: FakeToggl, kind: str) -> None:
    standard_world(fake_toggl)
    fake_toggl.fail("/me/workspaces", kind=kind, times=10)
    with pytest.raises(toggl.TogglUnavailable):
        client_for(fake_toggl).workspaces()


def test_malformed_json_is_a_bad_response(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    fake_toggl.fail("/me", kind="malformed")
    with pytest.raises(toggl.BadResponse):
        client_for(fake_toggl).me()


def test_fields_of_the_wrong_type_are_a_bad_response(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    fake_toggl.add_project(world["wid"], "Odd", id="not-a-number")
    with pytest.raises(toggl.BadResponse):
        client_for(fake_toggl).projects(world["wid"])


def test_the_token_never_shows_in_reprs_errors_or_logs(fake_toggl: FakeToggl, all_logs: pytest.LogCaptureFixture) -> None:
    world = standard_world(fake_toggl, token="cafe7f3a9ed0d0d0d0d0d0d0d0d0d0d0")
    client = client_for(fake_toggl, token="cafe7f3a9ed0d0d0d0d0d0d0d0d0d0d0")
    fake_toggl.fail("/projects", status=500, times=10)
    fake_toggl.fail("/tasks", kind="malformed")
    seen: list[str] = [repr(client)]
    for call in (lambda: client.projects(world["wid"]), lambda: client.tasks(world["wid"])):
        with pytest.raises(toggl.TogglError) as caught:
            call()
        seen += [str(caught.value), repr(caught.value), str(caught.value.__cause__)]
    logging.getLogger("test").info("client is %r", client)
    seen.append(all_logs.text)
    assert all("cafe7f3a9ed0d0d0d0d0d0d0d0d0d0d0" not in text for text in seen)
    assert "cafe7f3a9ed0d0d0d0d0d0d0d0d0d0d0" not in repr(toggl.TogglClients(fake_toggl.url, clock=Clock()))
