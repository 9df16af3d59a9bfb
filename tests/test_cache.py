"""The per-person cache of projects and tasks: freshness, `since` merges, the quota reserve, and isolation."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from pydantic import SecretStr

from bot import toggl
from bot.answers import answer
from bot.clock import FrozenClock
from bot.commands import parse
from bot.identity import Asker
from bot.service import Service
from bot.store import Store
from tests.blockkit import all_text, assert_valid_message
from tests.clocks import ERA_IDS, ERAS, ONE_ERA
from tests.fakes.toggl import FakeToggl, standard_world
from tests.stored import count_rows

ADA = Asker(team_id="T1", user_id="U1")


@pytest.fixture(params=ERAS, ids=ERA_IDS)
def base_time(request: pytest.FixtureRequest) -> dt.datetime:
    """Freshness and quota arithmetic run in each era: no outcome may hang on today's date."""
    return request.param


@pytest.fixture
def world(fake_toggl: FakeToggl, service: Service, clock: FrozenClock) -> dict:
    world = standard_world(fake_toggl, projects=449)
    fake_toggl.age()
    service.accounts.connect("T1", "U1", world["token"])
    fake_toggl.requests.clear()
    return world


def say(service: Service, words: str, asker: Asker = ADA) -> str:
    (message,) = answer(parse(words), asker, service).messages
    assert_valid_message(message)
    return all_text(message)


def names(service: Service, wid: int) -> dict[int, str]:
    return {p.id: p.name for p in service.reader.projects(service.accounts.account(ADA), wid).items}


