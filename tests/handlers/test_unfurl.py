"""Link unfurling (issue 20) end to end: a `track.toggl.com` project link posted in a channel unfurls into the
project's figure for a poster who can see it, into nothing for one who cannot, and into Slack's connect prompt
for one who has not connected."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.app import Running
from tests.fakes.toggl import standard_world

BOB = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"


def shared(running: Running, url: str, user: str = "U1", event_id: str = "EvL1") -> None:
    event = {
        "type": "link_shared",
        "channel": "C1",
        "is_bot_user_member": True,
        "user": user,
        "message_ts": "1700000000.000400",
        "unfurl_id": "Uf1",
        "source": "conversations_history",
        "links": [{"domain": "track.toggl.com", "url": url}, {"domain": "example.com", "url": "https://example.com/x"}],
    }
    assert running.send.event(event, event_id).status_code == 200


def unfurls_of(call: Any) -> dict:
    found = call.body.get("unfurls")
    return json.loads(found) if isinstance(found, str) else found


def test_a_project_link_unfurls_into_its_figure_for_its_owner(running: Running, ada: dict) -> None:
    url = f"https://track.toggl.com/{ada['wid']}/projects/{ada['website']['id']}/team"
    shared(running, url)
    (call,) = running.slack.wait_for_calls("chat.unfurl")
    found = unfurls_of(call)
    assert list(found) == [url]  # the other domain's link is not ours to unfurl
    text = json.dumps(found[url])
    assert "Website redesign" in text and "Acme &amp; Sons" in text and "5 h 30 min of 10 h" in text
    assert call.body.get("unfurl_id") == "Uf1" and call.body.get("source") == "conversations_history"


def test_a_poster_who_cannot_see_the_project_reveals_nothing(running: Running, ada: dict) -> None:
    standard_world(running.toggl, token=BOB)  # Bob's own workspace: he cannot see Ada's
    running.service.accounts.connect("T1", "U2", BOB)
    url = f"https://track.toggl.com/{ada['wid']}/projects/{ada['website']['id']}/team"
    shared(running, url, user="U2")
    running.settle()
    assert running.slack.of("chat.unfurl") == []


def test_a_poster_not_connected_gets_slacks_connect_prompt(running: Running, ada: dict) -> None:
    url = f"https://track.toggl.com/{ada['wid']}/projects/{ada['website']['id']}/team"
    shared(running, url, user="U5")
    (call,) = running.slack.wait_for_calls("chat.unfurl")
    assert call.body.get("user_auth_required") in (True, "true", "1") and unfurls_of(call) == {}
    assert "Website" not in json.dumps(call.body)


def test_a_repeated_event_unfurls_once(running: Running, ada: dict) -> None:
    url = f"https://track.toggl.com/{ada['wid']}/projects/{ada['website']['id']}"
    shared(running, url)
    shared(running, url)
    running.settle()
    assert len(running.slack.of("chat.unfurl")) == 1


def test_an_unfurl_after_a_list_costs_nothing(running: Running, ada: dict) -> None:
    """docs/benchmarks.md: after `projects` (the copy of the projects warm, and the four-week pace kept an hour and
    shared with lists and digests), an unfurl asks Toggl nothing."""
    running.send.command("projects")
    running.slack.wait_for_calls("/hooks/r1")
    running.settle()
    url = f"https://track.toggl.com/{ada['wid']}/projects/{ada['website']['id']}"
    for n in range(2):
        running.toggl.requests.clear()
        shared(running, url, event_id=f"EvW{n}")
        running.slack.wait_for_calls("chat.unfurl", n + 1)
        running.settle()
        asked = [r.path for r in running.toggl.requests]
        assert asked == []
