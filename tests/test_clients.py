"""Clients by id: Toggl's project list names a client only by `client_id`; names come from `/clients`."""

from __future__ import annotations

import pytest

from bot.answers import answer
from bot.clock import FrozenClock
from bot.commands import parse
from bot.identity import Asker
from bot.service import Service
from tests.blockkit import all_text, assert_valid_message
from tests.fakes.toggl import FakeToggl, standard_world

ADA = Asker(team_id="T1", user_id="U1", channel_id="C1")


def say(service: Service, words: str) -> str:
    reply = answer(parse(words), ADA, service)
    for message in reply.messages:
        assert_valid_message(message)
    return "\n".join(all_text(m) for m in reply.messages)


@pytest.fixture
def acme(fake_toggl: FakeToggl, service: Service) -> dict:
    """Acme has four projects, Beta one; the projects carry only `client_id`, as Toggl's list does."""
    world = standard_world(fake_toggl)
    wid = world["wid"]
    for name in ("Acme site", "Acme app", "Acme brand", "Acme audit"):
        fake_toggl.add_project(wid, name, client_name="Acme", estimated_seconds=3600, actual_seconds=600)
    fake_toggl.add_project(wid, "Beta portal", client_name="Beta")
    service.accounts.connect("T1", "U1", world["token"])
    fake_toggl.requests.clear()
    return world


def test_the_fake_follows_the_spec_projects_name_no_client(acme: dict, fake_toggl: FakeToggl) -> None:
    projects = fake_toggl.projects[acme["wid"]].values()
    assert all("client_name" not in p for p in projects)
    assert {fake_toggl.client_name(acme["wid"], p["client_id"]) for p in projects} == {"Acme", "Beta", "Acme & Sons"}


def test_client_filter_finds_the_four_acme_projects(acme: dict, service: Service) -> None:
    """It answered "No active, client “Acme” projects." when the code read a `client_name` Toggl never sends."""
    text = say(service, "projects client:Acme")
    assert "No active" not in text
    for name in ("Acme site", "Acme app", "Acme brand", "Acme audit"):
        assert name in text
    assert "Beta portal" not in text and "4 of 4" in text.replace("1–4 of 4", "4 of 4")


def test_clients_are_fetched_once_and_kept(acme: dict, fake_toggl: FakeToggl, service: Service) -> None:
    say(service, "projects")
    (clients,) = [r for r in fake_toggl.requests if r.path.endswith("/clients")]
    assert clients.path == f"/api/v9/workspaces/{acme['wid']}/clients" and clients.query == {"status": ["both"]}
    fake_toggl.requests.clear()
    service.clock.advance(seconds=120)  # type: ignore[attr-defined]  # FrozenClock; projects refresh; clients are younger than 15 min
    say(service, "projects client:acme")
    assert fake_toggl.count("/clients") == 0 and fake_toggl.count("/projects") == 1


def test_a_new_client_is_fetched_when_a_project_names_it(
    acme: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    say(service, "projects")
    fake_toggl.add_project(acme["wid"], "Gamma launch", client_name="Gamma")
    clock.advance(seconds=61)
    fake_toggl.requests.clear()
    assert "Gamma" in say(service, "projects client:gamma")
    assert fake_toggl.count("/clients") == 1


def test_a_deleted_client_leaves_its_projects_without_one(
    acme: dict, fake_toggl: FakeToggl, service: Service, clock: FrozenClock
) -> None:
    wid = acme["wid"]
    say(service, "projects")
    fake_toggl.delete_client(wid, fake_toggl.client_id(wid, "Beta"))
    clock.advance(seconds=61)
    assert "No active projects of client “beta”" in say(service, "projects client:beta")
    assert "Beta portal" in say(service, "projects beta portal")


def test_clients_unavailable_still_lists_the_projects(acme: dict, fake_toggl: FakeToggl, service: Service) -> None:
    fake_toggl.fail("/clients", status=503, times=10)
    text = say(service, "projects")
    assert "Acme site" in text and "Acme &amp; Sons" not in text


def test_the_fake_serves_clients_by_status_and_name(fake_toggl: FakeToggl, service: Service) -> None:
    world = standard_world(fake_toggl)
    fake_toggl.add_client(world["wid"], "Old client", archived=True)
    client = service.clients.for_token(world["token"])
    assert [c.name for c in client.clients(world["wid"])] == ["Acme & Sons", "Old client"]
    assert [c.name for c in client.clients(world["wid"], status="active")] == ["Acme & Sons"]
