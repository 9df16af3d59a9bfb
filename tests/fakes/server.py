"""Threaded loopback HTTP servers on port 0 that shut themselves down after a lifetime, whatever the test does."""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer, ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests

DEFAULT_LIFETIME = 900.0
POLL_INTERVAL = 0.01
"""How often the serving loop looks for `stop`, so how long a stop waits (half of it on average). Most tests
stop two or three servers: at 0.05 s that was about 60 s of a run spent waiting; idle polls cost next to nothing."""


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, for a server a test starts in another process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(base_url: str, timeout: float = 30) -> bool:
    """Poll `{base_url}/healthz` until it answers 200 (a server another process is starting); False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base_url + "/healthz", timeout=1).status_code == 200:
                return True
        except requests.ConnectionError:
            time.sleep(0.1)
    return False


def _quiet_about_dropped_clients(
    server: socketserver.BaseServer, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
) -> None:
    """A client that drops its connection (a process killed on purpose, a client timing out) is the weather the
    tests make; socketserver printed a traceback for each into the test output. Anything else is still printed."""
    if isinstance(sys.exc_info()[1], ConnectionError):
        return
    socketserver.BaseServer.handle_error(server, request, client_address)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True
    handle_error = _quiet_about_dropped_clients


class _QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 256
    handle_error = _quiet_about_dropped_clients


class _Serving:
    """Serves `httpd` on a thread once started; stops on `stop`, on leaving the `with`, or after `lifetime`."""

    def __init__(self, httpd: TCPServer, lifetime: float) -> None:
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._stopped = False

    @property
    def url(self) -> str:
        host, port = self._httpd.socket.getsockname()[:2]  # = server_address, which typeshed allows to be bytes
        return f"http://{host}:{port}"

    def start(self) -> _Serving:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LoopbackServer(_Serving):
    """Runs `handler_class` on 127.0.0.1: the fakes of Toggl and Slack."""

    def __init__(self, handler_class: type[BaseHTTPRequestHandler], lifetime: float = DEFAULT_LIFETIME) -> None:
        super().__init__(_Server(("127.0.0.1", 0), handler_class), lifetime)


class WSGILoopback(_Serving):
    """Serves a WSGI app (the bot's own) on 127.0.0.1, a thread per request."""

    def __init__(self, app: Any, lifetime: float = DEFAULT_LIFETIME, port: int = 0) -> None:
        httpd = make_server("127.0.0.1", port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietWSGIHandler)
        super().__init__(httpd, lifetime)
