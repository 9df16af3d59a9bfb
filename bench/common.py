"""Shared pieces of the benchmarks: percentiles, a table printer, and the app under gunicorn on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from bot.store import Database
from tests.fakes.server import free_port, wait_healthy

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


@contextmanager
def served_app(env: dict[str, str], workdir: Path) -> Iterator[str]:
    """`toggl-bot serve` (gunicorn) on a free loopback port; yields its events URL once `/healthz` says ok."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOGGL_", "DATABASE_", "TOKEN_"))}
    full = {**clean, **env, "PORT": str(port), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--host", "127.0.0.1"]
    process = subprocess.Popen(command, cwd=workdir, env=full, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, timeout=60)
        yield base + "/slack/events"
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def database(url: str | None, workdir: Path) -> Iterator[str]:
    """A database for one benchmark: a SQLite file in `workdir`, or (given a PostgreSQL server's URL) a new
    database on that server, dropped afterwards."""
    if not url:
        yield f"sqlite:///{workdir / 'bot.db'}"
        return
    server = sa.make_url(Database(url).url)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # survives a restart mid-bench
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def engine_name(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"