def test_within_the_freshness_window_nothing_is_asked(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    for _ in range(20):
        assert "1–40 of 450" in say(service, "projects")
    assert fake_toggl.count() == 5  # the first command's three pages, the clients and the pace, then nothing


def test_after_the_window_one_since_request_refreshes(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    say(service, "projects")
    clock.advance(seconds=61)
    fake_toggl.requests.clear()
    say(service, "projects")
    (refresh,) = fake_toggl.requests
    assert "since" in refresh.query
    assert abs(int(refresh.query["since"][0]) - (time.time() - 60)) < 10  # Toggl's clock less the overlap


def test_renamed_archived_and_deleted_projects_show_after_the_refresh(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    wid = world["wid"]
    ids = sorted(fake_toggl.projects[wid])
    renamed, archived, deleted = ids[1], ids[2], ids[3]
    before = names(service, wid)
    fake_toggl.change_project(wid, renamed, name="Renamed project")
    fake_toggl.change_project(wid, archived, active=False, status="archived")
    fake_toggl.delete_project(wid, deleted)
    added = fake_toggl.add_project(wid, "Brand new")
    assert names(service, wid) == before  # still fresh: unchanged, and no request
    clock.advance(seconds=61)
    after = names(service, wid)
    assert after[renamed] == "Renamed project"
    assert deleted not in after
    assert after[added["id"]] == "Brand new"
    assert "Brand new" in say(service, "projects brand")
    archived_name = fake_toggl.projects[wid][archived]["name"]
    assert archived_name in say(service, f"projects archived {archived_name}")
    assert "No active projects matching" in say(service, f"projects {archived_name}")


def test_tasks_are_cached_per_project_too(world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock) -> None:
    say(service, "tasks website")
    fake_toggl.requests.clear()
    assert "Design &lt;mockups&gt;" in say(service, "tasks website")
    assert fake_toggl.count() == 0
    fake_toggl.add_task(world["wid"], world["website"]["id"], "QA pass", tracked_ms=60_000)
    clock.advance(seconds=61)
    assert "QA pass" in say(service, "tasks website")


def test_two_people_never_share_a_cache_entry(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    bo = fake_toggl.add_person(
        "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", name="Bo Diddley", workspaces=[world["wid"]]
    )  # the same workspace!
    assert bo.workspace_ids == [world["wid"]]
    say(service, "projects")
    fake_toggl.projects[world["wid"]][999_999] = {**world["website"], "id": 999_999, "name": "Only Bo can see this"}
    service.accounts.connect("T1", "U2", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0")
    fake_toggl.requests.clear()
    assert "Only Bo can see this" in say(service, "projects only bo", Asker(team_id="T1", user_id="U2"))
    assert {r.token for r in fake_toggl.requests} == {"b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"}  # Bo's own fetch, not Ada's copy
    assert "Only Bo can see this" not in say(service, "projects only bo")  # Ada's copy is hers


def test_disconnect_forgets_the_cache(world: dict, service: Service) -> None:
    say(service, "projects")
    service.accounts.disconnect("T1", "U1")
    assert count_rows(service.store, "cache_items") == 0
    assert count_rows(service.store, "cache_docs") == 0


def test_at_the_quota_reserve_the_cache_answers_with_its_age(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    say(service, "projects")
    fake_toggl.people[world["token"]].quota_left = 3
    fake_toggl.quota_resets_in = 900
    clock.advance(seconds=61)
    say(service, "projects")  # this refresh leaves 2 in the quota: the reserve
    clock.advance(seconds=61)
    fake_toggl.requests.clear()
    text = say(service, "projects")
    assert fake_toggl.count() == 0
    assert "From the app's copy, as of" in text and "hourly limit resets in 14 min" in text and "1–40 of 450" in text


def test_a_402_falls_back_to_the_cache(world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock) -> None:
    say(service, "projects")
    fake_toggl.people[world["token"]].quota_left = 0
    fake_toggl.quota_resets_in = 300
    clock.advance(seconds=61)
    text = say(service, "projects")
    assert "hourly limit resets in 5 min" in text and "1–40 of 450" in text


def test_toggl_down_falls_back_to_the_cache(
    world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    say(service, "projects")
    fake_toggl.fail("/projects", status=503, times=10)
    clock.advance(seconds=61)
    text = say(service, "projects")
    assert "Toggl is not answering right now" in text and "1–40 of 450" in text


def test_with_no_cache_the_reserve_says_when_to_try_again(
    fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    world = standard_world(fake_toggl)
    service.accounts.connect("T1", "U1", world["token"])
    fake_toggl.people[world["token"]].quota_left = 2
    fake_toggl.quota_resets_in = 1200
    service.reader.client(service.accounts.account(ADA)).clients(
        world["wid"]
    )  # a workspace request reads the headers: 1 left
    fake_toggl.requests.clear()
    assert "resets in 20 min" in say(service, "projects")
    assert fake_toggl.count() == 0


def test_me_is_cached_for_an_hour(world: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock) -> None:
    account = service.accounts.account(ADA)
    for _ in range(5):
        service.reader.me(account)
    assert fake_toggl.count("/api/v9/me") == 0  # connect already stored it
    clock.advance(seconds=3601)
    service.reader.me(account)
    assert [r.path for r in fake_toggl.requests] == ["/api/v9/me"]


def test_a_bare_token_is_never_cached(fake_toggl: FakeToggl, service: Service) -> None:
    world = standard_world(fake_toggl)
    token = Asker(token=SecretStr(world["token"]))
    say(service, "projects", token)
    say(service, "projects", token)
    assert fake_toggl.count("/projects") == 2
    assert count_rows(service.store, "cache_items") == 0


def test_quota_error_without_cache_is_said(fake_toggl: FakeToggl, service: Service) -> None:
    world = standard_world(fake_toggl)
    service.accounts.connect("T1", "U1", world["token"])
    fake_toggl.people[world["token"]].quota_left = 0
    with pytest.raises(toggl.QuotaExceeded):
        service.reader.projects(service.accounts.account(ADA), world["wid"])


@ONE_ERA
def test_the_same_list_refreshed_by_many_threads_at_once_never_deadlocks(store: Store) -> None:
    """Found by the hand-over trial: six `projects` answered at once for one person on PostgreSQL, and one died
    with "deadlock detected": each full refresh deletes and re-inserts the same rows in its own order. Refreshes
    of one list now take turns; the last one written wins, whole."""
    import random
    import threading

    from bot.store import CacheState

    cache, errors = store.cache, []

    def refresh(seed: int) -> None:
        items = {item_id: f'{{"id": {item_id}, "v": {seed}}}' for item_id in range(60)}
        order = list(items)
        random.Random(seed).shuffle(order)
        try:
            for _ in range(8):
                cache.merge(
                    "T1",
                    "U1",
                    1,
                    "projects",
                    upserts={item_id: items[item_id] for item_id in order},
                    deletes=[],
                    state=CacheState(server_time=1.0, fetched_at=1.0),
                    replace=True,
                )
        except Exception as err:  # the test reports whatever went wrong
            errors.append(err)

    threads = [threading.Thread(target=refresh, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = cache.items("T1", "U1", 1, "projects")
    assert len(stored) == 60 and len({item.split('"v": ')[1] for item in stored}) == 1  # one refresh's, whole
