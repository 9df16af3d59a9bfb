"""The Workflow Builder step "Post a Toggl budget summary" (issue 20): a custom step, run by Bolt's `app.function`,
that posts a person's at-risk projects in a channel when a team's workflow says so (after a standup, on a schedule,
on a form).

Whose data: Slack's step event does not say who added the step, so the step names its person as an input. A
workflow's author could name anyone, so the step posts only where that person already agreed their projects are
shown: a channel in which they subscribed a digest. Then the step is one more trigger of that digest, with its
muted projects, and the footer names whose data it is. Otherwise, and when the person's Toggl connection is gone,
the step fails with the reason, which Workflow Builder shows to the workflow's owner.

Cost: the digest's own (the projects and tasks from the app's copy, `since`-refreshed; a recurring project's period
figure and the pace, each kept and shared); nothing is written to Toggl.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot import toggl
from bot.commands import is_number
from bot.digest.compose import digest_data
from bot.digest.rules import judge
from bot.digest.runner import compose
from bot.identity import Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.service import Service
from bot.toggl.models import Workspace
from bot.views.common import Message, notice

CALLBACK = "post_budget_summary"


@dataclass(frozen=True)
class StepInputs:
    team_id: str
    person: str
    channel: str
    workspace: str | None = None
    threshold: int | None = None


@dataclass(frozen=True)
class Summary:
    """What to post, and the step's outputs' figure; or `error`, why the step fails (said to the workflow's owner)."""

    message: Message | None = None
    at_risk: int = 0
    error: str | None = None


def read_inputs(team_id: str, inputs: dict[str, object]) -> StepInputs | str:
    """The step's inputs, checked: a Slack user and channel, an optional workspace and a threshold of 1 to 1000."""
    person, channel = str(inputs.get("person") or ""), str(inputs.get("channel") or "")
    if not person or not channel:
        return "The step needs a person and a channel."
    raw = inputs.get("threshold")
    threshold = None
    if raw not in (None, ""):
        text = str(raw).strip().rstrip("%")
        if not is_number(text) or not 1 <= int(text) <= 1000:
            return f"The threshold is a percent from 1 to 1000, not “{str(raw)[:20]}”."
        threshold = int(text)
    workspace = str(inputs.get("workspace") or "").strip()[:255] or None
    return StepInputs(team_id, person, channel, workspace, threshold)


def budget_summary(step: StepInputs, service: Service) -> Summary:
    """The person's digest for that channel, now, as the step posts it."""
    sub = service.subscriptions.get(step.team_id, step.channel, step.person)
    if sub is None:
        return Summary(
            error=f"<@{step.person}> has no Toggl digest in <#{step.channel}>: the step posts someone's projects only where "
            "they subscribed one (/toggl digest subscribe there)."
        )
    try:
        account = service.accounts.account(Asker(team_id=step.team_id, user_id=step.person))
    except (NotConnected, ReconnectNeeded):
        return Summary(error=f"<@{step.person}>'s Toggl connection is gone: they need to /toggl connect again.")
    except KeyMissing:
        return Summary(error="The app cannot read the stored Toggl token right now (a problem on its side).")
    try:
        if step.workspace is not None:
            found = _workspace(step.workspace, service.reader.workspaces(account))
            if found is None:
                return Summary(error=f"<@{step.person}> has no Toggl workspace named “{step.workspace}”.")
            account = dataclasses.replace(account, workspace_id=found)
        now = service.clock.now()
        data = digest_data(service.reader, service.reports, account, now.date())
    except toggl.TokenRejected:
        service.accounts.token_rejected(account)
        return Summary(error=f"Toggl no longer accepts <@{step.person}>'s token: they need to /toggl connect again.")
    except toggl.TogglError as err:
        return Summary(error=f"Toggl could not be asked just now ({type(err).__name__}); the next run tries again.")
    sub = dataclasses.replace(sub, threshold=step.threshold or sub.threshold, skip_empty=False)
    report = judge(
        data.projects,
        data.tasks,
        data.period_tracked,
        threshold=sub.threshold,
        muted_ids=[m["id"] for m in sub.muted],
        today=now.date(),
        pace=data.pace,
    )
    message = compose(sub, data, now) or notice("All projects are within estimate.")
    return Summary(message=message, at_risk=len(report.over) + len(report.approaching) + len(report.unknown))


def _workspace(wanted: str, workspaces: list[Workspace]) -> int | None:
    """The id of the workspace named (or numbered) `wanted`, among the person's."""
    lowered = wanted.casefold()
    return next((w.id for w in workspaces if str(w.id) == wanted or w.name.casefold() == lowered), None)
