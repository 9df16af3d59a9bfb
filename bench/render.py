"""(d) Rendering 10,000 projects into paged Block Kit: time and peak memory.

Times the first page (sorting and filtering all 10,000, then 40 sections), every one of the 250
pages, and a digest over the same projects, with tracemalloc's peak for each.
"""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from collections.abc import Callable

from bench.common import table
from bot.browse import filter_projects
from bot.commands import ListProjects
from bot.digest.rules import judge
from bot.digest.views import digest_message
from bot.toggl.models import Project
from bot.views.projects import PAGE_SIZE, projects_page

COUNT = 10_000


def measure(work: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """(best wall ms, peak MiB of new allocations) over `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, (time.perf_counter() - started) * 1000)
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20


def main() -> None:
    started = time.perf_counter()
    tracemalloc.start()
    projects = [
        Project(
            id=n,
            name=f"Project {n:05d} & <co>",
            client_name=f"Client {n % 40}",
            pinned=n % 97 == 0,
            actual_seconds=n * 37 % 90_000,
            estimated_seconds=36_000 if n % 3 else None,
        )
        for n in range(COUNT)
    ]
    _, model_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    build_ms = (time.perf_counter() - started) * 1000
    pages = -(-COUNT // PAGE_SIZE)
    first_ms, first_mb = measure(
        lambda: projects_page(filter_projects(projects, ListProjects()), ListProjects(), workspace_id=1)
    )
    all_ms, all_mb = measure(
        lambda: [
            projects_page(filter_projects(projects, ListProjects(page=p)), ListProjects(page=p), workspace_id=1)
            for p in range(1, pages + 1)
        ],
        repeat=1,
    )
    now = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)

    def digest() -> object:
        report = judge(projects, [], {}, threshold=80, today=now.date())
        return digest_message(report, owner_id="U1", workspace_name="Bench", threshold=80, computed_at=now)

    digest_ms, digest_mb = measure(digest)
    print(
        table(
            f"(d) rendering {COUNT:,} projects into Block Kit",
            [
                ("first page (filter + sort 10,000, 40 shown)", f"{first_ms:.1f} ms, peak {first_mb:.1f} MiB"),
                (
                    f"all {pages} pages, one after another",
                    f"{all_ms:.0f} ms ({all_ms / pages:.1f} ms a page), peak {all_mb:.1f} MiB",
                ),
                ("a digest of the 10,000", f"{digest_ms:.1f} ms, peak {digest_mb:.1f} MiB"),
                ("the 10,000 models themselves", f"{build_ms:.0f} ms to build, {model_peak / 2**20:.1f} MiB"),
            ],
        )
    )


if __name__ == "__main__":
    main()
