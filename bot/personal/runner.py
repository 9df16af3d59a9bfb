"""Sends the personal messages that are due: each slot claimed as a lease first, like a digest's, so any
number of schedulers (or a restart, or `digest run` twice) send each one once, and a run killed half-way
leaves its slot to the next run.

- The weekly summary: the week before, per project with the billable share, in one Reports request.
- The workday reminder: sent only when nothing was tracked that day. One `/me/time_entries` request for
  the day (a running entry started today counts), and only when that finds nothing, one more for a timer
  left running since an earlier day. At the `/me` quota's reserve the reminder is skipped, not guessed.

A person whose token Toggl rejects, or who is no longer connected, has their messages paused (connecting
again resumes them) and is told once.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot import toggl, tracking
from bot.browse import workspace_label
from bot.figures import weekday_name
from bot.identity import Account, Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.mytime import rows_for, week_of, zone_named
from bot.scheduled import GRACE, LEASE_SECONDS, Claims, Due, Job
from bot.service import Service
from bot.slack import NotInstalled, SlackGateway, describe
from bot.store.personal import PersonalSchedule
from bot.views.common import Message, context, notice
from bot.views.mytime import period_title, reminder, summary_footer, time_report

log = logging.getLogger(__name__)

AT_ONCE = 16
"""People whose messages are worked out at once (each costs one or two Toggl requests)."""
NOT_CONNECTED = "you are no longer connected to Toggl"
TOKEN_REJECTED = "Toggl no longer accepts your token"


@dataclass(frozen=True)
class PersonalOutcome:
    schedule_id: int
    kind: str
    status: str
    """sent, skipped (tracked already, or missed by more than the grace), failed, paused, or lost."""
    detail: str = ""


def weekly_summary(service: Service, account: Account, sched: PersonalSchedule, slot: dt.datetime) -> Message:
    """The summary due at `slot`: the week before the slot's, in the person's week and zone, per project."""
    zone = zone_named(sched.timezone)
    try:
        beginning = service.reader.profile(account).beginning_of_week
    except toggl.TokenRejected:
        raise
    except toggl.TogglError:  # the usual week will do
        beginning = None
    this_week, _ = week_of(slot.astimezone(zone).date(), beginning)
    start, end = this_week - dt.timedelta(days=7), this_week - dt.timedelta(days=1)
    workspace_id = service.reader.workspace_id(account)
    per_project = tracking.tracked(service.reader, account, workspace_id, start, end, "mytime:lastweek")
    rows = rows_for(service, account, workspace_id, per_project)
    report = time_report(
        period_title("last week", start, end),
        rows,
        workspace_id=workspace_id,
        workspace_name=workspace_label(account, service, workspace_id),
        nothing="You tracked nothing last week.",
    )
    footer = summary_footer(weekday_name(sched.weekday or 0), sched.at_time, sched.timezone)
    return {**report, "blocks": [*report["blocks"], context(footer)]}


class PersonalRunner(Job[PersonalSchedule, PersonalOutcome]):
    """Sends due weekly summaries and reminders against the store, Toggl and Slack (claimed by `bot.scheduled`)."""

    def __init__(
        self,
        service: Service,
        slack: SlackGateway,
        *,
        grace: dt.timedelta = GRACE,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.service = service
        self.personal = service.personal
        self.slack = slack
        self.clock = service.clock
        self.claims = Claims(
            self.personal.leases,
            service.schedule_clock,
            grace=grace,
            lease_seconds=lease_seconds,
            logger=log,
            kind="personal",
        )

    def __repr__(self) -> str:
        return f"PersonalRunner({self.claims.owner!r})"

    def run_due(self) -> list[PersonalOutcome]:
        """Claim and send every slot due now; one older than the grace period is skipped and logged."""
        return self.claims.run_due(self)

    # -- personal messages as a `Job` of the claim loop --------------------------------------------------

    def schedules(self) -> list[PersonalSchedule]:
        return self.personal.all()

    def named(self, schedule: PersonalSchedule) -> str:
        return f"{schedule.kind} of schedule {schedule.id}"

    def outcome(self, schedule: PersonalSchedule, status: str, detail: str = "") -> PersonalOutcome:
        return PersonalOutcome(schedule.id, schedule.kind, status, detail)

    def unschedulable(self, schedule: PersonalSchedule, reason: str) -> PersonalOutcome:
        """All the person's messages are paused; connecting again (or saying the words again) resumes them."""
        self.personal.pause_of(schedule.team_id, schedule.user_id, reason)
        return self.outcome(schedule, "paused", reason)

    def work(self, due: list[Due[PersonalSchedule]], now: dt.datetime) -> list[PersonalOutcome]:
        if not due:
            return []
        with ThreadPoolExecutor(max_workers=min(AT_ONCE, len(due)), thread_name_prefix="personal") as pool:
            return list(pool.map(lambda claimed: self._send(claimed.schedule, claimed.key, claimed.slot), due))

    def why_given_up(self, *, late: bool) -> str:
        return "runs stopped before sending it"

    # -- sending ---------------------------------------------------------------------------------------

    def _send(self, sched: PersonalSchedule, key: str, slot: dt.datetime) -> PersonalOutcome:
        """One person's message; whatever goes wrong becomes its outcome, never the end of the run."""
        try:
            return self._send_safely(sched, key, slot)
        except SQLAlchemyError as err:  # before the send: passing weather; the lease runs out and it is tried again
            log.warning("The database failed before a %s was sent (%s); tried again", sched.kind, type(err).__name__)
            return PersonalOutcome(sched.id, sched.kind, "retry", "the database did not answer; tried again")
        except Exception:
            log.exception("A %s could not be sent", sched.kind)
            return PersonalOutcome(sched.id, sched.kind, "failed", "unexpected error")

    def _send_safely(self, sched: PersonalSchedule, key: str, slot: dt.datetime) -> PersonalOutcome:
        try:
            account = self.service.accounts.account(Asker(team_id=sched.team_id, user_id=sched.user_id))
        except (NotConnected, ReconnectNeeded):
            return self._pause(sched, key, NOT_CONNECTED)
        except KeyMissing:  # logged; the slot handed back at once, to a process with the key
            self.claims.hand_back(sched.id, key)
            return PersonalOutcome(sched.id, sched.kind, "left", "this process lacks the key")
        try:
            if sched.kind == "summary":
                message: Message | None = weekly_summary(self.service, account, sched, slot)
            else:
                message = self._reminder(sched, account, slot)
        except toggl.TokenRejected:
            self.service.accounts.token_rejected(account)
            return self._pause(sched, key, TOKEN_REJECTED)
        except toggl.TogglError as err:
            log.warning("A %s could not be worked out: %s", sched.kind, err)
            return self._finish(sched, key, "failed", type(err).__name__)
        except SQLAlchemyError:
            raise
        except Exception:
            log.exception("A %s could not be worked out", sched.kind)
            return self._finish(sched, key, "failed", "unexpected error")
        if message is None:
            return self._finish(sched, key, "skipped", "time was tracked that day")
        if not self.claims.begin_post(sched.id, key):
            log.warning("Lost the lease on the %s %s of schedule %s", key, sched.kind, sched.id)
            return PersonalOutcome(sched.id, sched.kind, "lost", "another runner took the slot over")
        try:
            ts = self.slack.post(sched.team_id, sched.user_id, message)
        except (SlackClientError, NotInstalled, OSError) as err:
            reason = describe(err)
            log.warning("A %s could not be sent: %s", sched.kind, reason)
            return self._finish(sched, key, "failed", reason)
        self.claims.record_posted(sched.id, key, "sent", ts)  # past the point of no return: sent, whatever happens
        return PersonalOutcome(sched.id, sched.kind, "sent")

    def _reminder(self, sched: PersonalSchedule, account: Account, slot: dt.datetime) -> Message | None:
        """The reminder, or None when time was tracked that day (or a timer runs)."""
        zone = zone_named(sched.timezone)
        today = slot.astimezone(zone).date()
        midnight = dt.datetime.combine(today, dt.time(), zone)
        if self.service.reader.quota_wait(account, "me") is not None:
            raise toggl.QuotaExceeded(
                "kept in reserve: the /me quota is nearly spent", resets_in=None, status=None, bucket="me"
            )
        client = self.service.reader.client(account)
        if client.time_entries(midnight, midnight + dt.timedelta(days=1)):
            return None
        if client.current_entry() is not None:
            return None
        return reminder(today, sched.at_time, account.workspace_id)

    def _pause(self, sched: PersonalSchedule, key: str, reason: str) -> PersonalOutcome:
        """Pause the person's messages until they connect again, and say so once (this is their DM)."""
        self.personal.pause_of(sched.team_id, sched.user_id, reason)
        self.claims.finish(sched.id, key, "failed", reason)
        told = notice(f"Your weekly summary and reminders are paused: {reason}.", "`/toggl connect` resumes them.")
        if not self.slack.dm(sched.team_id, sched.user_id, told):
            log.info("Could not tell a person their messages are paused")
        return PersonalOutcome(sched.id, sched.kind, "paused", reason)

    def _finish(
        self, sched: PersonalSchedule, key: str, status: str, detail: str = "", posted_ts: str | None = None
    ) -> PersonalOutcome:
        self.claims.finish(sched.id, key, status, detail, posted_ts)
        return PersonalOutcome(sched.id, sched.kind, status, detail)
