"""The connect form's submission: a bad token is shown in the form; a good one is stored and confirmed privately."""

from __future__ import annotations

import json

from tests.blockkit import all_text
from tests.fakes.app import Running

TOKEN = "0123456789abcdef0123456789abcdef"


def values(token: str) -> dict:
    return {"token": {"token_input": {"type": "plain_text_input", "value": token}}}


def test_a_rejected_token_is_an_inline_error(running: Running) -> None:
    response = running.send.submit_view("connect_modal", values("0" * 32))  # the right shape, unknown to Toggl
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert "did not accept this token" in body["errors"]["token"]
    assert running.service.store.people.get("T1", "U1") is None


def test_something_that_is_no_token_is_said_so_in_the_form_without_asking_toggl(running: Running) -> None:
    response = running.send.submit_view("connect_modal", values("my password123"))
    assert "does not look like a Toggl API token" in response.json()["errors"]["token"]
    assert running.toggl.requests == []


def test_a_token_pasted_with_invisible_characters_and_curly_quotes_connects(running: Running) -> None:
    """Finding: a zero-width space or curly quotes gave HTTP 500 in the form (`UnicodeEncodeError` in a header)."""
    running.toggl.add_person(TOKEN)
    pasted = f"“\u200b{TOKEN.upper()}\u200b”\n"
    response = running.send.submit_view("connect_modal", values(pasted))
    assert response.status_code == 200 and response.text == ""
    running.slack.wait_for_calls("chat.postMessage")
    assert running.service.store.people.get("T1", "U1") is not None


def test_toggl_down_during_the_check_is_an_inline_error_not_a_timeout(running: Running) -> None:
    running.toggl.add_person(TOKEN)
    running.toggl.fail("/me", kind="slow", delay=2.5, times=3)
    response = running.send.submit_view("connect_modal", values(TOKEN))
    assert response.elapsed.total_seconds() < 3
    assert "did not answer in time" in response.json()["errors"]["token"]


def test_a_good_token_is_stored_and_confirmed_at_the_response_url(running: Running) -> None:
    running.toggl.add_person(TOKEN)
    running.send.command("connect", response_url=running.slack.hook("from-command"))  # opens the form: view V1
    running.slack.wait_for_calls("views.open")
    running.settle()  # the app keeps the form's reply address once Slack has answered views.open
    response = running.send.submit_view("connect_modal", values(TOKEN), view_id="V1")
    assert response.status_code == 200 and response.text == ""
    (confirmation,) = running.slack.wait_for_calls("/hooks/from-command")
    assert "Connected to Toggl as *Ada Lovelace*" in all_text(confirmation.body)
    person = running.service.store.people.get("T1", "U1")
    assert person is not None and TOKEN not in person.token_ciphertext
    assert [r.path for r in running.toggl.requests].count("/api/v9/me") == 1  # the check's /me is reused


def test_an_address_in_the_forms_metadata_is_never_posted_to(running: Running) -> None:
    """Finding: the connect form posted its confirmation to whatever `response_url` its private_metadata carried."""
    running.toggl.add_person(TOKEN)
    forged = json.dumps({"response_url": running.slack.hook("elsewhere")})
    assert running.send.submit_view("connect_modal", values(TOKEN), private_metadata=forged, view_id="V9").ok
    (dm,) = running.slack.wait_for_calls("chat.postMessage")  # no form was opened for it: the person's DM
    assert dm.body["channel"] == "U1" and "Connected to Toggl" in all_text(dm.body)
    assert running.slack.of("/hooks/elsewhere") == []


def test_confirmation_goes_to_a_dm_without_a_response_url(running: Running) -> None:
    running.toggl.add_person(TOKEN)
    running.send.submit_view("connect_modal", values(TOKEN), private_metadata="")
    (post,) = running.slack.wait_for_calls("chat.postMessage")
    assert post.body["channel"] == "U1" and "Connected" in all_text(post.body)
