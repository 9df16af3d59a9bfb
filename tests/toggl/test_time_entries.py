"""Time entries and the summary report through the client, against the fake Toggl as the spec shapes them."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import toggl
from bot.clock import FrozenClock
from bot.toggl import TogglClient
from bot.toggl.client import CREATED_WITH
from tests.fakes.toggl import ME_QUOTA, FakeToggl, standard_world

TOKEN = "ada0ada0ada0ada0ada0ada0ada0ada0"
H = 3600


def client_for(fake: FakeToggl) -> TogglClient:
    return TogglClient(TOKEN, base_url=fake.url)


def test_start_posts_a_running_entry_once(fake_toggl: FakeToggl, clock: FrozenClock) -> None:
    world = standard_world(fake_toggl)
    entry = client_for(fake_toggl).start_entry(
        world["wid"], start=clock.now(), description="Writing", project_id=world["website"]["id"]
    )
    assert entry.running and entry.duration < 0 and entry.stop is None
    assert entry.start == clock.now() and entry.project_id == world["website"]["id"]
    (request,) = fake_toggl.requests
    assert (request.method, request.path) == ("POST", f"/api/v9/workspaces/{world['wid']}/time_entries")
    assert request.body == {
        "created_with": CREATED_WITH,
        "workspace_id": world["wid"],
        "start": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": -1,
        "description": "Writing",
        "project_id": world["website"]["id"],
    }


def test_a_failed_start_is_never_resent(fake_toggl: FakeToggl, clock: FrozenClock) -> None:
    """A retried POST could start two timers: 5xx and 429 stand as they are."""
    world = standard_world(fake_toggl)
    fake_toggl.fail("/time_entries", status=503, times=5)
    with pytest.raises(toggl.TogglUnavailable):
        client_for(fake_toggl).start_entry(world["wid"], start=clock.now(), description="x")
    assert fake_toggl.count("/time_entries") == 1


def test_starting_stops_the_running_entry(fake_toggl: FakeToggl, clock: FrozenClock) -> None:
    world = standard_world(fake_toggl)
    client = client_for(fake_toggl)
    first = client.start_entry(world["wid"], start=clock.now(), description="one")
    clock.advance(minutes=25)
    client.start_entry(world["wid"], start=clock.now(), description="two")
    assert fake_toggl.time_entries[first.id]["duration"] == 25 * 60
    current = client.current_entry()
    assert current is not None and current.description == "two"


def test_current_is_none_when_nothing_runs(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    assert client_for(fake_toggl).current_entry() is None


def test_stop_says_how_long_it_ran_and_a_second_stop_is_a_conflict(fake_toggl: FakeToggl, clock: FrozenClock) -> None:
    world = standard_world(fake_toggl)
    client = client_for(fake_toggl)
    entry = client.start_entry(world["wid"], start=clock.now(), description="Writing")
    clock.advance(hours=1, minutes=5)
    stopped = client.stop_entry(world["wid"], entry.id)
    assert not stopped.running and stopped.duration == H + 300 and stopped.seconds_at(clock.now()) == H + 300
    assert fake_toggl.requests[-1].method == "PATCH"
    with pytest.raises(toggl.Conflict):
        client.stop_entry(world["wid"], entry.id)
    with pytest.raises(toggl.NotFound):
        client.stop_entry(world["wid"], 999_999)


def test_a_running_entrys_length_comes_from_its_start(fake_toggl: FakeToggl, clock: FrozenClock) -> None:
    """Toggl's `duration` of a running entry is minus its start's UNIX time, not how long it ran."""
    world = standard_world(fake_toggl)
    fake_toggl.add_time_entry(TOKEN, world["wid"], "Calls", clock.now() - dt.timedelta(minutes=90))
    current = client_for(fake_toggl).current_entry()
    assert current is not None and current.duration < -1_000_000
    assert current.seconds_at(clock.now()) == 90 * 60


def test_entries_between_two_moments_newest_first(fake_toggl: FakeToggl, clock: FrozenClock) -> None:
    world = standard_world(fake_toggl)
    now = clock.now()
    fake_toggl.add_time_entry(TOKEN, world["wid"], "old", now - dt.timedelta(days=3), now - dt.timedelta(days=3, hours=-1))
    fake_toggl.add_time_entry(TOKEN, world["wid"], "earlier", now - dt.timedelta(hours=3), now - dt.timedelta(hours=2))
    fake_toggl.add_time_entry(TOKEN, world["wid"], "now", now - dt.timedelta(minutes=5))
    client = client_for(fake_toggl)
    found = client.time_entries(now - dt.timedelta(hours=12), now + dt.timedelta(hours=1))
    assert [e.description for e in found] == ["now", "earlier"]
    assert [e.description for e in client.time_entries()] == ["now", "earlier", "old"]


def test_the_summary_is_one_post_with_time_per_project(fake_toggl: FakeToggl, clock: FrozenClock) -> None:
    world = standard_world(fake_toggl)
    wid, pid = world["wid"], world["website"]["id"]
    now = clock.now()
    fake_toggl.add_time_entry(
        TOKEN, wid, "a", now - dt.timedelta(hours=5), now - dt.timedelta(hours=3), project_id=pid, billable=True
    )
    fake_toggl.add_time_entry(TOKEN, wid, "b", now - dt.timedelta(hours=3), now - dt.timedelta(hours=2), project_id=pid)
    fake_toggl.add_time_entry(TOKEN, wid, None, now - dt.timedelta(hours=2), now - dt.timedelta(hours=1, minutes=30))
    fake_toggl.add_time_entry(TOKEN, wid, "running", now - dt.timedelta(minutes=30))
    report = client_for(fake_toggl).summary(
        wid, now.date() - dt.timedelta(days=1), now.date(), user_ids=[world["person"].me["id"]]
    )
    # the running one is not counted; the no-project row carries no `rates`, so no billable split (None, not 0)
    assert report.per_project() == {pid: (3 * H, 2 * H), None: (H // 2, None)}
    (request,) = fake_toggl.requests
    assert request.path == f"/reports/api/v3/workspace/{wid}/summary/time_entries"
    assert request.body["user_ids"] == [world["person"].me["id"]]


def test_a_single_day_is_asked_with_an_end_after_its_start(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    day = dt.date(2026, 11, 23)
    client_for(fake_toggl).summary(world["wid"], day, day)
    assert fake_toggl.requests[0].body["end_date"] == "2026-11-24"


def test_me_paths_have_their_own_quota_and_answer_402_when_it_is_spent(fake_toggl: FakeToggl) -> None:
    world = standard_world(fake_toggl)
    client = client_for(fake_toggl)
    for _ in range(ME_QUOTA):
        client.current_entry()
    assert client.me_quota.remaining == 0
    with pytest.raises(toggl.QuotaExceeded) as caught:
        client.current_entry()
    assert caught.value.bucket == "me" and caught.value.resets_in == 1800
    assert client.projects(world["wid"])  # the workspace's quota is another
    assert client.quota.remaining is not None and client.quota.remaining > 0


def test_403_on_a_me_path_means_the_token_is_rejected(fake_toggl: FakeToggl) -> None:
    standard_world(fake_toggl)
    fake_toggl.fail("/me/time_entries/current", status=403)
    with pytest.raises(toggl.TokenRejected):
        client_for(fake_toggl).current_entry()
