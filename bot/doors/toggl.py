"""Toggl's door: `POST /toggl/webhooks/{hook id}`, where Toggl delivers the events of the app's webhook
subscriptions (`bot.alerts`).

After the router's body limits (`bot.doors.door`), in this order, before anything is done:

| request                                              | answer                                          |
| ---------------------------------------------------- | ----------------------------------------------- |
| a path naming no hook of the app                     | 404, one INFO line                              |
| a missing or wrong `X-Webhook-Signature-256`          | 401, one WARNING line without the body          |
| (HMAC-SHA256 of the raw body with the hook's secret) |                                                 |
| a signed body that is not Toggl's shape              | 400                                             |
| the validation ping                                  | 200 `{"validation_code": …}` (the sync echo)    |
| an `event_id` already handled, here or elsewhere     | 200, nothing done (claimed once in the database) |
| an event the database cannot record                  | 503: Toggl delivers it again                     |
| an event the work pool cannot take                   | 503: Toggl delivers it again                     |
| any other event                                      | 200 at once; the work runs after, on the pool   |

The signature is checked over the bytes as they came, before the body is parsed, with a constant-time
comparison. No log line carries the body, the signature or the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable
from wsgiref.types import StartResponse

from bot import metrics
from bot.alerts.rules import Delivery, NotADelivery, read_delivery
from bot.doors.door import Refused, Request, json_answer, plain
from bot.store import Hook, SeenRequests, Unrecorded, Webhooks

log = logging.getLogger(__name__)

WEBHOOKS_PATH = "/toggl/webhooks/"
SIGNATURE_HEADER = "X-Webhook-Signature-256"

KNOWN_SECONDS = 30.0
MAX_KNOWN = 1000
Receive = Callable[[Hook, Delivery], bool]
"""Hands a verified delivery on to be worked after the answer; False when it could not be taken (a full pool)."""


class TogglDoor:
    def __init__(
        self,
        webhooks: Webhooks,
        secret_of: Callable[[Hook], str | None],
        seen: SeenRequests,
        receive: Receive | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._webhooks = webhooks
        self._secret_of = secret_of
        self._seen = seen
        self._receive = receive
        self._clock = clock
        self._known: dict[str, tuple[float, Hook, str]] = {}
        """Hooks and their secrets as read lately: a burst of deliveries reads and decrypts each once per
        `KNOWN_SECONDS`, not once per delivery. A hook deleted meanwhile is no hook within that time."""

    def deliver(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        try:
            found = self._hook_and_secret(request.path[len(WEBHOOKS_PATH) :])
        except Refused:
            metrics.delivery("unknown")
            raise
        if found is None:
            metrics.delivery("busy")
            return plain(start_response, "503 Service Unavailable", "Not now.")
        hook, secret = found
        try:
            _check_signature(secret, request.body, request.header(SIGNATURE_HEADER))
        except Refused:
            metrics.delivery("unsigned")
            raise
        try:
            delivery = _delivery(request)
        except Refused:
            metrics.delivery("malformed")
            raise
        if delivery.is_ping:
            metrics.delivery("ping")
            self._webhooks.update(hook.hook_id, validated=True)
            log.info("Answered Toggl's validation ping for %r", hook)
            return json_answer(start_response, "200 OK", {"validation_code": delivery.validation_code})
        try:
            first = self._seen.first_time(f"toggl:{hook.hook_id}:{delivery.event_id}")
        except Unrecorded:
            log.error("Did not take a Toggl delivery: the database could not record its event id; Toggl sends it again")
            metrics.delivery("busy")
            return plain(start_response, "503 Service Unavailable", "Try again.")
        if not first:
            log.info("Ignored a repeated Toggl delivery (its event id was already handled)")
            metrics.delivery("repeat")
            return json_answer(start_response, "200 OK", {})
        if self._receive is None or not self._receive(hook, delivery):
            log.warning("Could not take a Toggl delivery now (no room for the work); Toggl sends it again")
            metrics.delivery("busy")
            return plain(start_response, "503 Service Unavailable", "Try again.")
        metrics.delivery("taken")
        return json_answer(start_response, "200 OK", {})

    def _hook_and_secret(self, hook_id: str) -> tuple[Hook, str] | None:
        """The hook the path names, and its secret (None: this process cannot decrypt it); raises `Refused` (404)."""
        now = self._clock()
        known = self._known.get(hook_id)
        if known is not None and now - known[0] < KNOWN_SECONDS:
            return known[1], known[2]
        hook = self._webhooks.hook(hook_id) if 0 < len(hook_id) <= 40 and hook_id.isascii() else None
        if hook is None:
            self._known.pop(hook_id, None)
            raise Refused("404 Not Found", "No such webhook.", note="Refused a Toggl delivery for no webhook of the app")
        secret = self._secret_of(hook)
        if secret is None:
            return None
        if len(self._known) >= MAX_KNOWN:
            self._known.clear()
        self._known[hook_id] = (now, hook, secret)
        return hook, secret


def _check_signature(secret: str, body: bytes, signature: str) -> None:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature.strip().lower().encode(), expected.encode()):
        raise Refused(
            "401 Unauthorized",
            "Invalid signature.",
            note="Refused a Toggl delivery with a missing or wrong signature",
            level=logging.WARNING,
        )


def _delivery(request: Request) -> Delivery:
    try:
        return read_delivery(json.loads(request.text()))
    except (ValueError, RecursionError, NotADelivery):
        raise Refused("400 Bad Request", "Not a Toggl delivery.") from None
