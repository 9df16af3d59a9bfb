"""The command code end to end over the fake Toggl: what a person is told for each command and failure."""

from __future__ import annotations

import re

import pytest
from pydantic import SecretStr

from bot import buttons
from bot.answers import answer
from bot.commands import parse
from bot.identity import Asker
from bot.service import Service
from tests.blockkit import all_text, assert_valid_message
from tests.fakes.toggl import FakeToggl, standard_world
from tests.stored import all_stored_text

ADA = Asker(team_id="T1", user_id="U1")


def say(service: Service, words: str, asker: Asker = ADA) -> str:
    reply = answer(parse(words), asker, service)
    for message in reply.messages:
        assert_valid_message(message)
    return "\n".join(all_text(m) for m in reply.messages)


def period_requests(fake: FakeToggl) -> int:
    """Reports requests for one recurring project's period (not the workspace's pace for forecasts)."""
    return sum(1 for r in fake.requests if r.path.startswith("/reports/") and r.path.endswith("/summary"))


@pytest.fixture
def world(fake_toggl: FakeToggl, service: Service) -> dict:
    world = standard_world(fake_toggl, projects=449)
    assert "Connected" in say(service, f"connect {world['token']}")
    fake_toggl.requests.clear()
    return world


def test_projects_for_a_bare_token_costs_me_three_pages_and_the_clients(fake_toggl: FakeToggl, service: Service) -> None:
    world = standard_world(fake_toggl, projects=449)
    text = say(service, "projects", Asker(token=SecretStr(world["token"])))
    assert "1–40 of 450 active projects" in text
    assert fake_toggl.count() == 6 and fake_toggl.count("/clients") == 1  # + the four weeks' pace, for forecasts
    assert fake_toggl.count("/summary/time_entries") == 1


