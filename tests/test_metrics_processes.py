"""Several processes on one host report one sum through `PROMETHEUS_MULTIPROC_DIR` (bot/metrics.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.test_cli import ROOT

COUNT = "from bot import metrics; metrics.acked('command', 'ok', 0.01); metrics.work_queued('answers', 1)"
SHOW = (
    "from prometheus_client import generate_latest; from bot import metrics; "
    "assert metrics.shared(); print(generate_latest(metrics.registry()).decode())"
)


def python(code: str, shared: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def test_counters_of_every_process_are_summed_and_gauges_of_ended_ones_dropped(tmp_path: Path) -> None:
    python(COUNT, tmp_path)
    python(COUNT, tmp_path)
    shown = python(SHOW, tmp_path)
    assert 'toggl_bot_acks_total{outcome="ok",surface="command"} 2.0' in shown
    assert 'toggl_bot_ack_seconds_count{surface="command"} 2.0' in shown
    assert 'toggl_bot_work_pending{pool="answers"}' not in shown  # both processes ended: nothing pending
