"""The app's front doors: every HTTP request comes in through one of them, and one router picks which.

A door serves one caller, and is a callable `(request, start_response)` (`door.Door`):

- `slack.py`: Slack's requests (`POST /slack/events`) and, in OAuth mode, "Add to Slack"; Slack's signature,
  shape and replay checks, then Bolt;
- `health.py`: `GET /healthz` for load balancers and probes;
- `toggl.py`: Toggl's webhook deliveries (`POST /toggl/webhooks/{hook id}`), signed with each hook's secret;
- `pages/`: `GET /` and `GET /privacy`, the app's own pages (Jinja2, escaped by default, no script);
- `metrics.py`: `GET /metrics` (Prometheus text), answering only `Authorization: Bearer <METRICS_TOKEN>`; without
  `METRICS_TOKEN` there is no such route.

Before any door sees a request, the router (`routing.py`) has settled what every door shares (`door.py`): an
unknown path or method gets 404; a body with no usable length gets 411, one over `MAX_BODY_BYTES` gets 413
before it is read; the body is read whole (the server, waitress, has already read slow clients on its event
loop). A door refuses by raising `Refused`, which the router answers and logs as one line with no body in it.

Where a new door goes: one module here for the caller, and one line in `router()` below. A door checks what is
its caller's own to check, then hands the work to the layers below (the service, the stores); it never reads
the raw input or logs a body. Any path no door takes gets 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.doors.after_ack import AfterAck
from bot.doors.health import HEALTH_PATH, Health
from bot.doors.metrics import METRICS_PATH, Metrics
from bot.doors.pages import HOME_PATH, PRIVACY_PATH, Pages
from bot.doors.routing import Router, route
from bot.doors.slack import EVENTS_PATH, SlackDoor
from bot.doors.toggl import WEBHOOKS_PATH, Receive, TogglDoor
from bot.handover import Handover
from bot.settings import INSTALL_PATH, Settings
from bot.store import Database, SeenRequests
from bot.work import AcksFirst

if TYPE_CHECKING:
    from bot.service import Service


def router(
    app: App,
    seen: SeenRequests,
    database: Database,
    *,
    signing_secret: str,
    toggl: TogglDoor,
    metrics_token: str | None = None,
    pages: Pages | None = None,
    acks_first: AcksFirst | None = None,
    handover: Handover | None = None,
    after_ack: AfterAck | None = None,
) -> Router:
    """Every door, each behind its routes: the WSGI callable `bot.serve` serves. `acks_first` is told of every
    request, so that the after-ack pools start their jobs once the door has answered (`bot.work.AcksFirst`).
    With `handover`, the Slack door holds each slash command as it claims its signature (`bot.handover`); with
    `after_ack`, it acknowledges the commands that takes before Bolt dispatches them (`bot.doors.after_ack`)."""
    slack = SlackDoor(
        app, seen, events_path=EVENTS_PATH, signing_secret=signing_secret, handover=handover, after_ack=after_ack
    )
    return Router(
        [
            route("GET HEAD", HEALTH_PATH, Health(database)),
            route("POST", EVENTS_PATH, slack.events),
            *(route("GET", path, slack.oauth) for path in slack.oauth_paths),
            route("POST", WEBHOOKS_PATH, toggl.deliver, prefix=True),
            # -- operators (issue 22): off unless METRICS_TOKEN is set --
            *([route("GET", METRICS_PATH, Metrics(metrics_token))] if metrics_token else []),
            # -- the app's pages (issue 22) --
            *([route("GET HEAD", HOME_PATH, pages.home), route("GET HEAD", PRIVACY_PATH, pages.privacy)] if pages else []),
        ],
        acks_first=acks_first,
    )


def wsgi_app(
    app: App,
    service: Service,
    settings: Settings,
    *,
    receive: Receive | None = None,
    acks_first: AcksFirst | None = None,
    handover: Handover | None = None,
    after_ack: AfterAck | None = None,
) -> Router:
    """The WSGI callable served for `app` and `service`, with the secrets from `settings`; Toggl's deliveries go
    to `receive` (`bot.app.alert_receiver`) once answered."""
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    toggl = TogglDoor(service.webhooks, service.accounts.secret_of, service.seen, receive)
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    pages = Pages(oauth=settings.oauth, install_path=INSTALL_PATH, support=settings.support_contact)
    return router(
        app,
        service.seen,
        service.database,
        signing_secret=secret,
        toggl=toggl,
        metrics_token=metrics_token,
        pages=pages,
        acks_first=acks_first,
        handover=handover,
        after_ack=after_ack,
    )
