"""What the app knows of a person's timer, as values: `bot.tracking` finds them, views show them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.toggl.models import TimeEntry


@dataclass(frozen=True)
class TimerState:
    """The running entry and the last stopped one, as of `as_of` (UNIX seconds, the reader's clock)."""

    running: TimeEntry | None = None
    last: TimeEntry | None = None
    as_of: float = 0.0
    last_known: bool = False
    """True when `last` was looked up (or stopped here) since anything else ran: it is the last entry."""
    stale: str | None = None
    """None, "quota" (see `retry_in`), "reserve" (the quota's last requests are kept for writes) or
    "unavailable": why this is what the app remembered, not Toggl's word."""
    retry_in: int | None = None
    written: bool = False
    """True when this is what the app itself started or stopped (trusted longer: `CachePolicy.own_timer_seconds`)."""


@dataclass(frozen=True)
class StopOutcome:
    """What `stop` did: the entry it stopped, or why none (`already`: a button's entry had stopped before)."""

    stopped: TimeEntry | None = None
    already: bool = False
    state: TimerState | None = None
    """When nothing ran: what is known of the timer (its last entry, for a Restart button)."""
