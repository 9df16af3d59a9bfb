"""Team posts (issue 21): a channel's post of everyone's tracked time, its slots, and each person's say.

One team post per channel, read with the token of the workspace admin who subscribed it (`user_id`).
Each post is a slot claimed as a lease (`bot.store.leases`), exactly as a digest's, so any number of
schedulers post it once. `team_prefs` keeps whether a person lets team posts mention them and nudge
them by DM: no row means no (off by default).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from bot.clock import Clock
from bot.slots import check_schedule
from bot.store.engine import Database
from bot.store.leases import Leases
from bot.store.schema import people, team_posts, team_prefs, team_slots


@dataclass(frozen=True)
class TeamPost:
    """When and where a team post goes, and whose Toggl data it reads."""

    id: int
    team_id: str
    channel_id: str
    user_id: str
    """The workspace admin who subscribed the channel: the post reads their token and says so."""
    workspace_id: int
    cadence: str
    """daily (the day before), weekdays (the workday before) or weekly (the week before, on `weekday`)."""
    weekday: int | None
    at_time: str
    timezone: str
    min_seconds: int | None
    """Under this much tracked time in the period covered a person is marked (and may be nudged); None: nobody."""
    paused_reason: str | None
    created_at: str
    updated_at: str
    last_lines: dict[str, str] = field(default_factory=dict)
    """What the last post said about each Toggl user (by id, as text): `team me` shows it."""


class TeamPosts:
    """Reads and writes of `team_posts`, `team_slots` and `team_prefs`.

    >>> store.team.subscribe("T1", "C1", "U1", workspace_id=5, cadence="weekdays", weekday=None,
    ...                      at_time="09:00", timezone="Europe/Berlin", min_seconds=4 * 3600)  # doctest: +SKIP
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self.leases = Leases(db, clock, team_slots, "post_id")
        """Claim, renew, finish, skip or abandon a slot: the right to post a team post once, shared by every runner."""

    def subscribe(
        self,
        team_id: str,
        channel_id: str,
        user_id: str,
        *,
        workspace_id: int,
        cadence: str,
        weekday: int | None,
        at_time: str,
        timezone: str,
        min_seconds: int | None,
    ) -> TeamPost:
        """Start the channel's team post, or change it (it is then the asker's, and resumed); raises
        `ScheduleError` for a schedule that cannot run."""
        check_schedule(cadence, weekday, at_time, timezone)
        now = self._clock.stamp()
        values = {
            "user_id": user_id,
            "workspace_id": workspace_id,
            "cadence": cadence,
            "weekday": weekday,
            "at_time": at_time,
            "timezone": timezone,
            "min_seconds": min_seconds,
        }
        statement = (
            self._db.insert(team_posts)
            .values(team_id=team_id, channel_id=channel_id, created_at=now, updated_at=now, **values)
            .on_conflict_do_update(
                index_elements=["team_id", "channel_id"], set_={**values, "paused_reason": None, "updated_at": now}
            )
            .returning(*team_posts.c)
        )
        with self._db.write() as conn:
            return _post(conn.execute(statement).mappings().one())

    def of_channel(self, team_id: str, channel_id: str) -> TeamPost | None:
        found = self._all(sa.and_(team_posts.c.team_id == team_id, team_posts.c.channel_id == channel_id))
        return found[0] if found else None

    def of_person(self, team_id: str, user_id: str) -> list[TeamPost]:
        """The team posts this person subscribed (the Home tab lists them)."""
        return self._all(sa.and_(team_posts.c.team_id == team_id, team_posts.c.user_id == user_id))

    def of_team(self, team_id: str) -> list[TeamPost]:
        return self._all(team_posts.c.team_id == team_id)

    def by_id(self, post_id: int, team_id: str) -> TeamPost | None:
        found = self._all(sa.and_(team_posts.c.id == post_id, team_posts.c.team_id == team_id))
        return found[0] if found else None

    def all(self) -> list[TeamPost]:
        return self._all(sa.true())

    def delete(self, post_id: int) -> bool:
        """Stop a team post; True when there was one. Its slots go with it."""
        with self._db.write() as conn:
            conn.execute(sa.delete(team_slots).where(team_slots.c.post_id == post_id))
            return conn.execute(sa.delete(team_posts).where(team_posts.c.id == post_id)).rowcount > 0

    def pause(self, post_id: int, reason: str | None) -> bool:
        """Pause one post (or resume it, with None); True when it was not paused before (so the caller tells
        the channel once)."""
        with self._db.write() as conn:
            result = conn.execute(
                sa.update(team_posts)
                .where(team_posts.c.id == post_id, team_posts.c.paused_reason.is_(None) if reason else sa.true())
                .values(paused_reason=reason, updated_at=self._clock.stamp())
            )
            return result.rowcount > 0

    def resume_of(self, team_id: str, user_id: str) -> int:
        """Resume every team post of a person who connected again."""
        with self._db.write() as conn:
            return conn.execute(
                sa.update(team_posts)
                .where(team_posts.c.team_id == team_id, team_posts.c.user_id == user_id)
                .values(paused_reason=None, updated_at=self._clock.stamp())
            ).rowcount

    def keep_lines(self, post_id: int, lines: dict[str, str]) -> None:
        """Keep what a post said about each Toggl user, for `team me`."""
        with self._db.write() as conn:
            conn.execute(sa.update(team_posts).where(team_posts.c.id == post_id).values(last_lines=json.dumps(lines)))

    # -- each person's say ---------------------------------------------------------------------------

    def set_nudge(self, team_id: str, user_id: str, on: bool) -> None:
        """Let team posts mention this person and nudge them by DM (on), or not (off)."""
        statement = (
            self._db.insert(team_prefs)
            .values(team_id=team_id, user_id=user_id, nudge=on, updated_at=self._clock.stamp())
            .on_conflict_do_update(
                index_elements=["team_id", "user_id"], set_={"nudge": on, "updated_at": self._clock.stamp()}
            )
        )
        with self._db.write() as conn:
            conn.execute(statement)

    def nudge_of(self, team_id: str, user_id: str) -> bool:
        """Whether the person said yes (no row: no)."""
        return user_id in self.nudged(team_id)

    def nudged(self, team_id: str) -> set[str]:
        """The Slack people of a team who let team posts mention and nudge them."""
        with self._db.read() as conn:
            query = sa.select(team_prefs.c.user_id).where(team_prefs.c.team_id == team_id, team_prefs.c.nudge.is_(True))
            return {row[0] for row in conn.execute(query)}

    def connected(self, team_id: str) -> dict[int, tuple[str, bool]]:
        """Toggl user id -> (Slack user id, whether they let team posts mention and nudge them), for the people of
        a Slack team who connected: the only way a Toggl person is known as a Slack person (no new Slack scope)."""
        query = (
            sa.select(people.c.toggl_user_id, people.c.user_id, team_prefs.c.nudge)
            .select_from(
                people.outerjoin(
                    team_prefs, sa.and_(team_prefs.c.team_id == people.c.team_id, team_prefs.c.user_id == people.c.user_id)
                )
            )
            .where(people.c.team_id == team_id, people.c.toggl_user_id.is_not(None))
            .order_by(people.c.created_at)
        )
        found: dict[int, tuple[str, bool]] = {}
        with self._db.read() as conn:
            for toggl_id, user_id, nudge in conn.execute(query):
                found.setdefault(int(toggl_id), (user_id, bool(nudge)))
        return found

    def _all(self, where: sa.ColumnElement[bool]) -> list[TeamPost]:
        with self._db.read() as conn:
            rows = conn.execute(sa.select(team_posts).where(where).order_by(team_posts.c.id)).mappings()
            return [_post(row) for row in rows]


def _post(row: sa.RowMapping) -> TeamPost:
    values = dict(row)
    raw = values.pop("last_lines", None)
    try:
        lines = json.loads(raw) if raw else {}
    except ValueError:
        lines = {}
    return TeamPost(**values, last_lines=lines if isinstance(lines, dict) else {})
