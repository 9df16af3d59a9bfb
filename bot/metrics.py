"""The figures an operator scrapes from `GET /metrics` (Prometheus text format), named once, here.

Every counter, histogram and gauge the app keeps is defined in this module, and code elsewhere calls the small
functions below (`acked`, `toggl_answered`, `scheduled`...) rather than touching prometheus_client: a new
feature adds its figure here, in its own block, and calls it where the thing happens.

| metric                                   | labels                   | counts                                           |
| ---------------------------------------- | ------------------------ | ------------------------------------------------ |
| `toggl_bot_acks_total`                   | `surface`, `outcome`     | Slack requests answered at the door              |
| `toggl_bot_ack_seconds`                  | `surface`                | how long the answer (the ack) took               |
| `toggl_bot_toggl_requests_total`         | `endpoint`, `status`     | requests to Toggl, by path with ids as `{id}`    |
| `toggl_bot_toggl_quota_refusals_total`   | `bucket` (org or me)     | Toggl's 402 "hourly quota spent"                 |
| `toggl_bot_scheduled_posts_total`        | `kind`, `outcome`        | digests and personal messages by outcome (1)     |
| `toggl_bot_work_pending`                 | `pool`                   | jobs queued or running in a work pool (a gauge)  |
| `toggl_bot_db_connections_in_use`        | (none)                   | database connections checked out (a gauge)       |

(1) posted (a digest) or sent (a DM), failed, skipped, uncertain (its runner stopped while posting), and
taken_over (a slot claimed again from a runner that died).

Several processes on one host (a `serve` and a `scheduler`, say): set `PROMETHEUS_MULTIPROC_DIR` to an empty
directory shared by them before they start (prometheus_client reads it itself, at import), and `/metrics` of
any of them answers the sum over all of them (`registry()`); gauges count live processes only. Without it, each
process reports its own figures, and every instance is scraped on its own (docs/operations.md).

Labels take a small, fixed set of values (Slack's request kinds, Toggl paths with their ids replaced, a few
outcomes): a label never carries a person's, a team's or a token's name.
"""

from __future__ import annotations

import atexit
import os
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess, values
from prometheus_client.registry import REGISTRY

ACKS = Counter("toggl_bot_acks_total", "Slack requests answered at the door, by kind and outcome", ["surface", "outcome"])
ACK_SECONDS = Histogram(
    "toggl_bot_ack_seconds",
    "Seconds from a Slack request's arrival to its answer (the ack), by kind",
    ["surface"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
TOGGL_REQUESTS = Counter(
    "toggl_bot_toggl_requests_total", "Requests to Toggl, by endpoint (ids as {id}) and HTTP status", ["endpoint", "status"]
)
QUOTA_REFUSALS = Counter(
    "toggl_bot_toggl_quota_refusals_total", "Toggl's 402 answers: an hourly quota is spent (org or me)", ["bucket"]
)
SCHEDULED = Counter(
    "toggl_bot_scheduled_posts_total",
    "Scheduled posts (digest, personal, team) by outcome: posted, sent, failed, skipped, uncertain, taken_over",
    ["kind", "outcome"],
)
WEBHOOK_DELIVERIES = Counter(
    "toggl_bot_webhook_deliveries_total",
    "Toggl webhook deliveries at the door, by outcome: taken, repeat, ping, unsigned, unknown, malformed, busy",
    ["outcome"],
)
WORK_PENDING = Gauge(
    "toggl_bot_work_pending", "Jobs queued or running in a work pool", ["pool"], multiprocess_mode="livesum"
)
DB_IN_USE = Gauge(
    "toggl_bot_db_connections_in_use", "Database connections checked out of the pools", multiprocess_mode="livesum"
)

# -- Slack's door -------------------------------------------------------------------------------------------


def acked(surface: str, outcome: str, seconds: float | None = None) -> None:
    """A Slack request answered: `surface` is what Slack sent (command, block_actions, event_callback...),
    `outcome` ok, refused, replay, trouble or error; `seconds`, when given, goes into the latency histogram."""
    ACKS.labels(surface, outcome).inc()
    if seconds is not None:
        ACK_SECONDS.labels(surface).observe(seconds)


# -- Toggl --------------------------------------------------------------------------------------------------

_ID = re.compile(r"/\d+(?=/|$)")


def endpoint(path: str) -> str:
    """`/api/v9/workspaces/123/projects` -> `/api/v9/workspaces/{id}/projects`: a label with few values."""
    return _ID.sub("/{id}", path.split("?", 1)[0])[:120]


def toggl_answered(path: str, status: int | str) -> None:
    """A request to Toggl got `status` (a number, or `timeout` / `unreachable` when no answer came)."""
    TOGGL_REQUESTS.labels(endpoint(path), str(status)).inc()


def quota_refused(bucket: str) -> None:
    """Toggl answered 402: the hourly quota of `bucket` (org, or me for `/me`) is spent."""
    QUOTA_REFUSALS.labels(bucket).inc()


def delivery(outcome: str) -> None:
    """A Toggl webhook delivery reached the door and ended as `outcome` (see `WEBHOOK_DELIVERIES`)."""
    WEBHOOK_DELIVERIES.labels(outcome).inc()


# -- scheduled posts ----------------------------------------------------------------------------------------


def scheduled(kind: str, outcome: str) -> None:
    """A scheduled slot of `kind` (digest, personal, team, alert) ended as `outcome`, or was `taken_over` from a
    dead runner."""
    SCHEDULED.labels(kind, outcome).inc()


# -- work pools and the database ----------------------------------------------------------------------------


def work_queued(pool: str, change: int) -> None:
    """A job entered (+1) or left (-1) the work pool `pool`."""
    WORK_PENDING.labels(pool).inc(change)


def connection_checked(change: int) -> None:
    """A database connection was checked out (+1) or returned (-1)."""
    DB_IN_USE.inc(change)


# -- exposition ---------------------------------------------------------------------------------------------


def shared() -> bool:
    """True when prometheus_client shares figures between processes: it found `PROMETHEUS_MULTIPROC_DIR` set when
    it was imported (it reads the variable itself, before `Settings` exists, so this asks it rather than the
    environment)."""
    return values.ValueClass is not values.MutexValue


def registry() -> CollectorRegistry:
    """What `/metrics` reports: every process's figures summed in multiprocess mode, else this process's."""
    if not shared():
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]  # prometheus_client has no hints here
    return combined


def _leave() -> None:
    """A process that ends takes its live gauges with it (its counters stay in the sum, as they should)."""
    if shared():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # as above


atexit.register(_leave)
