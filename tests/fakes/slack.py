"""A fake Slack on loopback: the Web API methods the bot calls, and a catcher for `response_url` posts.

Every request is recorded; tests wait for the ones they expect with `wait_for` (a condition
variable, not a sleep loop). Errors are scripted per method: `{"ok": false, "error": ...}`,
or HTTP 429 with Retry-After, as Slack sends them. A response URL can be made to expire (404), and a
method's next calls can have their connection reset before any answer, as a flaky network does.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import LoopbackServer

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"


@dataclass
class Call:
    path: str
    """`/api/chat.postMessage`, or `/hooks/<name>` for a response_url."""
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.errors: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
        self.expired_hooks: set[str] = set()
        self.users: dict[str, dict[str, Any]] = {}
        self.delays: dict[str, float] = {}
        """Seconds to wait before answering a method, as a slow Slack would."""
        self.on_receipt: dict[str, Callable[[], object]] = {}
        """Something to do when a method is received, before it is answered: the world changing mid-call."""
        self.resets: dict[str, int] = {}
        """How many of a method's next calls get their connection reset (TCP RST) instead of an answer."""
        self.install_codes: dict[str, str] = {}
        """OAuth codes `oauth.v2.access` accepts, and the team each installs the app in."""
        self.bot_tokens: dict[str, str] = {}
        """Bot tokens issued by `oauth.v2.access`, and their team (auth.test answers with it)."""
        self.refresh_tokens: dict[str, str] = {}
        self.token_lifetime: int | None = None
        """Seconds a bot token lives when token rotation is on (None: tokens do not expire, no refresh token)."""
        self._issued = 0
        self._opened = 0
        self._changed = threading.Condition()
        self.server = LoopbackServer(_handler_for(self))

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api_url(self) -> str:
        return self.server.url + "/api/"

    def hook(self, name: str = "r1") -> str:
        """A response_url that lands in this fake."""
        return f"{self.server.url}/hooks/{name}"

    def __enter__(self) -> FakeSlack:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def fail(self, method: str, error: str = "", *, status: int = 200, times: int = 1, headers: dict | None = None) -> None:
        """Make the next `times` calls of `method` fail with Slack's `error` (or an HTTP status)."""
        body = {"ok": False, "error": error} if error else {"ok": False}
        self.errors.setdefault(method, []).extend([(status, body, headers or {})] * times)

    def reset(self, method: str, *, times: int = 1) -> None:
        """Reset the connection of the next `times` calls of `method` once their request is read: nothing posted."""
        self.resets[method] = self.resets.get(method, 0) + times

    def _take_reset(self, method: str) -> bool:
        with self._changed:
            if self.resets.get(method, 0) <= 0:
                return False
            self.resets[method] -= 1
            return True

    def record(self, call: Call) -> None:
        if call.method in self.on_receipt:
            self.on_receipt[call.method]()
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method or c.path.endswith(method)]

    def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 10.0) -> Any:
        """Block until `predicate(calls)` is truthy; return its value, or raise after `timeout` seconds."""
        with self._changed:
            result = self._changed.wait_for(lambda: predicate(self.calls), timeout=timeout)
        if not result:
            raise AssertionError(f"fake Slack did not see what was expected; it saw {[c.path for c in self.calls]}")
        return result

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        return self.wait_for(lambda calls: (found := self.of(method)) and len(found) >= count and found, timeout)

    def _views_opened(self) -> int:
        """Views get ids V1, V2, … in the order they were opened, as tests submit them."""
        self._opened += 1
        return self._opened

    def token_of(self, call: Call) -> str | None:
        """The bot token a Web API call was made with (slack_sdk sends it as a Bearer header)."""
        auth = call.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else call.body.get("token")

    def answer(
        self, method: str, body: dict[str, Any], token: str | None = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        scripted = self.errors.get(method)
        if scripted:
            return scripted.pop(0)
        if method == "oauth.v2.access":
            return self._oauth(body)
        if method == "views.open":
            return 200, {"ok": True, "view": {**(body.get("view") or {}), "id": f"V{self._views_opened()}"}}, {}
        if method == "auth.test":
            team = self.bot_tokens.get(token or "", "T1")
            return 200, {"ok": True, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "team_id": team, "user": "toggl"}, {}
        if method == "chat.postMessage":
            return 200, {"ok": True, "channel": body.get("channel"), "ts": "1700000000.000100"}, {}
        if method == "chat.postEphemeral":
            return 200, {"ok": True, "message_ts": "1700000000.000200"}, {}
        if method == "users.info":
            user = self.users.get(str(body.get("user")), {"id": body.get("user"), "tz": "Europe/Berlin", "is_admin": False})
            return 200, {"ok": True, "user": user}, {}
        return 200, {"ok": True}, {}

    def _oauth(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """`oauth.v2.access`: a code from "Add to Slack" becomes a bot token; a refresh token, a new one."""
        if body.get("grant_type") == "refresh_token":
            team = self.refresh_tokens.pop(str(body.get("refresh_token")), None)
            if team is None:
                return 200, {"ok": False, "error": "invalid_refresh_token"}, {}
        else:
            team = self.install_codes.pop(str(body.get("code")), None)
            if team is None:
                return 200, {"ok": False, "error": "invalid_code"}, {}
        self._issued += 1
        token = f"xoxb-{team}-{self._issued:04d}-fake"
        self.bot_tokens[token] = team
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A1",
            "authed_user": {"id": "UINSTALLER"},
            "scope": "commands,chat:write,im:history,app_mentions:read,users:read",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER_ID,
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if self.token_lifetime is not None:
            refresh = f"xoxe-1-{team}-{self._issued:04d}"
            self.refresh_tokens[refresh] = team
            answer.update(refresh_token=refresh, expires_in=self.token_lifetime)
        return 200, answer, {}


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if raw.startswith("{"):
                body = json.loads(raw)
            else:
                body = {k: v[-1] for k, v in parse_qs(raw).items()}
                for key in ("blocks", "view", "attachments"):
                    if isinstance(body.get(key), str):
                        body[key] = json.loads(body[key])
            path = urlsplit(self.path).path
            fake.record(Call(path, body, dict(self.headers)))
            if path.startswith("/hooks/"):
                name = path.rsplit("/", 1)[-1]
                if name in fake.expired_hooks:
                    return self._send(404, b"no_active_hooks", "text/plain")
                return self._send(200, b"ok", "text/plain")
            method = path.rsplit("/", 1)[-1]
            if fake._take_reset(method):
                # SO_LINGER with a zero timeout makes close() send RST: the client reads "connection reset by peer".
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if fake.delays.get(method):
                time.sleep(fake.delays[method])
            status, answer, headers = fake.answer(method, body, fake.token_of(Call(path, body, dict(self.headers))))
            self._send(status, json.dumps(answer).encode(), "application/json", headers)

        def _send(self, status: int, data: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
