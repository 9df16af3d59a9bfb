"""Builds the Slack app from settings, and serves it: gunicorn for HTTP, or Socket Mode.

`create_app` is a factory so that tests build exactly the production app against fakes.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.digest.runner import DigestRunner
from bot.digest.schedule import background_scheduler
from bot.service import Service
from bot.settings import Settings
from bot.slack import SlackGateway
from bot.work import WorkPool
from handlers import register_all
from handlers.deps import Deps

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
WORK_THREADS = 16
HTTP_THREADS = 16
HTTP_BACKLOG = 2048


def slack_client(settings: Settings) -> WebClient:
    """A WebClient on `SLACK_API_URL` that waits and retries when Slack rate-limits it."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )


def create_app(settings: Settings, *, service: Service | None = None, pool: WorkPool | None = None) -> App:
    """The Bolt app with every listener registered; `service` and `pool` can be given by tests."""
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    app = App(
        client=slack_client(settings),
        signing_secret=signing_secret,
        # Listeners only parse, ack and hand the Toggl work to the WorkPool, so they run on gunicorn's request
        # thread itself: no hop to Bolt's 5-thread listener executor, and no 10 ms polling for the ack.
        process_before_response=True,
        request_verification_enabled=settings.slack_app_token is None or bool(signing_secret),
    )
    service = service or Service.from_settings(settings)
    service.slack = SlackGateway(app.client)
    deps = Deps(service=service, pool=pool or WorkPool(workers=WORK_THREADS))
    register_all(app, deps)
    app.error(_log_error)
    return app


def _log_error(error: Exception, logger: logging.Logger) -> None:
    """Bolt calls this for a listener that raised: log it whole; the body is not logged, it may hold a token."""
    logger.error("A Slack listener failed", exc_info=error)


def wsgi_app(app: App) -> Any:
    """A WSGI callable for `POST /slack/events`, for gunicorn."""
    return SlackRequestHandler(app, path=EVENTS_PATH)


DIGEST_REQUEST_INTERVAL = 1.05
"""Seconds between one token's requests during a digest run: just under Toggl's ~1 a second bucket."""


def digest_runner(settings: Settings) -> DigestRunner:
    """The digest poster: its own WebClient and its own paced Toggl clients, over the same database."""
    service = Service.from_settings(settings, min_interval=DIGEST_REQUEST_INTERVAL)
    gateway = SlackGateway(slack_client(settings))
    service.slack = gateway
    return DigestRunner(service, gateway)


def start_scheduler(settings: Settings) -> None:
    """The digest scheduler on a background thread of this process."""
    runner = digest_runner(settings)
    background_scheduler(runner.run_due, runner.clock).start()
    log.info("Digest scheduler started")


def run(settings: Settings, *, scheduler: bool, host: str = "0.0.0.0") -> None:
    """Serve until stopped: Socket Mode when `SLACK_APP_TOKEN` is set, else HTTP under gunicorn."""
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        service = Service.from_settings(settings)
        app = create_app(settings, service=service)
        if scheduler:
            start_scheduler(settings)
        log.info("Connecting to Slack in Socket Mode")
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        return
    from bot.gunicorn import serve_http

    serve_http(settings, host, scheduler=scheduler)