def test_stored_person_skips_me(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    assert "1–40 of 450" in say(service, "projects")
    assert fake_toggl.count() == 5 and fake_toggl.count("/me") == 0  # three pages, the clients, the pace


def test_tasks_by_partial_name_in_hours_and_minutes(world: dict, service: Service) -> None:
    text = say(service, "tasks website")
    assert "Design &lt;mockups&gt;" in text
    assert "5 h 30 min of 10 h · 55%" in text
    assert "Launch" not in text  # done tasks need `all`
    assert "Launch" in say(service, "tasks website all")


def test_tasks_by_id(world: dict, service: Service) -> None:
    assert "Design &lt;mockups&gt;" in say(service, f"tasks {world['website']['id']}")


def test_ambiguous_name_offers_a_chooser(world: dict, service: Service) -> None:
    text = say(service, "tasks project 000")
    assert "projects match “project 000”" in text


def test_unknown_project_names_the_closest(world: dict, service: Service) -> None:
    text = say(service, "tasks Websight redezign plan")
    assert "No project matches" in text and "Website redesign" in text


def test_recurring_project_uses_the_reports_api(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    wid = world["wid"]
    project = fake_toggl.add_project(
        wid,
        "Retainer",
        recurring=True,
        recurring_parameters=[{"period": "monthly", "estimated_seconds": 36_000, "custom_period": None}],
        current_period={"start_date": "2026-11-01", "end_date": "2026-11-30"},
    )
    fake_toggl.add_task(wid, project["id"], "Support", tracked_ms=5_000_000)
    fake_toggl.report_seconds[(wid, project["id"])] = 27_000
    text = say(service, "tasks retainer")
    assert "this period (1–30 Nov 2026): 7 h 30 min of 10 h · 75%" in text
    assert not re.search(r"(?<!\d)0 min", text)
    (report,) = [r for r in fake_toggl.requests if r.path.startswith("/reports/")]
    assert report.body == {"start_date": "2026-11-01", "end_date": "2026-11-30"}


def test_not_connected_gets_a_connect_button(service: Service, fake_toggl: FakeToggl) -> None:
    reply = answer(parse("projects"), Asker(team_id="T1", user_id="U9"), service)
    (message,) = reply.messages
    assert any(b["type"] == "actions" and b["elements"][0]["action_id"] == "connect_open" for b in message["blocks"])
    assert fake_toggl.count() == 0


def test_connect_without_a_token_opens_the_modal(service: Service) -> None:
    assert answer(parse("connect"), ADA, service).open_connect_modal


def test_a_wrong_token_is_refused_and_not_stored(fake_toggl: FakeToggl, service: Service) -> None:
    standard_world(fake_toggl)
    assert "does not look like a Toggl API token" in say(service, "connect wrong-token")
    assert "did not accept that API token" in say(service, "connect " + "0" * 32)  # the right shape, unknown to Toggl
    assert service.store.people.get("T1", "U1") is None


def test_a_token_rejected_later_asks_to_reconnect_without_retrying(
    world: dict, fake_toggl: FakeToggl, service: Service
) -> None:
    del fake_toggl.people[world["token"]]
    assert "no longer accepts your API token" in say(service, "projects")
    fake_toggl.requests.clear()
    assert "connect again" in say(service, "projects")
    assert fake_toggl.count() == 0


def test_quota_exhausted_says_when_it_resets(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    fake_toggl.people[world["token"]].quota_left = 0
    fake_toggl.quota_resets_in = 600
    assert "resets in 10 min" in say(service, "projects")


def test_toggl_down_is_said_plainly(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    fake_toggl.fail("/projects", status=503, times=10)
    assert "Toggl is not answering right now" in say(service, "projects")


def test_switch_workspace_and_no_access(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    other = fake_toggl.add_workspace("Beta & Co")
    fake_toggl.people[world["token"]].workspace_ids.append(other)
    assert "Beta &amp; Co" in say(service, "workspaces")
    assert "now *Beta &amp; Co*" in say(service, "workspace beta")
    assert "No active projects" in say(service, "projects")
    fake_toggl.people[world["token"]].workspace_ids.remove(other)
    assert "No active projects" in say(service, "projects")  # still fresh in the cache
    service.clock.advance(seconds=120)  # type: ignore[attr-defined]  # FrozenClock; past the freshness window
    assert "no access to that workspace" in say(service, "projects")


def test_me_and_unknown_words(world: dict, service: Service) -> None:
    assert "Ada Lovelace" in say(service, "me")
    assert "did not understand “dance”" in say(service, "dance")


def test_disconnect_deletes_the_token(world: dict, service: Service) -> None:
    assert "deleted" in say(service, "disconnect")
    assert service.store.people.get("T1", "U1") is None
    assert "Your Toggl account is not connected" in say(service, "projects")


def test_tokens_are_encrypted_at_rest_and_absent_from_logs(
    fake_toggl: FakeToggl, service: Service, all_logs: pytest.LogCaptureFixture
) -> None:
    canary = "d41d8cd98f00b204d41d8cd98f00b204"
    standard_world(fake_toggl, token=canary)
    fake_toggl.fail("/tasks", status=500, times=10)
    for words in ["connect " + canary, "me", "projects", "tasks website", "workspaces", "bogus"]:
        say(service, words)
    del fake_toggl.people[canary]
    say(service, "projects")
    assert canary not in all_stored_text(service.store)
    assert canary not in all_logs.text
    assert service.store.people.get("T1", "U1") is not None


def test_unexpected_errors_are_logged_and_answered_politely(
    world: dict, service: Service, monkeypatch: pytest.MonkeyPatch, all_logs: pytest.LogCaptureFixture
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(service.reader, "projects", explode)  # a last resort: there is no other way to make a bug
    assert "something went wrong on our side" in say(service, "projects")
    assert "boom" in all_logs.text


def test_closest_names_only_when_really_close(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    """`tasks nosuchprojectxyz` suggested "Healthy project"."""
    fake_toggl.add_project(world["wid"], "Healthy project")
    service.clock.advance(seconds=61)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    text = say(service, "tasks nosuchprojectxyz")
    assert "No project matches “nosuchprojectxyz”" in text.replace(" in *Acme*", "")
    assert "Healthy project" not in text and "Did you mean" not in text


def test_a_match_in_another_workspace_is_mentioned(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    side = fake_toggl.add_workspace("Side")
    fake_toggl.people[world["token"]].workspace_ids.append(side)
    garden = fake_toggl.add_project(side, "Garden website")
    service.reader.workspaces(service.accounts.account(ADA), fresh=True)
    reply = answer(parse("tasks garden"), ADA, service)
    (message,) = reply.messages
    assert "*Garden website* is in your workspace *Side*" in all_text(message)
    (button,) = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons.decode(button["value"]) == buttons.TasksPage(ws=side, pid=garden["id"])


def test_the_85_percent_project_is_not_lost_on_page_12(fake_toggl: FakeToggl, service: Service) -> None:
    """Eight pinned projects without an estimate came first, and the 85% project was on page 12 of 12."""
    world = standard_world(fake_toggl, projects=440)
    wid = world["wid"]
    for n in range(8):
        fake_toggl.add_project(wid, f"Pinned {n}", pinned=True)
    fake_toggl.add_project(wid, "Zz nearly there", estimated_seconds=100 * 3600, actual_seconds=85 * 3600)
    for project in fake_toggl.projects[wid].values():  # nothing else at risk
        if project["name"].startswith("Project"):
            project["actual_seconds"] = 60
    service.accounts.connect("T1", "U1", world["token"])
    first = answer(parse("projects"), ADA, service).messages[0]
    (risky,) = [
        e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "show_at_risk"
    ]
    assert risky["text"]["text"] == "At or over 80% (1)"
    over = say(service, "projects over")
    assert "1 active project at or over 80% of its estimate" in over and "Zz nearly there" in over
    by_risk = answer(parse("projects by risk"), ADA, service).messages[0]
    assert "Zz nearly there" in by_risk["blocks"][2]["text"]["text"].split("\n")[0]


def test_the_at_risk_button_counts_what_projects_over_lists(fake_toggl: FakeToggl, service: Service) -> None:
    """Trial: the button said (2) and `projects over` listed 3: the recurring project, on page 2, was left out."""
    world = standard_world(fake_toggl, projects=60)
    wid = world["wid"]
    for project in fake_toggl.projects[wid].values():  # nothing else at risk
        project["actual_seconds"] = 60
    fake_toggl.add_project(wid, "Brand refresh", client_name="Acme & Sons", estimated_seconds=36_000, actual_seconds=34_000)
    fake_toggl.add_project(wid, "Mobile app", estimated_seconds=36_000, actual_seconds=40_000)
    retainer = fake_toggl.add_project(
        wid,
        "Zz retainer",
        recurring=True,
        recurring_parameters=[{"period": "monthly", "estimated_seconds": 36_000}],
        current_period={"start_date": "2026-11-01", "end_date": "2026-11-30"},
    )
    fake_toggl.report_seconds[(wid, retainer["id"])] = 34_000  # 94% of this period
    service.accounts.connect("T1", "U1", world["token"])
    first = answer(parse("projects"), ADA, service).messages[0]
    assert "Zz retainer" not in all_text(first)  # on page 2
    (risky,) = [
        e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "show_at_risk"
    ]
    over = say(service, "projects over")
    assert "1–3 of 3 active projects at or over 80%" in over and "Zz retainer" in over
    assert risky["text"]["text"] == "At or over 80% (3)"
    # The button opens the list it counted: with a filter, the same filter.
    acme = answer(parse("projects client:Acme"), ADA, service).messages[0]
    (acme_risky,) = [
        e for b in acme["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "show_at_risk"
    ]
    assert acme_risky["text"]["text"] == "At or over 80% (1)"
    assert buttons.decode(acme_risky["value"]) == buttons.ProjectsPage(ws=wid, client="Acme", over=True, sort="risk")


def test_a_recurring_project_in_the_list_shows_this_period(world: dict, fake_toggl: FakeToggl, service: Service) -> None:
    """A recurring project said "see `tasks` for this period's time"; at most five Reports requests a page."""
    wid = world["wid"]
    for n in range(7):
        project = fake_toggl.add_project(
            wid,
            f"Aa retainer {n}",
            recurring=True,
            recurring_parameters=[{"period": "monthly", "estimated_seconds": 36_000}],
            current_period={"start_date": "2026-11-01", "end_date": "2026-11-30"},
        )
        fake_toggl.report_seconds[(wid, project["id"])] = 18_000
    service.clock.advance(seconds=61)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    fake_toggl.requests.clear()
    text = say(service, "projects")
    assert "see `tasks` for this period's time" not in text
    assert text.count("this period (1–30 Nov 2026): 5 h of 10 h · 50%") == 5
    assert text.count("not fetched, to spare your Toggl quota") == 2
    assert period_requests(fake_toggl) == 5
    fake_toggl.requests.clear()
    say(service, "projects")  # the figures are kept: no new report requests for the same five
    assert period_requests(fake_toggl) == 2


def test_greeting_and_did_you_mean_instead_of_the_whole_help(world: dict, service: Service) -> None:
    """`projcts` and `hi` got the 13-line help."""
    welcome = say(service, "hi")
    assert "Hi Ada!" in welcome and "`projects`" in welcome and "`tasks <project>`" in welcome
    assert "`digest subscribe`" in welcome and "Here is what I understand" not in welcome
    meant = say(service, "projcts")
    assert "Did you mean `projects`?" in meant and "Here is what I understand" not in meant


def test_projects_over_says_which_recurring_projects_it_could_not_check(
    world: dict, fake_toggl: FakeToggl, service: Service
) -> None:
    wid = world["wid"]
    for n in range(7):
        project = fake_toggl.add_project(
            wid,
            f"Retainer {n}",
            recurring=True,
            recurring_parameters=[{"period": "monthly", "estimated_seconds": 36_000}],
            current_period={"start_date": "2026-11-01", "end_date": "2026-11-30"},
        )
        fake_toggl.report_seconds[(wid, project["id"])] = 34_000  # 94%
    service.clock.advance(seconds=61)  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    fake_toggl.requests.clear()
    text = say(service, "projects over retainer")
    assert period_requests(fake_toggl) == 5
    assert all(f"Retainer {n}" in text for n in range(5)) and "Retainer 6" not in text
    assert "2 recurring projects not checked for this period" in text


@pytest.mark.parametrize("token", ["𝔘𝔫𝔦", "ü" * 32, "abc\x00def"])
def test_a_token_that_cannot_be_one_is_refused_without_asking_toggl(
    fake_toggl: FakeToggl, service: Service, token: str, all_logs: pytest.LogCaptureFixture
) -> None:
    """Such a token cannot go into an HTTP header: it was "something went wrong on our side" (found by fuzzing)."""
    assert "does not look like a Toggl API token" in say(service, f"connect {token}")
    assert fake_toggl.count() == 0 and "Unexpected failure" not in all_logs.text
