"""The router in front of every door: unknown paths answered as Bolt answered them, the same body limits for
every door, and one log line per refusal that names neither the body nor a secret in the path."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse
from wsgiref.util import setup_testing_defaults

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.doors.door import MAX_BODY_BYTES, Refused, Request, plain
from bot.doors.routing import Router, route


class Unreadable(io.RawIOBase):
    """A body that fails the test if anyone reads it."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")


def call(app: Any, method: str, path: str, body: bytes | None = None, **environ: Any) -> tuple[str, list[Any], bytes]:
    env: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path}
    setup_testing_defaults(env)
    if body is not None:
        env["wsgi.input"], env["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    env.update(environ)
    answered: list[Any] = []
    chunks = app(env, lambda status, headers, exc_info=None: answered.extend([status, headers]))
    return answered[0], answered[1], b"".join(chunks)


seen: list[Request] = []


def echo(request: Request, start_response: StartResponse) -> Iterable[bytes]:
    """A door that keeps what it was given and answers with the body it can read again from its environ."""
    seen.append(request)
    return plain(start_response, "200 OK", request.environ["wsgi.input"].read().decode())


def choosy(request: Request, start_response: StartResponse) -> Iterable[bytes]:
    raise Refused("403 Forbidden", "Not you.")


ROUTER = Router(
    [route("GET HEAD", "/page", echo), route("POST", "/in", echo), route("POST", "/hooks/", choosy, prefix=True)]
)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/nope"),
        ("POST", "/page"),
        ("GET", "/in"),
        ("HEAD", "/in"),
        ("POST", "/in/"),
        ("GET", "/hooks/x"),
    ],
)
def test_what_no_door_takes_gets_the_404_bolt_gave(method: str, path: str) -> None:
    bolt = SlackRequestHandler(App(token="xoxb-x", signing_secret="s", token_verification_enabled=False), path="/in")
    theirs = call(bolt, "GET", "/nope")
    assert call(ROUTER, method, path) == theirs


def test_a_door_gets_the_body_read_once_and_an_environ_that_replays_it() -> None:
    seen.clear()
    assert call(ROUTER, "POST", "/in", b"a=1") == (
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "3")],
        b"a=1",
    )
    (request,) = seen
    assert (request.method, request.path, request.body) == ("POST", "/in", b"a=1")


def test_a_get_without_a_length_has_an_empty_body_and_a_post_without_one_gets_411() -> None:
    assert call(ROUTER, "GET", "/page", CONTENT_LENGTH="")[0] == "200 OK"
    assert call(ROUTER, "POST", "/in", CONTENT_LENGTH="")[0] == "411 Length Required"
    assert call(ROUTER, "POST", "/in", CONTENT_LENGTH="-1")[0] == "400 Bad Request"


def test_a_body_over_the_limit_gets_413_before_it_is_read_whichever_door_it_is_for() -> None:
    for method, path in [("POST", "/in"), ("GET", "/page"), ("POST", "/hooks/x")]:
        huge: dict[str, Any] = {"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(MAX_BODY_BYTES + 1)}
        status, _, _ = call(ROUTER, method, path, **huge)
        assert status == "413 Content Too Large"


def test_a_refusal_is_one_line_with_neither_the_body_nor_the_path_under_a_prefix(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.doors")
    status, _, body = call(ROUTER, "POST", "/hooks/SECRETPATH", b"SECRETBODY")
    assert (status, body) == ("403 Forbidden", b"Not you.")
    (record,) = caplog.records
    assert record.getMessage() == "Refused a request: 403 Forbidden: Not you. (POST /hooks/…, 10 bytes)"


def test_a_body_a_door_needs_as_text_must_be_utf8() -> None:
    request = Request("POST", "/in", b"\xff\xfe", {})
    with pytest.raises(Refused) as refused:
        request.text()
    assert refused.value.status == "400 Bad Request"
