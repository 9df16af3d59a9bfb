"""People who connected their Toggl account, with their token as ciphertext (this module never sees it in clear)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from bot.clock import Clock
from bot.store.engine import Database
from bot.store.schema import people


@dataclass(frozen=True)
class Person:
    """A Slack user who connected their Toggl account."""

    team_id: str
    user_id: str
    token_ciphertext: str = field(repr=False)
    token_valid: bool
    toggl_user_id: int | None
    toggl_name: str | None
    workspace_id: int | None
    timezone: str | None
    created_at: str
    updated_at: str


class People:
    """Reads and writes of `people`.

    >>> store.people.save("T1", "U1", token_ciphertext="gAAAA…", toggl_user_id=7, toggl_name="Ada",
    ...                   workspace_id=5, timezone="Europe/Berlin")  # doctest: +SKIP
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def save(
        self,
        team_id: str,
        user_id: str,
        *,
        token_ciphertext: str,
        toggl_user_id: int | None,
        toggl_name: str | None,
        workspace_id: int | None,
        timezone: str | None,
    ) -> Person:
        """Insert or replace a person's connection (a reconnect keeps `created_at` and revalidates); returns it."""
        now = self._clock.stamp()
        values = {
            "token_ciphertext": token_ciphertext,
            "token_valid": True,
            "toggl_user_id": toggl_user_id,
            "toggl_name": toggl_name,
            "workspace_id": workspace_id,
            "timezone": timezone,
            "updated_at": now,
        }
        statement = (
            self._db.insert(people)
            .values(team_id=team_id, user_id=user_id, created_at=now, **values)
            .on_conflict_do_update(index_elements=["team_id", "user_id"], set_=values)
            .returning(*people.c)
        )
        with self._db.write() as conn:
            return _person(conn.execute(statement).mappings().one())

    def get(self, team_id: str, user_id: str) -> Person | None:
        """The person, or None when they never connected (or disconnected)."""
        with self._db.read() as conn:
            row = conn.execute(sa.select(people).where(_is(team_id, user_id))).mappings().first()
        return _person(row) if row else None

    def set_workspace(self, team_id: str, user_id: str, workspace_id: int) -> None:
        """Make `workspace_id` the person's default for every later command."""
        self._update(team_id, user_id, workspace_id=workspace_id)

    def mark_token_invalid(self, team_id: str, user_id: str) -> None:
        """Remember that Toggl rejected the token, so we ask to reconnect instead of retrying it."""
        self._update(team_id, user_id, token_valid=False)

    def delete(self, team_id: str, user_id: str) -> bool:
        """Forget a person and their token; True when there was one to forget."""
        with self._db.write() as conn:
            return conn.execute(sa.delete(people).where(_is(team_id, user_id))).rowcount > 0

    def with_toggl_user(self, team_id: str, toggl_user_id: int) -> list[Person]:
        """The team's people connected as this Toggl user (a webhook delivery names the Toggl user only)."""
        with self._db.read() as conn:
            rows = conn.execute(
                sa.select(people).where(people.c.team_id == team_id, people.c.toggl_user_id == toggl_user_id)
            ).mappings()
            return [_person(row) for row in rows]

    def all(self) -> list[Person]:
        """Every connected person, for maintenance such as key rotation."""
        with self._db.read() as conn:
            rows = conn.execute(sa.select(people).order_by(people.c.team_id, people.c.user_id)).mappings()
            return [_person(row) for row in rows]

    def of_team(self, team_id: str) -> list[Person]:
        """Every connected person of one Slack workspace (to forget their tokens' traces when it uninstalls)."""
        with self._db.read() as conn:
            rows = conn.execute(sa.select(people).where(people.c.team_id == team_id).order_by(people.c.user_id)).mappings()
            return [_person(row) for row in rows]

    def sample(self, limit: int) -> list[Person]:
        """Up to `limit` people, newest connections first: enough to tell whether the key still fits."""
        with self._db.read() as conn:
            rows = conn.execute(sa.select(people).order_by(people.c.updated_at.desc()).limit(limit)).mappings()
            return [_person(row) for row in rows]

    def count(self) -> int:
        with self._db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(people)).scalar_one()

    def replace_ciphertexts(self, changes: dict[tuple[str, str], tuple[str, str]]) -> int:
        """Swap (old, new) ciphertexts in one transaction, as key rotation does; returns how many were swapped.

        A row whose ciphertext is no longer the old one (the person reconnected meanwhile) is left alone:
        its new token is already under the newest key.
        """
        swapped = 0
        with self._db.write() as conn:
            for (team_id, user_id), (old, new) in changes.items():
                statement = (
                    sa.update(people)
                    .where(_is(team_id, user_id), people.c.token_ciphertext == old)
                    .values(token_ciphertext=new)
                )
                swapped += conn.execute(statement).rowcount
        return swapped

    def _update(self, team_id: str, user_id: str, **values: object) -> None:
        with self._db.write() as conn:
            conn.execute(sa.update(people).where(_is(team_id, user_id)).values(**values, updated_at=self._clock.stamp()))


def _is(team_id: str, user_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(people.c.team_id == team_id, people.c.user_id == user_id)


def _person(row: sa.RowMapping) -> Person:
    return Person(**{**row, "token_valid": bool(row["token_valid"])})
