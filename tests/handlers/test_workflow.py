"""The Workflow Builder step "Post a Toggl budget summary" (issue 20) end to end: Slack's signed `function_executed`
event in, the summary posted in the channel and the step completed with its outputs; or the step failed with a
reason when the token is gone, when the person never agreed to show their projects there, or on bad inputs."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.blockkit import all_text, assert_valid_message
from tests.fakes.app import Running
from tests.fakes.toggl import standard_world


def executed(running: Running, inputs: dict[str, Any], event_id: str = "EvF1") -> None:
    event = {
        "type": "function_executed",
        "function": {
            "id": "Fn0001",
            "callback_id": "post_budget_summary",
            "title": "Post a Toggl budget summary",
            "type": "app",
            "input_parameters": [],
            "output_parameters": [],
            "app_id": "A1",
            "date_created": 1700000000,
            "date_updated": 1700000000,
            "date_deleted": 0,
        },
        "inputs": inputs,
        "function_execution_id": "Fx0001",
        "workflow_execution_id": "Wx0001",
        "event_ts": str(time.time()),
        "bot_access_token": "xwfp-test-function-token",
    }
    assert running.send.event(event, event_id).status_code == 200


def subscribe(running: Running, user: str = "U1", channel: str = "C1") -> None:
    running.service.subscriptions.subscribe(
        "T1", channel, user, cadence="weekdays", weekday=None, at_time="09:00", timezone="Europe/Berlin"
    )


def test_the_step_posts_the_summary_and_completes_with_its_outputs(running: Running) -> None:
    cy = standard_world(running.toggl, token="c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0")
    running.service.accounts.connect("T1", "U1", cy["token"])
    running.toggl.add_project(cy["wid"], "Overrun", estimated_seconds=3600, actual_seconds=7200)
    subscribe(running)
    executed(running, {"person": "U1", "channel": "C1", "threshold": 50})
    (done,) = running.slack.wait_for_calls("functions.completeSuccess")
    (post,) = running.slack.of("chat.postMessage")
    assert post.body["channel"] == "C1"
    assert_valid_message(post.body)
    assert "Overrun" in all_text(post.body) and "Website redesign" in all_text(post.body)  # 55% is over 50
    outputs = done.body["outputs"]
    outputs = json.loads(outputs) if isinstance(outputs, str) else outputs
    assert outputs["at_risk"] == 2 and outputs["message_ts"] == "1700000000.000100"
    assert done.body["function_execution_id"] == "Fx0001"


def test_the_step_fails_with_a_reason_when_the_token_is_gone(running: Running, ada: dict) -> None:
    subscribe(running)
    running.service.accounts.disconnect("T1", "U1")
    executed(running, {"person": "U1", "channel": "C1"})
    (failed,) = running.slack.wait_for_calls("functions.completeError")
    assert "Toggl connection is gone" in failed.body["error"] and running.slack.of("chat.postMessage") == []


def test_the_step_posts_nobodys_projects_where_they_did_not_agree(running: Running, ada: dict) -> None:
    executed(running, {"person": "U1", "channel": "C9"})
    (failed,) = running.slack.wait_for_calls("functions.completeError")
    assert "has no Toggl digest" in failed.body["error"] and running.slack.of("chat.postMessage") == []


def test_a_bad_threshold_fails_the_step(running: Running, ada: dict) -> None:
    subscribe(running)
    executed(running, {"person": "U1", "channel": "C1", "threshold": "lots"})
    (failed,) = running.slack.wait_for_calls("functions.completeError")
    assert "percent from 1 to 1000" in failed.body["error"]
