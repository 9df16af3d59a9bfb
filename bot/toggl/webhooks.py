"""Toggl's Webhooks API (`{TOGGL_WEBHOOKS_URL}/subscriptions/...`), reached with one person's API token.

It speaks through `TogglClient`'s one HTTP call, so it has the same timeouts, error mapping, answer caps and
redaction; only reads are retried, as everywhere. Subscriptions are the app's own only when their callback is
under the app's `{PUBLIC_URL}/toggl/webhooks/`: `ours` is how a caller tells, and nothing else is ever changed.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bot.toggl.client import TogglClient, TogglClients
from bot.toggl.models import TogglModel

TIMEOUT = (3.05, 8.0)
"""Creating a subscription waits for Toggl's validation ping to our own door, so the read timeout is longer."""


class EventFilter(TogglModel):
    entity: str
    action: str


class Subscription(TogglModel):
    """A webhook subscription as Toggl lists it; `secret` is never read back (the app keeps its own)."""

    subscription_id: int
    workspace_id: int | None = None
    user_id: int | None = None
    enabled: bool = False
    description: str = ""
    url_callback: str = ""
    event_filters: list[EventFilter] = Field(default_factory=list)
    validated_at: str | None = None
    has_pending_events: bool | None = None

    def ours(self, callback_prefix: str) -> bool:
        return self.url_callback.startswith(callback_prefix)


class WebhooksApi(TogglClient):
    """The Webhooks API for one token. No write is retried: a create that timed out may have happened, and the
    next check finds it by its callback rather than making a second one."""

    def __init__(self, token: str, *, base_url: str, **options: Any) -> None:
        super().__init__(token, base_url=base_url, timeout=TIMEOUT, **options)

    def subscriptions(self, workspace_id: int) -> list[Subscription]:
        return self._models(Subscription, self._request("GET", f"/subscriptions/{workspace_id}") or [])

    def create(
        self, workspace_id: int, *, url: str, secret: str, filters: list[tuple[str, str]], description: str
    ) -> Subscription:
        body = {
            "url_callback": url,
            "secret": secret,
            "enabled": True,  # created enabled on purpose: no default is relied on
            "description": description,
            "event_filters": [{"entity": entity, "action": action} for entity, action in filters],
        }
        return self._model(Subscription, self._request("POST", f"/subscriptions/{workspace_id}", json=body))

    def enable(self, workspace_id: int, subscription_id: int) -> Subscription:
        body = {"enabled": True}
        found = self._request("PATCH", f"/subscriptions/{workspace_id}/{subscription_id}", json=body)
        return self._model(Subscription, found)

    def delete(self, workspace_id: int, subscription_id: int) -> None:
        self._request("DELETE", f"/subscriptions/{workspace_id}/{subscription_id}")

    def ping(self, workspace_id: int, subscription_id: int) -> None:
        """Ask Toggl for another validation ping (a subscription that never got validated)."""
        self._request("POST", f"/ping/{workspace_id}/{subscription_id}")


def webhooks_api(clients: TogglClients, token: str) -> WebhooksApi:
    """The Webhooks API with this token, made anew each time: it is used rarely (turning alerts on, a check)."""
    return WebhooksApi(token, base_url=clients.webhooks_url, **clients.options)
