"""Builds the Slack app from settings, and the runners that post without a request; `bot.serve` serves it.

`create_app` is a factory so that tests build exactly the production app against fakes. It builds
one of two apps:

- one workspace (`SLACK_BOT_TOKEN`): the bot token is fixed;
- many workspaces (`SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET`): Bolt serves "Add to Slack"
  (`GET /slack/install`, `GET /slack/oauth_redirect`), keeps each team's installation, encrypted, in our
  database, and authorises each request with that team's bot token (cached, so no `auth.test` per request).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

from bot.alerts.rules import Delivery
from bot.alerts.watch import Watcher
from bot.clock import SYSTEM, Clock
from bot.digest.runner import DigestRunner
from bot.doors.toggl import Receive
from bot.handover import Handover
from bot.personal.runner import PersonalRunner
from bot.scheduled import Runner
from bot.service import Service
from bot.settings import INSTALL_PATH, Settings
from bot.slack import SlackGateway
from bot.slack.installations import EncryptedInstallationStore, OutageAwareAuthorize, PrunedOAuthStateStore, TeamClients
from bot.slack.retries import retry_handlers
from bot.store import Hook
from bot.team.runner import TeamRunner
from bot.ticker import BackgroundScheduler, background_scheduler
from bot.views.errors import not_installed
from bot.work import WorkPool
from handlers import register_all
from handlers.deps import SIDE_PENDING, SIDE_THREADS, Deps

log = logging.getLogger(__name__)

REDIRECT_PATH = "/slack/oauth_redirect"
SCOPES = ["commands", "chat:write", "im:history", "app_mentions:read", "users:read"]
SCOPES += ["links:read", "links:write"]  # capture (issue 20): track.toggl.com links unfurl into the project's figure
"""The bot scopes the app asks for, the fewest it works with; `manifest.yml` lists the same (a test checks)."""
OAUTH_STATE_SECONDS = 600
WORK_THREADS = 16


def slack_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient on `SLACK_API_URL` that retries a reset connection once and waits out Slack's rate limits."""
    if token is None and settings.slack_bot_token is not None and not settings.oauth:
        token = settings.slack_bot_token.get_secret_value()
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=retry_handlers(),
    )


@dataclass(frozen=True)
class SlackWiring:
    """How this deployment reaches Slack: the gateway for work without a request, and (OAuth) the installations."""

    gateway: SlackGateway
    installations: InstallationStore | None = None


def slack_wiring(settings: Settings, service: Service) -> SlackWiring:
    refusals = service.slack_state
    if not settings.oauth:
        return SlackWiring(SlackGateway(slack_client(settings), refusals))
    assert settings.slack_client_id and settings.slack_client_secret
    installations = EncryptedInstallationStore(service.database, service.cipher, client_id=settings.slack_client_id)
    clients = TeamClients(
        installations,
        base_url=settings.slack_api_url,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
    )
    return SlackWiring(SlackGateway(clients, refusals), installations)


def create_app(
    settings: Settings,
    *,
    service: Service | None = None,
    pool: WorkPool | None = None,
    side: WorkPool | None = None,
    handover: Handover | None = None,
) -> App:
    """The Bolt app with every listener registered; `service`, the pools and the hand-over can be given. Requests
    are held for hand-over only with a `handover`, which `serve` gives together with the sweep that renews and
    takes over holds (Socket Mode runs none, so it holds nothing)."""
    service = service or Service.from_settings(settings)
    wiring = slack_wiring(settings, service)
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    app = App(
        client=slack_client(settings),
        oauth_settings=_oauth_settings(settings, service, wiring) if wiring.installations is not None else None,
        signing_secret=signing_secret,
        # For a workspace without an installation (it removed the app), in our words instead of Bolt's stock ":bow:".
        user_facing_authorize_error_message=not_installed(settings.oauth, settings.install_url),
        # Listeners only parse, ack and hand the Toggl work to the WorkPool, so they run on the request thread
        # itself: no hop to Bolt's 5-thread listener executor, and no 10 ms polling for the ack.
        process_before_response=True,
        request_verification_enabled=settings.slack_app_token is None or bool(signing_secret),
    )
    service = service.with_slack(wiring.gateway)
    deps = Deps(
        service=service,
        pool=pool or WorkPool(workers=WORK_THREADS),
        side=side or WorkPool(workers=SIDE_THREADS, max_pending=SIDE_PENDING, name="side"),
        installations=wiring.installations,
        handover=handover,
    )
    register_all(app, deps)
    app.error(_log_error)
    return app


