"""Pure rules of alerts: what a Toggl delivery says, and which levels a project's figure is above.

A level is the digest's threshold (`threshold`) or the estimate (`estimate`); a recurring project's levels
belong to its current period (`estimate@2026-12-01`), so a new period starts below. A threshold of 100% or more
is one level with the estimate: one post, not two, when both are crossed together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.figures import usage
from bot.toggl.models import Project

THRESHOLD = "threshold"
ESTIMATE = "estimate"
FILTERS = [("time_entry", "*"), ("project", "*"), ("task", "*")]
"""What the app subscribes to: three filters, the free plan's limit, time entries first (they move figures)."""


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery as the door read it (after its signature was checked)."""

    event_id: str
    model: str
    """time_entry, project, task, … ("ping" for a validation ping)."""
    action: str
    """created, updated or deleted."""
    workspace_id: int | None
    payload: dict[str, Any]
    validation_code: str | None = None

    @property
    def is_ping(self) -> bool:
        return self.validation_code is not None


class NotADelivery(ValueError):
    """A signed body that is not the shape Toggl sends."""


def read_delivery(body: Any) -> Delivery:
    """A delivery from its JSON; raises `NotADelivery` for another shape (the door answers 400)."""
    if not isinstance(body, dict):
        raise NotADelivery("not an object")
    code = body.get("validation_code")
    if isinstance(code, str) and code:
        return Delivery(str(body.get("event_id", "ping"))[:40], "ping", "ping", None, {}, code[:200])
    metadata, payload = body.get("metadata"), body.get("payload")
    if not isinstance(metadata, dict) or not isinstance(payload, dict):
        raise NotADelivery("no metadata or payload")
    event_id = body.get("event_id")
    if not isinstance(event_id, int | str) or isinstance(event_id, bool) or not str(event_id):
        raise NotADelivery("no event id")
    workspace = metadata.get("workspace_id", payload.get("workspace_id"))
    return Delivery(
        event_id=str(event_id)[:40],
        model=str(metadata.get("model", ""))[:40],
        action=str(metadata.get("action", ""))[:40],
        workspace_id=_int(workspace),
        payload=payload,
    )


@dataclass(frozen=True)
class EntryChange:
    """What a time entry counts towards its project now, as of Toggl's `at`."""

    entry_id: int
    project_id: int | None
    seconds: int
    """Its duration once stopped; 0 while it runs or once deleted (Toggl's project totals count stopped time)."""
    at: float
    user_id: int | None
    running: bool
    created: bool


def entry_change(delivery: Delivery, fallback_at: float) -> EntryChange | None:
    """The time entry a `time_entry` delivery carries; None when it names none."""
    payload = delivery.payload
    entry_id = _int(payload.get("id"))
    if entry_id is None:
        return None
    duration = _int(payload.get("duration")) or 0
    deleted = delivery.action == "deleted" or bool(payload.get("server_deleted_at"))
    running = duration < 0 and not deleted
    return EntryChange(
        entry_id=entry_id,
        project_id=_int(payload.get("project_id", payload.get("pid"))),
        seconds=0 if deleted or running else duration,
        at=_epoch(payload.get("at")) or fallback_at,
        user_id=_int(payload.get("user_id", payload.get("uid"))),
        running=running,
        created=delivery.action == "created",
    )


def levels(project: Project, threshold: int, today: dt.date, period_tracked: Mapping[int, int | str]) -> dict[str, bool]:
    """Each level of the project and whether its figure is at or above it; empty without an estimate or a figure."""
    tracked, estimate, _ = usage(project, period_tracked)
    if tracked is None or not estimate:
        return {}
    suffix = ""
    if project.recurring:
        period = project.current_period
        suffix = f"@{period.start_date}" if period is not None and period.start_date else f"@{today:%Y-%m}"
    found = {ESTIMATE + suffix: tracked >= estimate}
    if threshold < 100:
        found[THRESHOLD + suffix] = tracked * 100 >= estimate * threshold
    return found


def level_name(level: str) -> str:
    return level.split("@", 1)[0]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) < 20:
        return int(value)
    return None


def _epoch(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()
