"""What the app remembers about Slack itself: workspaces whose bot Slack refuses, and where a form's
confirmation goes. Shared by every instance, like the rest of the store."""

from __future__ import annotations

import sqlalchemy as sa

from bot.clock import Clock
from bot.store.engine import Database
from bot.store.schema import bot_refusals, reply_targets

RECHECK_SECONDS = 600
"""How long a refused bot is left alone before one call tries it again."""
REPLY_TARGET_SECONDS = 30 * 60
"""Slack's `response_url` takes posts for 30 minutes."""


class SlackState:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- a bot Slack refuses ------------------------------------------------------------------------

    def refused(self, team_id: str, error: str) -> bool:
        """Record that Slack refuses the team's bot token; True the first time (the caller logs it once)."""
        now = self._clock.time()
        statement = (
            self._db.insert(bot_refusals)
            .values(team_id=team_id, error=error[:64], since=now, checked_at=now)
            .on_conflict_do_nothing(index_elements=["team_id"])
            .returning(bot_refusals.c.team_id)
        )
        with self._db.write() as conn:
            first = conn.execute(statement).first() is not None
            if not first:
                conn.execute(sa.update(bot_refusals).where(bot_refusals.c.team_id == team_id).values(checked_at=now))
        return first

    def accepted(self, team_id: str) -> bool:
        """Slack took a call with the team's bot token again; True when it had been refused."""
        with self._db.read() as conn:
            known = conn.execute(sa.select(bot_refusals.c.team_id).where(bot_refusals.c.team_id == team_id)).first()
        if known is None:
            return False
        with self._db.write() as conn:
            return conn.execute(sa.delete(bot_refusals).where(bot_refusals.c.team_id == team_id)).rowcount > 0

    def hold(self, team_id: str) -> str | None:
        """Slack's refusal, when calls for this team should not be made now; None when one may go ahead.

        While a team is refused, one call in `RECHECK_SECONDS` is let through to see whether Slack
        accepts the bot again (the workspace reinstalled it, or its account came back).
        """
        now = self._clock.time()
        with self._db.read() as conn:
            row = conn.execute(sa.select(bot_refusals).where(bot_refusals.c.team_id == team_id)).first()
        if row is None:
            return None
        if now - row.checked_at < RECHECK_SECONDS:
            return str(row.error)
        with self._db.write() as conn:
            claimed = conn.execute(
                sa.update(bot_refusals)
                .where(bot_refusals.c.team_id == team_id, bot_refusals.c.checked_at == row.checked_at)
                .values(checked_at=now)
            ).rowcount
        return None if claimed else str(row.error)

    def refusals(self) -> dict[str, str]:
        with self._db.read() as conn:
            return {row.team_id: row.error for row in conn.execute(sa.select(bot_refusals))}

    # -- where a form's confirmation goes ----------------------------------------------------------

    def keep_reply_target(self, view_id: str, team_id: str, user_id: str, response_url: str) -> None:
        """Remember the `response_url` of the command or button that opened form `view_id`."""
        now = self._clock.time()
        with self._db.write() as conn:
            conn.execute(sa.delete(reply_targets).where(reply_targets.c.created_at < now - REPLY_TARGET_SECONDS))
            conn.execute(
                sa.insert(reply_targets).values(
                    view_id=view_id, team_id=team_id, user_id=user_id, response_url=response_url, created_at=now
                )
            )

    def take_reply_target(self, view_id: str, team_id: str, user_id: str) -> str | None:
        """The `response_url` kept for this form and person (then forgotten), or None."""
        where = sa.and_(
            reply_targets.c.view_id == view_id, reply_targets.c.team_id == team_id, reply_targets.c.user_id == user_id
        )
        with self._db.write() as conn:
            url = conn.execute(sa.select(reply_targets.c.response_url, reply_targets.c.created_at).where(where)).first()
            conn.execute(sa.delete(reply_targets).where(where))
        if url is None or self._clock.time() - url.created_at > REPLY_TARGET_SECONDS:
            return None
        return str(url.response_url)
