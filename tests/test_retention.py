"""What the privacy page promises: uninstalling (or `toggl-bot forget`) leaves nothing of a workspace or a person,
and what is kept only for a while is deleted when its time is up (bot/store/retention.py).

"Nothing is left" is checked over every table of the migrated database that has a `team_id` column, found by
reflection: a table added later is filled with a row of its own and checked without a change here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from bot.clock import FrozenClock
from bot.crypto import TokenCipher
from bot.service import Service
from bot.store import Store
from bot.store.retention import CACHE_KEEP_SECONDS, CHILDREN, owned_tables
from bot.toggl import TogglClients
from tests.fakes.app import Running
from tests.fakes.toggl import FakeToggl, standard_world
from tests.test_cli import run

_unique = itertools.count(1)


def reflected(store: Store) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    with store.db.read() as conn:
        metadata.reflect(conn)
    return dict(metadata.tables)


def filler(column: sa.Column[Any], team_id: str, user_id: str) -> Any:
    """A value any column of ours takes: the owner's ids, else something of the column's type."""
    if column.name == "team_id":
        return team_id
    if column.name == "user_id":
        return user_id
    kind = column.type.python_type
    if kind is bool:
        return False
    if kind is int:
        return next(_unique)
    if kind is float:
        return 0.0
    if kind is dt.datetime:
        return dt.datetime(2026, 1, 1)
    return f"x{next(_unique)}"


def fill_the_rest(store: Store, team_id: str, user_id: str) -> list[str]:
    """A row for `team_id`/`user_id` in every table with a `team_id` column that has none of theirs yet: tables no
    feature below filled (or added after this test was written) are checked all the same. Returns their names."""
    filled = []
    with store.db.write() as conn:
        for table in reflected(store).values():
            if "team_id" not in table.c:
                continue
            mine = table.c.team_id == team_id
            if "user_id" in table.c:
                mine = sa.and_(mine, table.c.user_id == user_id)
            if conn.execute(sa.select(sa.func.count()).select_from(table).where(mine)).scalar_one():
                continue
            single_id = len(table.primary_key.columns) == 1
            row = {
                column.name: filler(column, team_id, user_id)
                for column in table.c
                if not column.nullable or column.primary_key or column.name in ("team_id", "user_id")
                if not (single_id and column.primary_key and column.type.python_type is int)  # autoincrement
            }
            conn.execute(sa.insert(table).values(**row))
            filled.append(table.name)
    return filled


def rows_of(store: Store, team_id: str, user_id: str | None = None) -> dict[str, int]:
    """Rows naming the team (and the user) in every table of the database that has such columns."""
    found = {}
    with store.db.read() as conn:
        for table in reflected(store).values():
            if "team_id" not in table.c or (user_id is not None and "user_id" not in table.c):
                continue
            if user_id is not None and table.name == "slack_installations":
                continue  # who installed the app: the workspace's record, kept until the workspace uninstalls
            where = table.c.team_id == team_id
            if user_id is not None:
                where = sa.and_(where, table.c.user_id == user_id)
            found[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
    return found


def orphans(store: Store) -> dict[str, int]:
    """Rows of a child table (a digest's slots) whose parent row is gone."""
    found = {}
    with store.db.read() as conn:
        for child, parent in CHILDREN:
            alive = sa.select(parent)
            statement = sa.select(sa.func.count()).select_from(child.table).where(child.not_in(alive))
            found[child.table.name] = conn.execute(statement).scalar_one()
    return found


def live_in(service: Service, team_id: str, user_id: str, token: str) -> None:
    """Use the app as a person does: connect, read projects (a cached copy and a quota reading), subscribe a
    channel to a digest and have a slot claimed, opt in to a weekly summary and have a slot claimed."""
    service.accounts.connect(team_id, user_id, token)
    store = service.store
    daily: dict[str, Any] = {"cadence": "daily", "weekday": None, "at_time": "09:00", "timezone": "UTC"}
    sub = store.subscriptions.subscribe(team_id, "C1", user_id, **daily)
    assert store.subscriptions.leases.claim(sub.id, "2026-01-05T09:00Z", "runner", 60)
    mine = store.personal.set(team_id, user_id, "summary", cadence="weekly", weekday=0, at_time="09:00", timezone="UTC")
    assert store.personal.leases.claim(mine.id, "2026-01-05T09:00Z", "runner", 60)
    store.slack.keep_reply_target(f"V-{team_id}-{user_id}", team_id, user_id, "https://hooks.slack.test/r")
    store.slack.refused(team_id, "account_inactive")


def test_uninstall_leaves_nothing_of_the_workspace_in_any_table(running: Running, fake_toggl: FakeToggl) -> None:
    service, store = running.service, running.service.store
    world = standard_world(fake_toggl)
    other = fake_toggl.add_person("f" * 32, name="Grace")
    for team_id, user_id, token in (("T1", "U1", world["token"]), ("T1", "U2", other.token), ("T2", "U1", world["token"])):
        live_in(service, team_id, user_id, token)
    assert running.send.command("projects").status_code == 200  # a copy of Ada's projects, as a command makes it
    running.slack.wait_for_calls("/hooks/r1")
    running.settle()
    filled = fill_the_rest(store, "T1", "U1") + fill_the_rest(store, "T2", "U1")
    assert {"slack_installations", "slack_bots", "held_answers"} <= set(filled)  # what no step above made
    assert all(rows_of(store, "T1").values()), rows_of(store, "T1")  # every table holds something of T1's
    keys = {TogglClients.key_of(world["token"]), TogglClients.key_of(other.token)}
    assert store.cache.quota(TogglClients.key_of(world["token"])) is not None

    assert running.send.event({"type": "app_uninstalled"}, event_id="Ev-gone").status_code == 200

    assert rows_of(store, "T1") == dict.fromkeys(rows_of(store, "T1"), 0)
    assert orphans(store) == dict.fromkeys(orphans(store), 0)
    assert all(store.cache.quota(key) is None for key in keys - {TogglClients.key_of(world["token"])})
    assert all(rows_of(store, "T2").values())  # another workspace, the same person in it: untouched


def test_a_revoked_bot_token_forgets_the_workspace_too(running: Running, fake_toggl: FakeToggl) -> None:
    store = running.service.store
    live_in(running.service, "T1", "U1", standard_world(fake_toggl)["token"])
    fill_the_rest(store, "T1", "U1")
    running.send.event({"type": "tokens_revoked", "tokens": {"bot": ["B1"]}}, event_id="Ev-rev")
    assert sum(rows_of(store, "T1").values()) == 0


def test_every_table_with_a_team_is_one_that_forgetting_empties(store: Store) -> None:
    """The tables `forget` walks are those of `schema.metadata` with a `team_id`; the database has no other such
    table of ours (Slack's installation tables are listed in `SLACK_TEAM_TABLES`)."""
    ours = {table.name for table in owned_tables()}
    in_database = {name for name, table in reflected(store).items() if "team_id" in table.c}
    assert in_database - ours == {"slack_installations", "slack_bots"}


def test_forget_a_person_by_hand_leaves_their_colleagues(tmp_path: Path, fake_toggl: FakeToggl, clock: FrozenClock) -> None:
    database, key = f"sqlite:///{tmp_path / 'bot.db'}", Fernet.generate_key()
    store = Store(database, clock=clock)
    store.migrate()
    service = Service(store, TokenCipher([key]), TogglClients(fake_toggl.url, clock=clock))
    world = standard_world(fake_toggl)
    grace = fake_toggl.add_person("e" * 32, name="Grace")
    live_in(service, "T1", "U1", world["token"])
    live_in(service, "T1", "U2", grace.token)
    live_in(service, "T2", "U1", world["token"])
    fill_the_rest(store, "T1", "U1")
    fill_the_rest(store, "T1", "U2")
    env = {"DATABASE_URL": database, "TOKEN_ENCRYPTION_KEY": key.decode(), "TOGGL_API_URL": fake_toggl.url}

    told = run(["forget", "--user", "U1", "--team", "T1"], tmp_path, **env)
    assert told.returncode == 0, told.stderr
    assert told.stdout.startswith("Forgot user U1 in team T1: ") and "people: 1 row" in told.stdout
    assert sum(rows_of(store, "T1", "U1").values()) == 0
    assert all(rows_of(store, "T1", "U2").values())
    assert store.people.get("T2", "U1") is not None
    assert orphans(store) == dict.fromkeys(orphans(store), 0)

    assert run(["forget", "--user", "U1"], tmp_path, **env).returncode == 0  # every workspace
    assert store.people.get("T2", "U1") is None

    whole = run(["forget", "--team", "T1"], tmp_path, **env)
    assert whole.returncode == 0 and "Forgot team T1" in whole.stdout
    assert sum(rows_of(store, "T1").values()) == 0
    nobody = run(["forget"], tmp_path, **env)
    assert nobody.returncode == 2 and "--team" in nobody.stderr
    store.db.dispose()


# -- keeping times -----------------------------------------------------------------------------------------


@pytest.fixture
def used(service: Service, fake_toggl: FakeToggl, clock: FrozenClock) -> dict:
    """Ada connected, read her projects once (a copy), and was greeted; Grace did the same 13 days later."""
    world = standard_world(fake_toggl)
    service.accounts.connect("T1", "U1", world["token"])
    service.accounts.first_visit("T1", "U1")
    store = service.store
    store.cache.put_doc("T1", "U1", "projects-page", "[]", clock.time())
    store.seen.first_time("sig:one")
    store.slack.keep_reply_target("V1", "T1", "U1", "https://hooks.slack.test/r")
    return world


def test_a_copy_of_toggl_data_is_deleted_two_weeks_after_its_last_fetch(
    service: Service, used: dict, clock: FrozenClock, fake_toggl: FakeToggl
) -> None:
    store = service.store
    start = clock.now()
    clock.set(start + dt.timedelta(days=13))
    grace = fake_toggl.add_person("d" * 32, name="Grace")
    service.accounts.connect("T1", "U2", grace.token)
    clock.set(start + dt.timedelta(seconds=CACHE_KEEP_SECONDS + 60))
    pruned = store.retention.prune()
    assert pruned["cache_docs"] >= 2 and pruned["seen_requests"] == 1 and pruned["reply_targets"] == 1
    assert store.cache.doc("T1", "U1", "projects-page") is None and store.cache.doc("T1", "U1", "me") is None
    assert store.cache.doc("T1", "U1", "welcomed") is not None  # not Toggl data: kept until Ada is forgotten
    assert store.cache.doc("T1", "U2", "me") is not None  # fetched 13 days ago, so a day to go
    assert store.people.get("T1", "U1") is not None  # a connection is kept until disconnect or uninstall
    assert store.retention.prune() == {}


def test_pruning_runs_at_most_hourly_from_the_scheduler(service: Service, used: dict, clock: FrozenClock) -> None:
    retention = service.store.retention
    clock.set(clock.now() + dt.timedelta(days=15))
    assert retention.run_due() != []
    assert retention.run_due() == []
    clock.set(clock.now() + dt.timedelta(minutes=61))
    assert retention.run_due() == [{}]
