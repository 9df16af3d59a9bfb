"""The Workflow Builder step (issue 20): Bolt's `app.function` acks `function_executed` at once; the pool composes
the summary, posts it, and completes the step with its outputs, or fails it with the reason."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Complete, Fail
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import describe, error_code
from bot.workflow import CALLBACK, budget_summary, read_inputs
from handlers.deps import Deps

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def step(body: dict[str, Any], inputs: dict[str, Any], complete: Complete, fail: Fail, client: WebClient) -> None:
        team_id = str(body.get("team_id") or "")
        found = read_inputs(team_id, inputs or {})

        def job() -> None:
            try:
                if isinstance(found, str):
                    fail(error=found)
                    return
                summary = budget_summary(found, deps.service)
                if summary.error is not None or summary.message is None:
                    fail(error=summary.error or "Nothing to post.")
                    return
                try:
                    posted = client.chat_postMessage(channel=found.channel, **summary.message)
                except SlackApiError as err:
                    if error_code(err) in ("not_in_channel", "channel_not_found"):
                        fail(error=f"The app is not in <#{found.channel}>: invite it there (/invite @Toggl).")
                    else:
                        fail(error=f"Slack did not take the post ({error_code(err)}).")
                    return
                complete(outputs={"at_risk": summary.at_risk, "message_ts": posted.get("ts")})
            except SlackApiError as err:
                log.warning("The workflow step could not finish: %s", describe(err))
            except Exception:
                log.exception("The workflow step failed")
                try:
                    fail(error="Something went wrong on the app's side; it is logged.")
                except SlackApiError as err:
                    log.warning("The workflow step could not be failed: %s", describe(err))

        if not deps.pool.submit(job):
            fail(error="The app is overloaded right now; please run the workflow again in a minute.")

    app.function(CALLBACK)(step)
