"""Token hygiene end to end, key rotation, uninstall clean-up, and many people at once on SQLite."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient

from bot.clock import FrozenClock
from bot.crypto import TokenCipher, key_file_for, load_or_create_key_file
from bot.digest.runner import DigestRunner
from bot.logs import RedactSecrets, quiet_libraries, redact
from bot.service import Service
from bot.slack import SlackGateway
from bot.store import Store
from tests.fakes.app import Running
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world
from tests.stored import all_stored_text
from tests.test_cli import run

CANARY = "c0ffee00c0ffee00c0ffee00c0ffee00"


def database_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if not p.name.endswith(".key"))


def test_a_canary_token_never_leaks(running: Running, caplog: pytest.LogCaptureFixture, db_path: Path) -> None:
    quiet_libraries()
    caplog.set_level(logging.DEBUG)
    world = standard_world(running.toggl, token=CANARY)
    values = {"token": {"token_input": {"type": "plain_text_input", "value": CANARY}}}
    running.send.command("connect", response_url=running.slack.hook("c"))  # opens the form, view V1
    running.slack.wait_for_calls("views.open")
    running.settle()  # the app keeps the form's reply address once Slack has answered views.open
    assert running.send.submit_view("connect_modal", values, view_id="V1").ok
    running.slack.wait_for_calls("/hooks/c")
    running.send.command(f"connect {CANARY}", response_url=running.slack.hook("c2"))
    running.slack.wait_for_calls("/hooks/c2")
    words = ["me", "projects", "tasks website", "workspaces", "workspace acme", "digest subscribe daily at 9am",
             "digest preview", "digest list", "digest mute website", "digest threshold 70", "nonsense"]  # fmt: skip
    for n, text in enumerate(words):
        running.send.command(text, response_url=running.slack.hook(f"w{n}"))
        running.slack.wait_for_calls(f"/hooks/w{n}")
    running.send.dm("projects")
    running.send.mention(f"connect {CANARY}")  # pasted in a channel: refused, never used
    running.slack.wait_for_calls("chat.postEphemeral")
    faults: list[dict[str, Any]] = [{"status": 500}, {"kind": "malformed"}, {"status": 402}, {"status": 401}]
    for n, fault in enumerate(faults):
        running.toggl.fail("/api/", times=20, **fault)
        running.service.clock.advance(days=1)  # type: ignore[attr-defined]  # FrozenClock; past every freshness window
        running.send.command("projects", response_url=running.slack.hook(f"f{n}"))
        running.slack.wait_for_calls(f"/hooks/f{n}")
        running.toggl.faults.clear()
    running.service.accounts.connect("T1", "U1", CANARY)
    gateway = SlackGateway(WebClient(token="xoxb-test", base_url=running.slack.api_url))
    DigestRunner(running.service, gateway).run_forced()
    running.send.command("disconnect", response_url=running.slack.hook("bye"))
    running.slack.wait_for_calls("/hooks/bye")
    assert world["token"] == CANARY

    slack_traffic = "\n".join(json.dumps(c.body) + json.dumps(c.headers) for c in running.slack.calls)
    assert CANARY not in slack_traffic
    assert CANARY not in caplog.text
    assert all(CANARY not in str(r.exc_info) for r in caplog.records)
    assert CANARY not in all_stored_text(running.service.store)
    if db_path.exists():  # SQLite: the file itself, free pages and the WAL included
        assert CANARY.encode() not in database_bytes(db_path)


def test_the_redaction_filter_blanks_tokens_in_anything_logged() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token %s and xoxb-123-abc", (CANARY,), None)
    RedactSecrets().filter(record)
    assert CANARY not in record.getMessage() and "xoxb-123" not in record.getMessage()
    assert redact("gAAAAABlongfernetciphertext1234567890") == "[redacted]"


def test_rotate_key_re_encrypts_every_token(fake_toggl: FakeToggl, tmp_path: Path, clock: FrozenClock) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    database = tmp_path / "bot.db"
    store = Store(f"sqlite:///{database}", clock=clock)
    store.migrate()
    for n in range(5):
        store.people.save("T1", f"U{n}", token_ciphertext=TokenCipher([old]).encrypt(f"tok-{n}"), toggl_user_id=n,
                          toggl_name="x", workspace_id=1, timezone=None)  # fmt: skip
    env = {"DATABASE_URL": f"sqlite:///{database}", "TOKEN_ENCRYPTION_KEY": f"{new.decode()},{old.decode()}"}
    result = run(["rotate-key"], tmp_path, **env)
    assert result.returncode == 0 and "Re-encrypted 5 tokens" in result.stdout
    only_new = TokenCipher([new])
    assert [only_new.decrypt(p.token_ciphertext) for p in store.people.all()] == [f"tok-{n}" for n in range(5)]


def test_rotate_key_with_the_key_file_adds_a_key_first(tmp_path: Path, clock: FrozenClock) -> None:
    database = tmp_path / "bot.db"
    store = Store(f"sqlite:///{database}", clock=clock)
    store.migrate()
    old = load_or_create_key_file(key_file_for(database))
    store.people.save("T1", "U1", token_ciphertext=TokenCipher(old).encrypt("tok"), toggl_user_id=1, toggl_name="x",
                      workspace_id=1, timezone=None)  # fmt: skip
    result = run(["rotate-key", "--new-key"], tmp_path, DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    keys = load_or_create_key_file(key_file_for(database))
    assert len(keys) == 2 and keys[1] == old[0]
    assert TokenCipher([keys[0]]).decrypt(store.people.all()[0].token_ciphertext) == "tok"


def test_uninstall_and_revoked_tokens_forget_the_workspace(running: Running, ada: dict) -> None:
    store = running.service.store
    store.subscriptions.subscribe("T1", "C1", "U1", cadence="daily", weekday=None, at_time="09:00", timezone="UTC")
    store.people.save("T2", "U1", token_ciphertext="x", toggl_user_id=1, toggl_name="x", workspace_id=1, timezone=None)
    running.send.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"]}}, event_id="Ev-r1")
    assert store.people.get("T1", "U1") is not None  # only a user token: nothing to do
    running.send.event({"type": "app_uninstalled"}, event_id="Ev-u1")
    assert store.people.get("T1", "U1") is None and store.subscriptions.all() == []
    assert store.people.get("T2", "U1") is not None  # another workspace is untouched
    running.send.event({"type": "tokens_revoked", "tokens": {"bot": ["B1"]}}, event_id="Ev-r2")


def test_fifty_people_connect_ask_and_subscribe_at_once(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    people = 50
    for n in range(people):
        owner = running.toggl.add_person(f"{n:032x}", name=f"Person {n}")
        running.toggl.add_project(owner.workspace_ids[0], f"Project of person {n}")
    errors: list[BaseException] = []

    def replies(n: int) -> list[str]:
        return [
            text
            for c in running.slack.calls
            if c.path == f"/hooks/p{n}"
            and "Working on it" not in (text := json.dumps(c.body, ensure_ascii=False))
            # on a loaded machine an answer may come from the app's copy first and then be replaced: one answer
            and not c.body.get("replace_original")
        ]

    def person(n: int) -> None:
        try:
            for step, words in enumerate((f"connect {n:032x}", "projects", "digest subscribe daily at 08:00 UTC"), 1):
                running.send.command(words, user=f"U{n}", channel=f"C{n}", response_url=running.slack.hook(f"p{n}"))

                def answered(_: object, step: int = step) -> bool:
                    return len(replies(n)) >= step

                running.slack.wait_for(answered, timeout=60)
            connected, projects, subscribed = replies(n)[:3]
            assert "Connected" in connected and f"Project of person {n}>*" in projects and "Subscribed" in subscribed
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(running.service.store.people.all()) == people
    assert len(running.service.subscriptions.all()) == people
    assert "locked" not in caplog.text


def test_digest_exactly_once_with_two_schedulers_on_one_database(
    fake_toggl: FakeToggl, service: Service, fake_slack: FakeSlack, database_url: str
) -> None:
    world = standard_world(fake_toggl)
    service.accounts.connect("T1", "U1", world["token"])
    for n in range(10):
        service.subscriptions.subscribe("T1", f"C{n}", "U1", cadence="daily", weekday=None, at_time="00:00", timezone="UTC")
    tomorrow = service.clock.now().date() + dt.timedelta(days=1)
    service.clock.set(dt.datetime.combine(tomorrow, dt.time(0, 30), dt.UTC))  # type: ignore[attr-defined]  # the tests' clock is a FrozenClock
    runners = [
        DigestRunner(
            Service(store, service.cipher, service.clients),
            SlackGateway(WebClient(token="xoxb-test", base_url=fake_slack.api_url)),
        )
        for store in [Store(database_url, clock=service.clock) for _ in range(2)]
    ]
    start = threading.Barrier(2)
    threads = [threading.Thread(target=lambda r=r: (start.wait(), r.run_due())) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    channels = sorted(c.body["channel"] for c in fake_slack.of("chat.postMessage"))
    assert channels == sorted(f"C{n}" for n in range(10))


def test_rotation_never_overwrites_a_token_reconnected_meanwhile(store: Store, clock: FrozenClock) -> None:
    """Found in review: rotate-key wrote back what it had read, over a token the person had just replaced."""
    old, new = Fernet.generate_key(), Fernet.generate_key()
    store.people.save("T1", "U1", token_ciphertext=TokenCipher([old]).encrypt("a" * 32), toggl_user_id=1,
                      toggl_name="x", workspace_id=1, timezone=None)  # fmt: skip
    (read,) = store.people.all()
    reconnected = TokenCipher([new]).encrypt("b" * 32)
    store.people.save("T1", "U1", token_ciphertext=reconnected, toggl_user_id=1, toggl_name="x", workspace_id=1,
                      timezone=None)  # fmt: skip  # the person reconnects while rotation runs
    rotated = TokenCipher([new, old]).rotate(read.token_ciphertext)
    assert store.people.replace_ciphertexts({("T1", "U1"): (read.token_ciphertext, rotated)}) == 0
    assert TokenCipher([new]).decrypt(store.people.get("T1", "U1").token_ciphertext) == "b" * 32  # type: ignore[union-attr]  # a None fails the test all the same
