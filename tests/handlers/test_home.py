"""The Home tab shows the connection state from the store, without asking Toggl."""

from __future__ import annotations

from tests.blockkit import all_text, assert_valid_message
from tests.fakes.app import Running


def test_home_for_a_stranger_and_for_ada(running: Running, ada: dict) -> None:
    running.send.event({"type": "app_home_opened", "user": "U5", "channel": "D5", "tab": "home"}, event_id="Ev5")
    running.send.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, event_id="Ev6")
    first, second = running.slack.wait_for_calls("views.publish", 2)
    by_user = {c.body["user_id"]: c.body["view"] for c in (first, second)}
    assert "connect_open" in str(by_user["U5"])
    assert "Connected as *Ada Lovelace*" in all_text(by_user["U1"])
    for view in by_user.values():
        assert_valid_message({"text": "home", "blocks": view["blocks"]}, max_blocks=100)
    assert running.toggl.count() == 0
