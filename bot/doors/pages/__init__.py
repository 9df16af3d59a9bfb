"""The app's own web pages: `GET /` (what it does, three of its messages, "Add to Slack" in OAuth mode or how to set
it up, and support) and `GET /privacy` (what is kept, for how long, who sees what, how to delete it).

Plain HTML and CSS from Jinja2 templates with autoescaping on everywhere; no script at all, which the
Content-Security-Policy header also says (`default-src 'none'`, the one inline stylesheet allowed by its hash).
The examples are the gallery's messages (`examples.json`, written by `python -m bench.gallery`), drawn as HTML
by `blocks.py`. The pages are rendered once, at start: they depend on settings only.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from importlib import resources
from wsgiref.types import StartResponse

from jinja2 import Environment, PackageLoader, select_autoescape

from bot.doors.door import Request
from bot.doors.pages.blocks import message_html
from bot.store import retention

HOME_PATH = "/"
PRIVACY_PATH = "/privacy"


def _duration(seconds: int) -> str:
    """`14 days`, `2 hours`, `15 minutes`: how the privacy page states a keeping time."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


class Pages:
    """The pages door: `home` and `privacy` answer GET and HEAD.

    >>> pages = Pages(oauth=True, install_path="/slack/install", support="help@example.com")  # doctest: +SKIP
    """

    def __init__(self, *, oauth: bool, install_path: str, support: str | None, oauth_state_seconds: int = 600) -> None:
        package = resources.files(__package__)
        css = (package / "static" / "pages.css").read_text(encoding="utf-8")
        examples = json.loads((package / "examples.json").read_text(encoding="utf-8"))
        env = Environment(loader=PackageLoader(__package__), autoescape=select_autoescape(default=True), auto_reload=False)
        keep = {
            "cache": _duration(retention.CACHE_KEEP_SECONDS),
            "quota": _duration(retention.QUOTA_KEEP_SECONDS),
            "seen": _duration(retention.SEEN_KEEP_SECONDS),
            "reply": _duration(retention.REPLY_TARGET_KEEP_SECONDS),
            "oauth": _duration(oauth_state_seconds),
        }
        shown = [{"caption": e["caption"], "html": message_html(e["message"])} for e in examples]
        common = {"css": css, "oauth": oauth, "install_path": install_path, "support": support}
        self._pages = {
            HOME_PATH: env.get_template("home.html").render(examples=shown, **common).encode(),
            PRIVACY_PATH: env.get_template("privacy.html").render(keep=keep, **common).encode(),
        }
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        self._policy = (
            f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'"
        )

    def home(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        return self._answer(HOME_PATH, request, start_response)

    def privacy(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        return self._answer(PRIVACY_PATH, request, start_response)

    def _answer(self, path: str, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        body = self._pages[path]
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Content-Security-Policy", self._policy),
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "no-referrer"),
                ("Cache-Control", "public, max-age=300"),
            ],
        )
        return [] if request.method == "HEAD" else [body]
