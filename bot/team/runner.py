"""Posts the team posts that are due, then nudges: each slot claimed as a lease first (a `Job` of `bot.scheduled`),
so any number of schedulers, a restart, or `digest run` twice post each one once.

After the post (past its point of no return) come the thread with everyone, when the post folds, and the
nudges: a DM to each person under the minimum on a workday who connected and said `team nudge on`. They
follow the post in the same run, so they too go at most once; a runner killed between the post and its
nudges leaves those nudges unsent, never sent twice.

The admin's token gone (disconnected) or refused by Toggl pauses the post and tells the channel once;
connecting again resumes it. One post failing never stops the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot import toggl
from bot.identity import Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.scheduled import GRACE, LEASE_SECONDS, Claims, Due, Job
from bot.service import Service
from bot.slack import CANNOT_POST, NotInstalled, SlackGateway, describe, error_code
from bot.slots import zone
from bot.store.team import TeamPost
from bot.team import views
from bot.team.compose import TeamReport, team_report
from bot.team.manage import PERIOD_KEY
from bot.team.period import covered
from bot.views.common import Message, notice
from bot.views.errors import toggl_error_message

log = logging.getLogger(__name__)

AT_ONCE = 16
"""Team posts worked out at once (each is one or two Toggl requests on its own admin's token)."""
NOT_CONNECTED = "the admin who set it up is no longer connected to Toggl"
TOKEN_REJECTED = "Toggl no longer accepts the token of the admin who set it up"


@dataclass(frozen=True)
class TeamOutcome:
    post_id: int
    channel_id: str
    status: str
    """posted, failed, paused, skipped (missed by more than the grace), lost, retry, left, or uncertain."""
    detail: str = ""
    nudged: int = 0


class TeamRunner(Job[TeamPost, TeamOutcome]):
    """Posts due team posts against the store, Toggl and Slack (claimed by `bot.scheduled`)."""

    def __init__(
        self, service: Service, slack: SlackGateway, *, grace: dt.timedelta = GRACE, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self.service = service
        self.team = service.team
        self.slack = slack
        self.claims = Claims(
            self.team.leases, service.schedule_clock, grace=grace, lease_seconds=lease_seconds, logger=log, kind="team"
        )

    def __repr__(self) -> str:
        return f"TeamRunner({self.claims.owner!r})"

    def run_due(self) -> list[TeamOutcome]:
        """Claim and post every team post due now; one older than the grace period is skipped and logged."""
        return self.claims.run_due(self)

    def run_forced(self) -> list[TeamOutcome]:
        """Post every active team post now, out of band: no slot is claimed, so the scheduled post still comes."""
        now = self.service.clock.now()
        return [self._post(post, None, now) for post in self.team.all() if not post.paused_reason]

    # -- team posts as a `Job` of the claim loop -------------------------------------------------------

    def schedules(self) -> list[TeamPost]:
        return self.team.all()

    def named(self, schedule: TeamPost) -> str:
        return f"team post {schedule.id}"

    def outcome(self, schedule: TeamPost, status: str, detail: str = "") -> TeamOutcome:
        return TeamOutcome(schedule.id, schedule.channel_id, status, detail)

    def unschedulable(self, schedule: TeamPost, reason: str) -> TeamOutcome:
        self.team.pause(schedule.id, reason)
        self.slack.dm(
            schedule.team_id, schedule.user_id, notice(f"Your team post in <#{schedule.channel_id}> is paused: {reason}.")
        )
        return self.outcome(schedule, "paused", reason)

    def work(self, due: list[Due[TeamPost]], now: dt.datetime) -> list[TeamOutcome]:
        if not due:
            return []
        with ThreadPoolExecutor(max_workers=min(AT_ONCE, len(due)), thread_name_prefix="team") as pool:
            return list(pool.map(lambda claimed: self._post(claimed.schedule, claimed.key, claimed.slot), due))

    def why_given_up(self, *, late: bool) -> str:
        return "runs stopped before posting it"

    # -- posting ---------------------------------------------------------------------------------------

    def _post(self, post: TeamPost, key: str | None, slot: dt.datetime) -> TeamOutcome:
        """One team post; whatever goes wrong becomes its outcome, never the end of the run."""
        try:
            return self._post_safely(post, key, slot)
        except SQLAlchemyError as err:  # before the post: passing weather; the lease runs out and it is tried again
            log.warning("The database failed before a team post (%s); tried again", type(err).__name__)
            return self.outcome(post, "retry", "the database did not answer; tried again")
        except Exception:
            log.exception("Team post %s failed unexpectedly", post.id)
            return self._fail(post, key, "something went wrong on our side; it is logged")

    def _post_safely(self, post: TeamPost, key: str | None, slot: dt.datetime) -> TeamOutcome:
        try:
            account = self.service.accounts.account(Asker(team_id=post.team_id, user_id=post.user_id))
        except (NotConnected, ReconnectNeeded):
            return self._pause(post, key, NOT_CONNECTED)
        except KeyMissing:
            if key is not None:
                self.claims.hand_back(post.id, key)
            return self.outcome(post, "left", "this process lacks the key")
        today = slot.astimezone(zone(post.timezone)).date()
        try:
            report = team_report(
                self.service,
                account,
                team_id=post.team_id,
                owner_id=post.user_id,
                workspace_id=post.workspace_id,
                covered=covered(post.cadence, today),
                min_seconds=post.min_seconds,
            )
        except toggl.TokenRejected:
            self.service.accounts.token_rejected(account)
            return self._pause(post, key, TOKEN_REJECTED)
        except toggl.TogglError as err:
            log.warning("A team post's figures failed: %s", err)
            return self._fail(post, key, toggl_error_message(err)["text"])
        message, thread = views.team_post(report, post)
        if key is not None and not self.claims.begin_post(post.id, key):
            log.warning("Lost the lease on the %s team post %s; another runner posts it", key, post.id)
            return self.outcome(post, "lost", "another runner took the slot over")
        try:
            ts = self.slack.post(post.team_id, post.channel_id, message)
        except SlackApiError as err:
            code = error_code(err)
            if code in CANNOT_POST:
                return self._fail(
                    post, key, f"I am not in that channel (Slack says `{code}`). Invite me with `/invite @Toggl`."
                )
            return self._fail(post, key, f"Slack refused the post (`{code}`).")
        except (NotInstalled, SlackClientError, OSError) as err:
            reason = describe(err)
            log.warning("Team post %s could not be posted: %s", post.id, reason)
            self._finish(post, key, "failed", reason)
            return self.outcome(post, "failed", reason)
        # Past the point of no return: the post is in Slack and is never posted again.
        if key is not None:
            self.claims.record_posted(post.id, key, "posted", ts)
        self._after(post, report, thread, ts)
        return TeamOutcome(post.id, post.channel_id, "posted", nudged=self._nudge(post, report))

    def _after(self, post: TeamPost, report: TeamReport, thread: list[Message], ts: str) -> None:
        """The thread with everyone, and what the post said of each person (for `team me`); failures are logged."""
        for reply in thread:
            try:
                self.slack.post(post.team_id, post.channel_id, {**reply, "thread_ts": ts})
            except (SlackClientError, NotInstalled, OSError) as err:
                log.warning("The thread of team post %s could not be posted: %s", post.id, describe(err))
                break
        try:
            lines = {str(m.toggl_id): views.plain_line(m, report.min_seconds) for m in report.members}
            self.team.keep_lines(post.id, {**lines, PERIOD_KEY: report.covered.label()})
        except SQLAlchemyError as err:
            log.warning("What team post %s said could not be kept: %s", post.id, type(err).__name__)

    def _nudge(self, post: TeamPost, report: TeamReport) -> int:
        """DM each person under the minimum on a workday who said yes; how many were sent."""
        if report.min_seconds is None or not report.covered.workday:
            return 0
        sent = 0
        for member in report.under:
            if member.mention and member.slack_id:
                dm = views.nudge(report.covered, member.seconds, report.min_seconds, report.workspace_id, post.channel_id)
                sent += self.slack.dm(post.team_id, member.slack_id, dm)
        return sent

    def _pause(self, post: TeamPost, key: str | None, reason: str) -> TeamOutcome:
        """Pause the post until its admin connects again, and tell the channel once."""
        self._finish(post, key, "failed", reason)
        if self.team.pause(post.id, reason):
            try:
                self.slack.post(post.team_id, post.channel_id, views.paused(post, reason))
            except (SlackClientError, NotInstalled, OSError) as err:
                log.info("Could not tell a channel its team post is paused: %s", describe(err))
        return self.outcome(post, "paused", reason)

    def _fail(self, post: TeamPost, key: str | None, reason: str) -> TeamOutcome:
        self._finish(post, key, "failed", reason)
        self.slack.dm(post.team_id, post.user_id, notice(f"The team post in <#{post.channel_id}> did not go out: {reason}"))
        return self.outcome(post, "failed", reason)

    def _finish(self, post: TeamPost, key: str | None, status: str, detail: str = "") -> None:
        if key is not None:
            self.claims.finish(post.id, key, status, detail)
