"""The client side of the ack benchmark, in its own process so its threads do not share a GIL with the fakes.

Reads a JSON job on stdin (url, bodies, headers), sends every request at once from its own thread,
and prints each one's milliseconds to its HTTP answer and the status, as JSON.
"""

from __future__ import annotations

import json
import sys
import threading
import time

import requests


def main() -> None:
    job = json.load(sys.stdin)
    sessions = [requests.Session() for _ in job["bodies"]]
    for session in sessions:  # open the connections first, as Slack's would be
        session.get(job["url"].rsplit("/", 2)[0] + "/", timeout=10)
    results: list[tuple[float, int]] = [(0.0, 0)] * len(job["bodies"])
    start = threading.Barrier(len(job["bodies"]))

    def one(n: int) -> None:
        start.wait()
        began = time.perf_counter()
        response = sessions[n].post(job["url"], data=job["bodies"][n].encode(), headers=job["headers"][n], timeout=30)
        results[n] = ((time.perf_counter() - began) * 1000, response.status_code)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(job["bodies"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
