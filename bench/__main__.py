"""Run every benchmark in turn: `python -m bench`. Each prints a table; none is part of the test run.

Run on their own: `python -m bench.storms` (the storm trial replayed on a PostgreSQL server it starts and restarts;
about 4 minutes, needs PostgreSQL's server binaries), `bench.ack_floor` (our acks beside a bare Bolt app under
gunicorn, from the `bench` extra; about 5 minutes a run, starts its own PostgreSQL), `bench.hostile`, `bench.burst`."""

from __future__ import annotations

import os
import platform

from bench import ack_latency, digest_run, free_hour, operators, projects_cache, quota, render, team_post


def main() -> None:
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    for module in (ack_latency, projects_cache, digest_run, render, quota, free_hour, team_post, operators):
        module.main()
        print()


if __name__ == "__main__":
    main()
