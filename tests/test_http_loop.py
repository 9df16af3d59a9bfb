"""waitress's loop on one lasting epoll set (`bot.http_loop`, issue 23).

waitress asked every connection whether it wanted to read or write on every turn of its loop: with 200
half-open connections held against the app, the acks of a burst came 1.9 times later than a bare Bolt app's.
These run waitress with the options `toggl-bot serve` gives it, on loopback, and pin what the loop must keep:
requests answered beside idle connections that are not asked each turn, silent ones still closed, and the
loop ending when the server closes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
import requests
from waitress.server import BaseWSGIServer, create_server

from bot import http_loop
from bot.serve import options
from tests.fakes.server import free_port

pytestmark = pytest.mark.skipif(not hasattr(__import__("select"), "epoll"), reason="epoll is Linux's")

HALF = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"


def hello(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body) + 3))])
    return [b"ok ", body]


@contextmanager
def serving(**overrides: Any) -> Iterator[tuple[str, http_loop.EpollLoop]]:
    """waitress as `serve` sets it up, with the epoll loop, in a thread; closed (and so ended) on leaving."""
    port = free_port()
    server = create_server(hello, **{**options("127.0.0.1", port), **overrides})
    assert isinstance(server, BaseWSGIServer)
    http_loop.install(server)
    loop = server.asyncore
    assert isinstance(loop, http_loop.EpollLoop)
    runner = threading.Thread(target=server.run, name="waitress-loop", daemon=True)
    runner.start()
    try:
        yield f"http://127.0.0.1:{port}", loop
    finally:
        connections = server._map  # type: ignore[attr-defined]  # waitress keeps it private, untyped
        # run on the loop thread: every connection and the server close, the map empties, the loop ends
        server.trigger.pull_trigger(lambda: loop.close_all(connections))  # type: ignore[attr-defined]  # typed as int
        runner.join(timeout=10)
        server.task_dispatcher.shutdown()
    assert not runner.is_alive()


def half_open(url: str, count: int) -> list[socket.socket]:
    host, port = url.removeprefix("http://").split(":")
    hogs = [socket.create_connection((host, int(port)), timeout=10) for _ in range(count)]
    for hog in hogs:
        hog.sendall(HALF)
    return hogs


def test_requests_are_answered_beside_two_hundred_idle_connections_that_are_not_asked_each_turn() -> None:
    with serving() as (url, loop):
        hogs = half_open(url, 200)
        try:
            assert requests.post(url + "/x", data=b"warm", timeout=10).text == "ok warm"
            time.sleep(0.2)  # every hog's half request has been read: they are idle now
            before = loop.asked
            for n in range(20):
                answer = requests.post(url + "/x", data=f"n={n}".encode(), timeout=10)
                assert (answer.status_code, answer.text) == (200, f"ok n={n}")
            asked = loop.asked - before
        finally:
            for hog in hogs:
                hog.close()
    # waitress's own loop asks all 200 on each of the several turns a request takes: over 8,000 for 20.
    assert asked < 20 * 40, asked


def test_a_silent_connection_is_still_closed_after_the_channel_timeout() -> None:
    with serving(channel_timeout=1, cleanup_interval=1) as (url, _loop):
        (hog,) = half_open(url, 1)
        hog.settimeout(10)
        try:
            assert hog.recv(1024) == b""  # closed by the server, not by the timeout here
        finally:
            hog.close()
        assert requests.post(url + "/x", data=b"after", timeout=10).text == "ok after"


def test_connections_that_come_and_go_reuse_numbers_without_confusing_the_loop() -> None:
    """A closed connection's file number is taken by the next: the loop must not keep the old one's state."""
    with serving() as (url, _loop):
        for n in range(60):
            with requests.Session() as fresh:
                assert fresh.post(url + "/x", data=f"{n}".encode(), timeout=10).text == f"ok {n}"


def test_a_connection_closed_off_the_loop_does_not_leave_its_number_stale_for_the_next() -> None:
    """waitress closes a connection from a worker thread too: `HTTPChannel.service` → `send_continue` →
    `_flush_some(do_close=True)` → `send` → `handle_close` on EPIPE/ECONNRESET. If the loop last saw that
    connection idle, it keeps (fd → old channel) and asks nobody about that fd again; the next connection
    accepted on the same number is never registered, and its request waits for the next clean-up."""
    from waitress.channel import HTTPChannel

    with serving(cleanup_interval=30) as (url, loop):
        host, port = url.removeprefix("http://").split(":")
        first = socket.create_connection((host, int(port)), timeout=10)
        first.sendall(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na")
        got = b""
        while b"ok a" not in got:
            got += first.recv(1024)
        time.sleep(0.2)  # answered; the loop has asked it and found it idle
        connections: dict[int, Any] = loop._server._map  # type: ignore[attr-defined]  # waitress keeps it private, untyped
        ((fd, channel),) = [(n, c) for n, c in connections.items() if isinstance(c, HTTPChannel)]
        second = socket.socket()  # its number is taken now, so that the server's next accept gets the freed one
        second.settimeout(8)  # the clean-up that would find it comes after 30 s
        closer = threading.Thread(target=channel.handle_close)  # as a worker thread's failed send_continue does
        closer.start()
        closer.join()
        try:
            second.connect((host, int(port)))
            second.sendall(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nb")
            got = b""
            try:
                while b"ok b" not in got:
                    got += second.recv(1024)
            except TimeoutError:
                pass
            assert fd in connections  # the new connection did take the old number
            assert b"ok b" in got, f"the new connection on fd {fd} was not answered before the clean-up: {got!r}"
        finally:
            first.close()
            second.close()
