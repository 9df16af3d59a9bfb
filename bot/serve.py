"""Serving the app until stopped (`run`): Socket Mode when `SLACK_APP_TOKEN` is set, else HTTP under waitress.

This module is the top of the house: it imports the app (`bot.app`) and its doors (`bot.doors`), and only the
command line imports it, so nothing below has to reach back up for it.

Why waitress: gunicorn's threaded worker gave each connection a thread while it read the request, so sixteen
clients that sent half a request and stopped held every thread, and every real ack timed out.
waitress reads requests on one asyncore loop, drops a connection idle for `CHANNEL_TIMEOUT`, answers a body
over `MAX_BODY_BYTES` with 413 from its `Content-Length` before reading it, and hands only complete requests
to its `HTTP_THREADS` threads. Its loop runs on one lasting epoll set (`bot.http_loop`), so that connections
held open and idle cost nothing on each turn.
"""

from __future__ import annotations

import _thread
import gc
import logging
import resource
import signal
import threading
import time
from typing import Any

from waitress.server import BaseWSGIServer, create_server

from bot import http_loop
from bot.alerts.watch import CHECK_TICK
from bot.app import WORK_THREADS, alert_receiver, create_app, slack_wiring, start_scheduler
from bot.doors import wsgi_app
from bot.doors.after_ack import DISPATCH_PENDING, DISPATCH_THREADS, AfterAck
from bot.doors.door import MAX_BODY_BYTES
from bot.handover import Handover
from bot.service import Service
from bot.settings import INSTALL_PATH, Settings
from bot.store.engine import engine_url, sqlite_path
from bot.ticker import every
from bot.work import AcksFirst, WorkPool
from handlers.commands import COMMAND
from handlers.deps import SIDE_PENDING, SIDE_THREADS, Deps
from handlers.handover import sweep

log = logging.getLogger(__name__)

