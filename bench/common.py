"""Shared pieces of the benchmarks: percentiles, a table printer, and the app under gunicorn on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def table(title: str, rows: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    lines = [title, "-" * len(title)] + [f"{name.ljust(width)}  {value}" for name, value in rows]
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served_app(env: dict[str, str], workdir: Path) -> Iterator[str]:
    """`toggl-bot serve` (gunicorn) on a free loopback port; yields its events URL, stops it after.

    It is ready once the fake Slack has seen two `auth.test` calls: the start-up check, then the worker's app.
    """
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_"))}
    full = {**clean, **env, "PORT": str(port), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--host", "127.0.0.1"]
    process = subprocess.Popen(command, cwd=workdir, env=full, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        process.terminate()
        process.wait(timeout=30)
