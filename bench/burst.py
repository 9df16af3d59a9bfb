"""The client side of the ack benchmark: 40 requests at once, from their own process.

Slack's requests come from many machines; a Python client with 40 threads would itself queue on
its GIL and blur the figures. So this opens every connection first, then writes all the requests
in one go with asyncio and raw HTTP/1.1, and times each request to its status line.

Reads a JSON job on stdin (urls, bodies, headers; body i goes to urls[i % len(urls)], so a burst can be
spread over several instances; optionally `timeout`, seconds to wait for each status line); prints
[[milliseconds, status], ...] as JSON, status 0 for a request not answered within the timeout (or whose
connection was reset).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


async def burst(
    urls: list[str], bodies: list[str], headers: list[dict[str, str]], timeout: float | None = None
) -> list[tuple[float, int]]:
    targets = [urlsplit(urls[n % len(urls)]) for n in range(len(bodies))]
    connections = [await asyncio.open_connection(parts.hostname, parts.port) for parts in targets]
    requests = []
    for body, extra, parts in zip(bodies, headers, targets, strict=True):
        data = body.encode()
        head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(data)}", "Connection: close"]
        head += [f"{name}: {value}" for name, value in extra.items()]
        requests.append(("\r\n".join(head) + "\r\n\r\n").encode() + data)

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[float, int]:
        began = time.perf_counter()
        try:
            writer.write(request)
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), timeout)
            status = int(status_line.split()[1])
        except (TimeoutError, OSError, IndexError, ValueError):
            status = 0  # not answered in time, reset, or not HTTP
        elapsed = (time.perf_counter() - began) * 1000
        writer.close()
        return elapsed, status

    return await asyncio.gather(*(one(r, w, req) for (r, w), req in zip(connections, requests, strict=True)))


def main() -> None:
    job = json.load(sys.stdin)
    urls = job.get("urls") or [job["url"]]
    json.dump(asyncio.run(burst(urls, job["bodies"], job["headers"], job.get("timeout"))), sys.stdout)


if __name__ == "__main__":
    main()