def _oauth_settings(settings: Settings, service: Service, wiring: SlackWiring) -> OAuthSettings:
    assert settings.slack_client_id and settings.slack_client_secret and wiring.installations is not None
    secret = settings.slack_client_secret.get_secret_value()
    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=secret,
        scopes=SCOPES,
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=wiring.installations,
        installation_store_bot_only=True,
        state_store=PrunedOAuthStateStore(service.database, service.clock, expiration_seconds=OAUTH_STATE_SECONDS),
        state_expiration_seconds=OAUTH_STATE_SECONDS,
    )
    # Bolt's default authorize calls auth.test on every request and rotates tokens against slack.com:
    # ours caches the result per token and rotates through SLACK_API_URL like every other call, and does
    # not take a database outage for a missing installation (no "please reinstall" during a blip).
    oauth.authorize = OutageAwareAuthorize(
        logger=log,
        installation_store=wiring.installations,
        client_id=settings.slack_client_id,
        client_secret=secret,
        bot_only=True,
        cache_enabled=True,
        client=slack_client(settings),
    )
    return oauth


def _log_error(error: Exception, logger: logging.Logger) -> None:
    """Bolt calls this for a listener that raised: log it whole; the body is not logged, it may hold a token."""
    logger.error("A Slack listener failed", exc_info=error)


DIGEST_REQUEST_INTERVAL = 1.05
"""Seconds between one token's requests during a digest run: just under Toggl's ~1 a second bucket."""


def digest_runner(settings: Settings, *, clock: Clock = SYSTEM) -> DigestRunner:
    """The digest poster: its own paced Toggl clients and Slack clients, over the same database."""
    service = Service.from_settings(settings, clock=clock, min_interval=DIGEST_REQUEST_INTERVAL)
    gateway = slack_wiring(settings, service).gateway
    return DigestRunner(service.with_slack(gateway), gateway, lease_seconds=settings.digest_lease_seconds)


def personal_runner(digests: DigestRunner, settings: Settings) -> PersonalRunner:
    """The sender of weekly summaries and reminders, over the digest runner's service and Slack clients."""
    service = digests.service
    return PersonalRunner(service, digests.slack, lease_seconds=settings.digest_lease_seconds)


def team_runner(digests: DigestRunner, settings: Settings) -> TeamRunner:
    """The poster of team posts and their nudges (issue 21), over the digest runner's service and Slack clients."""
    return TeamRunner(digests.service, digests.slack, lease_seconds=settings.digest_lease_seconds)


def scheduled_tick(*runners: Runner) -> Callable[[], None]:
    """What the scheduler does each minute: each runner's due slots in turn (digests, then personal
    messages); one failing never stops the others (each is logged)."""

    def tick() -> None:
        for runner in runners:
            try:
                runner.run_due()
            except Exception:
                log.exception("A scheduled run failed; the next tick tries again")

    return tick


def alert_receiver(settings: Settings, service: Service, pool: WorkPool) -> tuple[Receive, Watcher]:
    """What the Toggl door hands a verified delivery to (the work runs on `pool`, after the answer), and the
    watcher whose `tick` runs the alerts' periodic check."""
    watcher = Watcher(service.with_slack(slack_wiring(settings, service).gateway))

    def receive(hook: Hook, delivery: Delivery) -> bool:
        return pool.submit(watcher.receive, hook, delivery)

    return receive, watcher


def start_scheduler(settings: Settings) -> BackgroundScheduler:
    """The digest and personal message scheduler on a background thread of this process; returned, so that a
    deploy can stop it from starting new runs."""
    runner = digest_runner(settings)
    ticks = [
        scheduled_tick(runner),
        scheduled_tick(personal_runner(runner, settings)),
        scheduled_tick(team_runner(runner, settings)),  # team posts (issue 21)
        scheduled_tick(runner.service.store.retention),  # at most hourly: what was kept long enough is deleted
    ]
    scheduler = background_scheduler(ticks, runner.clock)
    scheduler.start()
    log.info("Digest scheduler started")
    return scheduler
