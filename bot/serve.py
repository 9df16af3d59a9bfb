"""Serving the app until stopped (`run`): Socket Mode when `SLACK_APP_TOKEN` is set, else HTTP under waitress.

This module is the top of the house: it imports the app (`bot.app`) and its doors (`bot.doors`), and only the
command line imports it, so nothing below has to reach back up for it.

Why waitress: gunicorn's threaded worker gave each connection a thread while it read the request, so sixteen
clients that sent half a request and stopped held every thread, and every real ack timed out.
waitress reads requests on one asyncore loop (with `poll`, so thousands of sockets), drops a
connection idle for `CHANNEL_TIMEOUT`, answers a body over `MAX_BODY_BYTES` with 413 from its
`Content-Length` before reading it, and hands only complete requests to its `HTTP_THREADS` threads.
"""

from __future__ import annotations

import logging
import resource
from typing import Any

import waitress

from bot.app import create_app, start_scheduler
from bot.doors import wsgi_app
from bot.doors.door import MAX_BODY_BYTES
from bot.service import Service
from bot.settings import Settings

log = logging.getLogger(__name__)

HTTP_THREADS = 16
CONNECTION_LIMIT = 4000
"""Open connections at once; beyond it new ones wait in the listen backlog. Slow clients cost a socket, not a thread."""
CHANNEL_TIMEOUT = 15
"""Seconds a connection may stay silent before it is closed (Slack sends each request in one go)."""
MAX_HEADER_BYTES = 32 * 1024
BACKLOG = 2048


def options(host: str, port: int) -> dict[str, Any]:
    return {
        "host": host,
        "port": port,
        "threads": HTTP_THREADS,
        "connection_limit": CONNECTION_LIMIT,
        "channel_timeout": CHANNEL_TIMEOUT,
        "cleanup_interval": 5,
        "max_request_body_size": MAX_BODY_BYTES,
        "max_request_header_size": MAX_HEADER_BYTES,
        "backlog": BACKLOG,
        "asyncore_use_poll": True,
        "ident": "toggl-bot",
        "expose_tracebacks": False,
        "clear_untrusted_proxy_headers": True,
    }


def raise_file_limit(wanted: int = CONNECTION_LIMIT + 256) -> None:
    """Let this process open as many sockets as `CONNECTION_LIMIT` needs, up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def serve_http(settings: Settings, host: str = "0.0.0.0", *, scheduler: bool = True) -> None:
    """Build the app and serve it until stopped; with `scheduler`, post digests from this process too."""
    raise_file_limit()
    service = Service.from_settings(settings)
    app = wsgi_app(create_app(settings, service=service), service, settings)
    if scheduler:
        start_scheduler(settings)
    log.info("Serving Slack on http://%s:%s/slack/events", host, settings.port)
    waitress.serve(app, **options(host, settings.port))


def run(settings: Settings, *, scheduler: bool, host: str = "0.0.0.0") -> None:
    """Serve until stopped: Socket Mode when `SLACK_APP_TOKEN` is set, else HTTP under waitress."""
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        app = create_app(settings)
        if scheduler:
            start_scheduler(settings)
        log.info("Connecting to Slack in Socket Mode")
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        return
    serve_http(settings, host, scheduler=scheduler)