HTTP_THREADS = 48
"""Threads that run a whole request to its ack (a few ms each). As many as a burst of Slack requests: with 16, a
40-command burst queued for a thread while the others waited for their commit (`bench.ack_floor`, issue 23)."""
CONNECTION_LIMIT = 4000
"""Open connections at once; beyond it new ones wait in the listen backlog. Slow clients cost a socket, not a thread."""
CHANNEL_TIMEOUT = 15
"""Seconds a connection may stay silent before it is closed (Slack sends each request in one go)."""
MAX_HEADER_BYTES = 32 * 1024
BACKLOG = 2048
GRACE_SECONDS = 25.0
"""After SIGTERM: how long acknowledged work may take to be answered before the process exits (Heroku
sends SIGKILL 30 s after SIGTERM)."""
IN_FLIGHT_SECONDS = 1.0
"""After SIGTERM: how long requests already read may take to be acknowledged before the server stops."""


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
    acks_first = AcksFirst()
    pool = WorkPool(workers=WORK_THREADS, after=acks_first)
    side = WorkPool(workers=SIDE_THREADS, max_pending=SIDE_PENDING, name="side", after=acks_first)
    dispatch = WorkPool(workers=DISPATCH_THREADS, max_pending=DISPATCH_PENDING, name="dispatch", after=acks_first)
    handover = Handover(service.held, service.cipher, lease_seconds=settings.handover_lease_seconds)
    receive, watcher = alert_receiver(settings, service, pool)
    bolt = create_app(settings, service=service, pool=pool, side=side, handover=handover)
    after_ack = AfterAck(bolt, dispatch, commands=frozenset({COMMAND}), release=handover.done)
    app = wsgi_app(bolt, service, settings, receive=receive, acks_first=acks_first, handover=handover, after_ack=after_ack)
    ticker = start_scheduler(settings) if scheduler else None
    server = create_server(app, **options(host, settings.port))
    assert isinstance(server, BaseWSGIServer)  # one host and port: one listening socket
    http_loop.install(server)
    stopping = threading.Event()
    deps, gateway = Deps(service, pool, side, handover=handover), slack_wiring(settings, service).gateway
    sweeper = every(handover.lease_seconds / 3, lambda: sweep(deps, gateway, taking=not stopping.is_set()))
    sweeper.start()
    alerts = every(CHECK_TICK, watcher.tick)  # the alerts' periodic check: each workspace's is claimed by one instance
    alerts.start()

    def stop(signum: int, _frame: object) -> None:
        """SIGTERM (a deploy): take no new connections, let requests already read be acknowledged, then leave
        the server loop; the acknowledged work is finished below."""
        if stopping.is_set():
            return
        stopping.set()
        log.info(
            "Stopping (signal %d): no new requests; finishing acknowledged work for up to %.0f s", signum, GRACE_SECONDS
        )
        server.accepting = False
        server.del_channel()  # the listening socket leaves the loop: new connections are refused by the kernel
        if server.socket is not None:
            server.socket.close()
        threading.Thread(target=_interrupt_after, args=(IN_FLIGHT_SECONDS,), daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    settle_garbage_collector()
    log.info("Serving Slack on http://%s:%s/slack/events", host, settings.port)
    try:
        server.run()
    except KeyboardInterrupt:
        if not stopping.is_set():
            raise
    if not drain(pool, side, ticker, dispatch=dispatch):
        # Work still running goes on until the process is killed; the sweep keeps renewing its holds (taking
        # nobody's) until then, so another instance answers them only once this one is gone: never twice.
        dispatch.shutdown(wait=False)  # what never started is not started now: its holds are in the database
        pool.shutdown(wait=False)


def settle_garbage_collector() -> None:
    """Leave what start-up made out of the collector's full passes (`gc.freeze`): the app, Bolt, SQLAlchemy and
    their modules are there for the life of the process, and a full pass over them took 60-70 ms, every request
    of a burst waiting behind it; after this, about 10 ms."""
    gc.collect()
    gc.freeze()


def _interrupt_after(seconds: float) -> None:
    time.sleep(seconds)
    _thread.interrupt_main()  # waitress's loop ends on KeyboardInterrupt, in the main thread


def drain(
    pool: WorkPool, side: WorkPool, ticker: Any, grace: float = GRACE_SECONDS, *, dispatch: WorkPool | None = None
) -> bool:
    """Finish what was acknowledged (commands Bolt has yet to dispatch on `dispatch`, which hands their answers to
    `pool`, quick Slack calls on `side`) within `grace` seconds, and start no new scheduled run (one under way
    holds its leases: if it is cut short, another scheduler takes its slots over, and a post in flight is never
    made twice). True when everything was answered."""
    if ticker is not None:
        ticker.shutdown(wait=False)
    deadline = time.monotonic() + grace
    dispatched = dispatch.wait_idle(timeout=grace) if dispatch is not None else True
    answered = pool.wait_idle(timeout=max(0.0, deadline - time.monotonic()))
    quick = side.wait_idle(timeout=max(0.0, deadline - time.monotonic()))
    if dispatched and answered and quick:
        log.info("Stopped: every acknowledged request was answered")
    else:
        log.warning("Stopped with work unfinished after %.0f s: %r, %r, %r", grace, dispatch, pool, side)
    return dispatched and answered and quick


def startup_lines(settings: Settings, host: str = "0.0.0.0") -> list[str]:
    """What this `serve` is, for its first log lines: the mode, where it talks to Slack and Toggl, which database,
    and in OAuth mode where "Add to Slack" starts. No secret: a PostgreSQL user and password are left out."""
    mode = "OAuth, many workspaces (SLACK_CLIENT_ID)" if settings.oauth else "one workspace (SLACK_BOT_TOKEN)"
    if settings.slack_app_token is not None:
        transport = "Socket Mode (SLACK_APP_TOKEN)"
    else:
        transport = f"HTTP on {host}:{settings.port}, Slack posts to /slack/events"
    lines = [
        f"Mode: {mode}; {transport}",
        f"Slack API: {settings.slack_api_url} · Toggl API: {settings.toggl_api_url}",
        f"Database: {database_kind(settings.database_url)}",
    ]
    if settings.oauth:
        if settings.install_url:
            lines.append(f"Install (Add to Slack): {settings.install_url}")
        else:
            lines.append(f"Install (Add to Slack): {INSTALL_PATH} at this app's public address (set PUBLIC_URL to log it)")
    return lines


def database_kind(database_url: str) -> str:
    """`SQLite, file /srv/toggl_bot.db` or `PostgreSQL on db:5432, database app`: never the password."""
    url = engine_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(database_url)
        return f"SQLite, file {path.resolve()}" if path is not None else "SQLite, in memory"
    return f"PostgreSQL on {url.host or 'localhost'}:{url.port or 5432}, database {url.database or '(default)'}"


def announce(settings: Settings, host: str = "0.0.0.0") -> None:
    """Log `startup_lines` (before migrating, so they come first even when the database then fails)."""
    for line in startup_lines(settings, host):
        log.info("%s", line)


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
