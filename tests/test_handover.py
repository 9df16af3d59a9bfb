"""An acknowledged request is answered even when the instance that acknowledged it dies (issue 17).

Finding: `kill -9` of an instance while Toggl was slow left its acknowledged commands unanswered for good.
Now each is held in the database, encrypted, under a lease its instance renews; another instance takes over
what a dead one held and answers it there: read-only words again, words that write with the honest "cannot
tell whether it was done".
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.handover import ANSWER_WITHIN, Handover, Request, Taken, answer_again
from bot.identity import Asker
from bot.service import Service
from bot.store import MEMORY_URL, Store
from bot.store.held import HeldAnswers
from bot.store.schema import held_answers
from tests.blockkit import all_text, assert_valid_message
from tests.fakes.server import free_port, wait_healthy
from tests.fakes.signing import SlackSender
from tests.fakes.slack import FakeSlack
from tests.fakes.toggl import FakeToggl, standard_world
from tests.test_instances import environment

TOKEN = "feedc0de" * 4
ASKER = Asker(team_id="T1", user_id="U1", channel_id="C1")


def handovers(store: Store, cipher: TokenCipher, clock: FrozenClock, count: int) -> list[Handover]:
    held = HeldAnswers(store.db, clock)
    return [Handover(held, cipher, lease_seconds=30) for _ in range(count)]


def test_a_held_request_is_encrypted_and_taken_over_by_one_instance_once_its_lease_runs_out(
    store: Store, cipher: TokenCipher, clock: FrozenClock
) -> None:
    dead, second, third = handovers(store, cipher, clock, 3)
    url = "http://127.0.0.1:9/hooks/only-for-this-person"
    held_id = dead.hold(ASKER, Request(f"connect {TOKEN} & <b>", "respond", "C1", url))
    assert held_id is not None
    with store.db.read() as conn:
        (row,) = conn.execute(sa.select(held_answers)).mappings()
    assert not any(secret in str(dict(row)) for secret in (TOKEN, "only-for-this-person", "connect"))

    assert second.take_over() == [] and third.take_over() == []  # its lease is live
    clock.advance(seconds=59)
    assert second.take_over() == []  # run out, but not by a whole lease: its instance may be riding out an outage
    clock.advance(seconds=2)
    taken = second.take_over() + third.take_over()
    assert len(taken) == 1
    (one,) = taken
    assert (one.id, one.request.text, one.request.response_url) == (held_id, "connect [token] & <b>", url)
    assert (one.asker.team_id, one.asker.user_id, one.asker.channel_id) == ("T1", "U1", "C1")
    assert one.attempts == 2 and one.age == pytest.approx(61)
    assert "only-for-this-person" not in repr(one)

    second.done(one.id)
    clock.advance(seconds=100)
    assert third.take_over() == []  # answered: gone


def test_a_live_instance_keeps_its_requests_even_through_a_short_outage_and_a_dead_ones_are_taken(
    store: Store, cipher: TokenCipher, clock: FrozenClock
) -> None:
    alive, other = handovers(store, cipher, clock, 2)
    alive.hold(ASKER, Request("projects", "respond", "C1", "http://127.0.0.1:9/hooks/p"))
    for _ in range(6):  # two minutes of renewing every 20 s, with a 30 s lease
        clock.advance(seconds=20)
        alive.renew()
        assert other.take_over() == []
    clock.advance(seconds=50)  # 50 s without a renewal (a database outage): still its own
    assert other.take_over() == []
    alive.renew()
    clock.advance(seconds=61)  # then it died
    assert [taken.request.text for taken in other.take_over()] == ["projects"]


def test_a_request_this_instance_cannot_read_is_left_to_one_that_can(
    store: Store, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    """During a key rotation an instance without the new key took a request it could not decrypt, and deleted it."""
    from cryptography.fernet import Fernet

    old_key, new_key = Fernet.generate_key(), Fernet.generate_key()
    (writer,) = handovers(store, TokenCipher([new_key, old_key]), clock, 1)
    (stale,) = handovers(store, TokenCipher([old_key]), clock, 1)
    (fresh,) = handovers(store, TokenCipher([new_key]), clock, 1)
    writer.hold(ASKER, Request("projects", "respond", "C1", "http://127.0.0.1:9/hooks/p"))
    clock.advance(seconds=61)
    assert stale.take_over() == []
    assert "left to an instance that can" in caplog.text
    (taken,) = fresh.take_over()
    assert taken.request.text == "projects" and taken.attempts == 2


def test_a_database_that_refuses_the_hold_still_lets_the_request_be_answered(
    cipher: TokenCipher, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(MEMORY_URL, clock=clock)  # never migrated: the table is missing
    (handover,) = handovers(store, cipher, clock, 1)
    assert handover.hold(ASKER, Request("projects", "respond")) is None
    assert "Could not hold a request" in caplog.text
    handover.done(None)


def taken(text: str, *, age: float = 40.0, attempts: int = 2) -> Taken:
    return Taken("h1", ASKER, Request(text, "respond", "C1", "http://127.0.0.1:9/hooks/x"), age=age, attempts=attempts)


def test_words_that_only_read_are_answered_again_and_words_that_write_are_not_repeated(service: Service) -> None:
    (again,) = answer_again(taken("help"), service).messages
    assert "connect" in all_text(again) and "restarted" not in all_text(again)
    (write,) = answer_again(taken("start Design <b> & co"), service).messages
    text = all_text(write)
    assert "cannot tell whether it was done" in text and "`start Design &lt;b&gt; &amp; co`" in text
    (late,) = answer_again(taken("projects", age=ANSWER_WITHIN + 1), service).messages
    assert "could not answer in time" in all_text(late)
    (tried,) = answer_again(taken("projects", attempts=4), service).messages
    assert "could not answer in time" in all_text(tried)
    for message in (again, write, late, tried):
        assert_valid_message(message)


COMMANDS = 6


def test_commands_acknowledged_by_an_instance_killed_with_sigkill_are_answered_by_the_other(
    database_url: str, fake_toggl: FakeToggl, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    world = standard_world(fake_toggl, projects=5)
    processes, logs, urls = [], [], []
    try:
        for n in range(2):
            port = free_port()
            env = environment(database_url, fake_toggl, fake_slack, PORT=str(port), HANDOVER_LEASE_SECONDS="2")
            logs.append(open(tmp_path / f"web{n}.log", "w+"))  # noqa: SIM115 (closed below)
            command = [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--host", "127.0.0.1"]
            processes.append(subprocess.Popen(command, cwd=tmp_path, env=env, stdout=logs[n], stderr=logs[n]))
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            assert wait_healthy(url), "toggl-bot serve did not start"
        doomed = SlackSender(urls[0] + "/slack/events", fake_slack.hook())
        doomed.command(f"connect {world['token']}", response_url=fake_slack.hook("connect"))
        fake_slack.wait_for_calls("/hooks/connect", timeout=20)

        fake_toggl.fail("/projects", kind="slow", delay=60, times=COMMANDS)  # the doomed instance's answers hang
        for n in range(COMMANDS):
            assert doomed.command("projects", response_url=fake_slack.hook(f"p{n}")).status_code == 200
        assert doomed.command("start Design", response_url=fake_slack.hook("start")).status_code == 200
        deadline = time.monotonic() + 20
        while fake_toggl.count("/projects") < COMMANDS and time.monotonic() < deadline:
            time.sleep(0.05)
        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait(timeout=10)
        with fake_toggl.lock:
            fake_toggl.faults.clear()

        for n in range(COMMANDS):
            (answer,) = [call.body for call in fake_slack.wait_for_calls(f"/hooks/p{n}", timeout=30)]
            assert "Website redesign" in all_text(answer) and answer.get("response_type") == "ephemeral"
        # Killed between delivering its answer and releasing its hold, the doomed instance has answered `start` and
        # the survivor answers again that it cannot tell: two answers then, never two timers.
        fake_slack.wait_for_calls("/hooks/start", timeout=30)
        said = [all_text(call.body) for call in fake_slack.of("/hooks/start")]
        assert 1 <= len(said) <= 2 and sum("Started" in text for text in said) <= 1
        assert all("cannot tell whether it was done" in text or "Started" in text for text in said)
        starts = [
            r
            for r in fake_toggl.requests
            if r.method == "POST" and r.path == f"/api/v9/workspaces/{world['wid']}/time_entries"
        ]
        assert len(starts) <= 1  # never started twice
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for log in logs:
            log.close()
    survivor = (tmp_path / "web1.log").read_text()
    assert "Took over" in survivor and "Traceback" not in survivor
    assert TOKEN not in survivor and world["token"] not in survivor


def test_an_answer_slack_cannot_take_releases_its_hold_instead_of_holding_it_for_ever(
    service: Service, cipher: TokenCipher, clock: FrozenClock
) -> None:
    """A taken-over request of a workspace that uninstalled the app: its client raised `NotInstalled`, which escaped
    the delivery, so the hold was renewed for as long as the instance ran and taken over again after each restart."""
    from bot.answers import Reply
    from bot.slack import NotInstalled
    from bot.views.common import notice
    from bot.work import WorkPool
    from handlers.deps import Deps

    held = HeldAnswers(service.database, clock)
    mine, other = Handover(held, cipher, lease_seconds=30), Handover(held, cipher, lease_seconds=30)
    deps = Deps(service, WorkPool(workers=1), WorkPool(workers=1), handover=mine)
    held_id = deps.hold(ASKER, Request("projects", "dm", "D1"))
    assert held_id is not None

    def uninstalled(_message: object) -> None:
        raise NotInstalled("T1")

    deps.later(lambda: Reply([notice("your projects")]), uninstalled, team_id="T1", held=held_id)
    assert deps.pool.wait_idle(timeout=10)
    clock.advance(seconds=120)
    assert other.take_over() == []  # released, not left for ever


def test_the_door_holds_a_slash_command_in_the_one_commit_that_claims_its_signature(
    service: Service, cipher: TokenCipher, clock: FrozenClock, fake_slack: FakeSlack, fake_toggl: FakeToggl
) -> None:
    """Issue 23: an ack waited for two commits, the signature's and then the hold's, each queued behind the
    others of a burst. The door now writes both in one transaction, and a replay writes no second hold."""
    from bot.app import create_app
    from bot.doors import wsgi_app
    from bot.work import WorkPool
    from tests.fakes.app import settings_for
    from tests.fakes.server import WSGILoopback
    from tests.fakes.signing import signed_headers

    handover = Handover(HeldAnswers(service.database, clock), cipher, lease_seconds=30)
    pool, side = WorkPool(workers=1), WorkPool(workers=1)
    gate = threading.Event()
    pool.submit(gate.wait, 30)  # the answers wait behind it: the only writes are the ack's own
    settings = settings_for(fake_slack, fake_toggl, service.database.url.render_as_string(hide_password=False))
    app = create_app(settings, service=service, pool=pool, side=side, handover=handover)
    commits: list[str] = []
    for engine in service.database.engines:
        sa.event.listen(engine, "commit", lambda _conn: commits.append(threading.current_thread().name))
    try:
        with WSGILoopback(wsgi_app(app, service, settings, handover=handover)) as server:
            sender = SlackSender(server.url + "/slack/events", fake_slack.hook("door"))
            body = sender.command_body(f"projects {TOKEN}")
            headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)}
            assert requests.post(sender.url, data=body, headers=headers, timeout=10).status_code == 200
            assert len([name for name in commits if "process_request" in name]) == 1  # the ack's thread
            with service.database.read() as conn:
                (row,) = conn.execute(sa.select(held_answers)).all()
            assert row.user_id == "U1" and TOKEN not in cipher.decrypt(row.request_ciphertext)

            replay = requests.post(sender.url, data=body, headers=headers, timeout=10)
            assert replay.status_code == 200 and replay.text == ""
            with service.database.read() as conn:
                assert conn.execute(sa.select(sa.func.count()).select_from(held_answers)).scalar() == 1

            # A form answers `connect` without a token: no listener takes the door's hold, so the door lets it go.
            assert sender.command("connect").status_code == 200
            with service.database.read() as conn:
                assert conn.execute(sa.select(held_answers.c.id)).scalars().all() == [row.id]
    finally:
        gate.set()
        pool.shutdown(wait=True)
        side.shutdown(wait=True)


def test_a_command_bolt_refuses_before_its_listener_leaves_no_hold_behind(
    service: Service,
    cipher: TokenCipher,
    clock: FrozenClock,
    fake_slack: FakeSlack,
    fake_toggl: FakeToggl,
    database_url: str,
) -> None:
    """OAuth mode, a workspace without an installation: Bolt's authorize answers "no longer installed" and the
    `/toggl` listener never runs. The door has already written a hold with the signature; nobody releases it, this
    instance renews it for ever, and on the next deploy another instance takes it over and answers it."""

    from bot.app import create_app
    from bot.doors import wsgi_app
    from bot.work import WorkPool
    from tests.fakes.app import oauth_settings_for
    from tests.fakes.server import WSGILoopback

    settings = oauth_settings_for(fake_slack, fake_toggl, database_url)
    held = HeldAnswers(service.database, clock)
    handover, other = Handover(held, cipher, lease_seconds=30), Handover(held, cipher, lease_seconds=30)
    pool, side = WorkPool(workers=2), WorkPool(workers=2)
    app = create_app(settings, service=service, pool=pool, side=side, handover=handover)
    try:
        with WSGILoopback(wsgi_app(app, service, settings, handover=handover)) as server:
            send = SlackSender(server.url + "/slack/events", fake_slack.hook("hook-T9"), team_id="T9")
            assert send.command("help").status_code in (200, 401)
            (reply,) = fake_slack.wait_for_calls("/hooks/hook-T9")
            assert "no longer installed" in reply.body["text"]
            assert pool.wait_idle(timeout=10) and side.wait_idle(timeout=10)
        with service.database.read() as conn:
            left = conn.execute(sa.select(held_answers.c.id)).scalars().all()
        clock.advance(seconds=120)  # this instance died (a deploy): its holds' leases run out
        taken = other.take_over()
        assert left == [] and taken == [], f"leaked hold {left}; taken over by another instance: {taken}"
    finally:
        pool.shutdown(wait=True)
        side.shutdown(wait=True)
