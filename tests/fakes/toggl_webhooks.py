"""Toggl's Webhooks API in the fake Toggl (`FakeToggl.webhooks`), as design.md's "Toggl webhooks" facts say.

- Subscriptions per workspace under `/webhooks/api/v1/subscriptions/{wid}` (list, create, PATCH/PUT, DELETE),
  with the plan's limits: free 1 subscription of at most 3 event filters, starter 2 of 6, premium 3 of 12; over
  a limit, 400 with Toggl's kind of message.
- Validation: creating one, or `POST /ping/{wid}/{sid}`, sends a ping carrying `validation_code` to the
  callback at once; a callback that echoes the code validates it, as does `GET /validate/{wid}/{sid}/{code}`.
- Deliveries (`emit`) go only to subscriptions that are enabled and validated and whose filters match, signed
  `X-Webhook-Signature-256: sha256=<HMAC-SHA256(secret, body)>`; after `disable_after` failed deliveries in a
  row Toggl disables the subscription.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from tests.fakes.toggl import FakeToggl

PREFIX = "/webhooks/api/v1"
LIMITS = {"free": (1, 3), "starter": (2, 6), "premium": (3, 12)}


@dataclass
class Sent:
    subscription_id: int
    body: dict[str, Any]
    status: int


@dataclass
class FakeWebhooks:
    toggl: FakeToggl
    subscriptions: dict[int, dict[str, Any]] = field(default_factory=dict)
    plans: dict[int, str] = field(default_factory=dict)
    """Workspace id -> plan; unset: free."""
    disable_after: int = 3
    sent: list[Sent] = field(default_factory=list)
    failures: dict[int, int] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(7001))
    _events: itertools.count[int] = field(default_factory=lambda: itertools.count(900_001))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self) -> str:
        return self.toggl.url + PREFIX

    # -- the API ---------------------------------------------------------------------------------

    def answer(self, method: str, path: str, token: str | None, body: Any) -> tuple[int, Any]:
        person = self.toggl.people.get(token or "")
        if person is None:
            return 401, None
        rest = path[len(PREFIX) :]
        if method == "GET" and rest == "/event_filters":
            return 200, {"time_entry": ["created", "updated", "deleted"], "project": ["created", "updated", "deleted"]}
        if match := re.fullmatch(r"/subscriptions/(\d+)", rest):
            wid = int(match.group(1))
            if wid not in person.workspace_ids:
                return 403, "Forbidden"
            if method == "GET":
                return 200, [_public(s) for s in self.subscriptions.values() if s["workspace_id"] == wid]
            if method == "POST":
                return self._create(wid, person.me["id"], body or {})
        if match := re.fullmatch(r"/subscriptions/(\d+)/(\d+)", rest):
            found = self.subscriptions.get(int(match.group(2)))
            if found is None or found["workspace_id"] != int(match.group(1)):
                return 404, "Subscription not found"
            if method in ("PATCH", "PUT"):
                found.update({k: v for k, v in (body or {}).items() if k in ("enabled", "description", "event_filters")})
                if found["enabled"]:
                    self.failures.pop(found["subscription_id"], None)
                return 200, _public(found)
            if method == "DELETE":
                del self.subscriptions[found["subscription_id"]]
                return 200, None
        if method == "POST" and (match := re.fullmatch(r"/ping/(\d+)/(\d+)", rest)):
            found = self.subscriptions.get(int(match.group(2)))
            if found is None:
                return 404, "Subscription not found"
            self.ping(found)
            return 200, {"status": "ok"}
        if method == "GET" and (match := re.fullmatch(r"/validate/(\d+)/(\d+)/(.+)", rest)):
            found = self.subscriptions.get(int(match.group(2)))
            if found is None or found["validation_code"] != match.group(3):
                return 404, "Not found"
            found["validated_at"] = self.toggl.now().isoformat()
            return 200, {"status": "ok"}
        return 404, "Not found"

    def _create(self, wid: int, user_id: int, body: dict[str, Any]) -> tuple[int, Any]:
        most, filters = LIMITS[self.plans.get(wid, "free")]
        if sum(1 for s in self.subscriptions.values() if s["workspace_id"] == wid) >= most:
            return 400, "Maximum number of subscriptions for this workspace reached"
        wanted = body.get("event_filters") or []
        if len(wanted) > filters:
            return 400, f"Too many event filters for this plan (at most {filters})"
        if not str(body.get("url_callback", "")).startswith("http"):
            return 400, "url_callback is not a URL"
        sub = {
            "subscription_id": next(self._ids),
            "workspace_id": wid,
            "user_id": user_id,
            "enabled": bool(body.get("enabled", False)),
            "description": body.get("description", ""),
            "url_callback": body["url_callback"],
            "event_filters": wanted,
            "secret": body.get("secret") or secrets.token_hex(16),
            "validated_at": None,
            "validation_code": secrets.token_hex(8),
            "created_at": self.toggl.now().isoformat(),
        }
        self.subscriptions[sub["subscription_id"]] = sub
        self.ping(sub)  # Toggl pings the callback right away; an echo validates it
        return 200, _public(sub)

    # -- what Toggl sends ------------------------------------------------------------------------

    def ping(self, sub: dict[str, Any]) -> None:
        sub["validation_code"] = secrets.token_hex(8)
        code = sub["validation_code"]
        body = {
            "event_id": next(self._events),
            "created_at": self.toggl.now().isoformat(),
            "subscription_id": sub["subscription_id"],
            "payload": "ping",
            "validation_code": code,
            "validation_code_url": f"{self.url()}/validate/{sub['workspace_id']}/{sub['subscription_id']}/{code}",
        }
        answer = self.post(sub, body)
        if answer is not None and answer.status_code == 200:
            try:
                echoed = answer.json().get("validation_code")
            except ValueError:
                echoed = None
            if echoed == code:
                sub["validated_at"] = self.toggl.now().isoformat()

    def emit(self, wid: int, model: str, action: str, payload: dict[str, Any]) -> list[int]:
        """Deliver an event to every enabled, validated subscription of the workspace that asked for it; the
        statuses the callbacks answered."""
        statuses = []
        for sub in list(self.subscriptions.values()):
            wanted = any(f.get("entity") == model and f.get("action") in (action, "*") for f in sub["event_filters"])
            if sub["workspace_id"] != wid or not sub["enabled"] or not sub["validated_at"] or not wanted:
                continue
            body = {
                "event_id": next(self._events),
                "created_at": self.toggl.now().isoformat(),
                "creator_id": sub["user_id"],
                "metadata": {"action": action, "model": model, "workspace_id": str(wid), "event_user_id": "1"},
                "payload": payload,
                "subscription_id": sub["subscription_id"],
                "url_callback": sub["url_callback"],
            }
            answer = self.post(sub, body)
            status = answer.status_code if answer is not None else 0
            statuses.append(status)
            with self.lock:
                if 200 <= status < 300:
                    self.failures.pop(sub["subscription_id"], None)
                else:
                    self.failures[sub["subscription_id"]] = self.failures.get(sub["subscription_id"], 0) + 1
                    if self.failures[sub["subscription_id"]] >= self.disable_after:
                        sub["enabled"] = False
        return statuses

    def post(self, sub: dict[str, Any], body: dict[str, Any], *, secret: str | None = None) -> requests.Response | None:
        raw = json.dumps(body).encode()
        signature = "sha256=" + hmac.new((secret or sub["secret"]).encode(), raw, hashlib.sha256).hexdigest()
        try:
            answer = requests.post(
                sub["url_callback"],
                data=raw,
                headers={"Content-Type": "application/json", "X-Webhook-Signature-256": signature},
                timeout=10,
            )
        except requests.RequestException:
            return None
        with self.lock:
            self.sent.append(Sent(sub["subscription_id"], body, answer.status_code))
        return answer


def _public(sub: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sub.items() if k not in ("secret", "validation_code")}
