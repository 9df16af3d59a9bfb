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

from bot import toggl, tracking
from bot.browse import workspace_label
from bot.digest.schedule import GRACE, ScheduleError, latest_slot, slot_key, zone
from bot.figures import weekday_name
from bot.identity import Account, Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.mytime import rows_for, week_of, zone_named
from bot.service import Service
from bot.slack import NotInstalled, SlackGateway, describe
from bot.store import PersonalSchedule
from bot.store.leases import MAX_ATTEMPTS, runner_name
from bot.views.common import Message, context, notice
from bot.views.mytime import period_title, reminder, summary_footer, time_report

log = logging.getLogger(__name__)

LEASE_SECONDS = 300.0
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


class PersonalRunner:
    """Sends due weekly summaries and reminders against the store, Toggl and Slack."""

    def __init__(
        self, service: Service, slack: SlackGateway, *, grace: dt.timedelta = GRACE, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self.service = service
        self.store = service.store
        self.slack = slack
        self.grace = grace
        self.lease_seconds = lease_seconds
        self.clock = service.clock
        self.name = runner_name()

    def __repr__(self) -> str:
        return f"PersonalRunner({self.name!r})"

    def run_due(self) -> list[PersonalOutcome]:
        """Claim and send every slot due now; one older than the grace period is skipped and logged."""
        now = self.clock.now()
        due: list[tuple[PersonalSchedule, str, dt.datetime]] = []
        outcomes: list[PersonalOutcome] = []
        latest: list[tuple[PersonalSchedule, str, dt.datetime]] = []
        for sched in self.store.personal.all():
            if sched.paused_reason:
                continue
            try:
                slot = latest_slot(sched, now)
            except ScheduleError as err:
                self.store.personal.pause_of(sched.team_id, sched.user_id, str(err))
                outcomes.append(PersonalOutcome(sched.id, sched.kind, "paused", str(err)))
                continue
            if slot is not None and slot >= dt.datetime.fromisoformat(sched.created_at):
                latest.append((sched, slot_key(slot), slot))
        # One read for every current slot, then writes only where something is to be done (as the digest does).
        records = self.store.personal.slots_for([(sched.id, key) for sched, key, _ in latest])
        for sched, key, slot in latest:
            late = now - slot > self.grace
            record = records.get((sched.id, key))
            if record is None:
                if not late and self._sent_that_day(sched, slot):
                    self.store.personal.leases.skip(sched.id, key, "already sent that day (the time was moved)")
                elif not late and self.store.personal.leases.claim(sched.id, key, self.name, self.lease_seconds):
                    due.append((sched, key, slot))
                elif late and self.store.personal.leases.skip(sched.id, key, f"missed by more than {self.grace}"):
                    log.warning(
                        "Skipped the %s %s of schedule %s: missed by more than %s", key, sched.kind, sched.id, self.grace
                    )
                    outcomes.append(PersonalOutcome(sched.id, sched.kind, "skipped", f"missed slot {key}"))
            elif record.status == "claimed" and (record.lease_expires_at or 0) < now.timestamp():
                if late or record.attempts >= MAX_ATTEMPTS:  # its runners died; no one may try again
                    if self.store.personal.leases.abandon(sched.id, key, "runs stopped before sending it"):
                        log.error(
                            "Gave up the %s %s of schedule %s: runs stopped before sending it", key, sched.kind, sched.id
                        )
                        outcomes.append(PersonalOutcome(sched.id, sched.kind, "failed", "runs stopped before sending it"))
                elif self.store.personal.leases.claim(sched.id, key, self.name, self.lease_seconds):
                    due.append((sched, key, slot))
        if due:
            with ThreadPoolExecutor(max_workers=min(AT_ONCE, len(due)), thread_name_prefix="personal") as pool:
                outcomes += list(pool.map(lambda item: self._send(*item), due))
        return outcomes

    def _sent_that_day(self, sched: PersonalSchedule, slot: dt.datetime) -> bool:
        """True when this schedule already sent (or decided about) a message on the slot's own day.

        Moving the reminder from 17:30 to 17:40 at 17:45 makes a new slot that day; without this it was a second
        reminder. Read only for a slot about to be claimed, so an idle tick still reads once in all.
        """
        local_day = slot.astimezone(zone(sched.timezone)).date()
        for earlier in self.store.personal.slots(sched.id):
            moment = dt.datetime.strptime(earlier.slot, "%Y-%m-%dT%H:%MZ").replace(tzinfo=dt.UTC)
            if earlier.status in ("sent", "skipped") and moment.astimezone(zone(sched.timezone)).date() == local_day:
                return True
        return False

    def _send(self, sched: PersonalSchedule, key: str, slot: dt.datetime) -> PersonalOutcome:
        """One person's message; whatever goes wrong becomes its outcome, never the end of the run."""
        try:
            return self._send_safely(sched, key, slot)
        except Exception:
            log.exception("A %s could not be sent", sched.kind)
            return PersonalOutcome(sched.id, sched.kind, "failed", "unexpected error")

    def _send_safely(self, sched: PersonalSchedule, key: str, slot: dt.datetime) -> PersonalOutcome:
        try:
            account = self.service.accounts.account(Asker(team_id=sched.team_id, user_id=sched.user_id))
        except (NotConnected, ReconnectNeeded):
            return self._pause(sched, key, NOT_CONNECTED)
        except KeyMissing:  # logged; a lease handed back at once (0 s) leaves the slot to a process with the key
            self.store.personal.leases.renew(sched.id, key, self.name, 0)
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
        except Exception:
            log.exception("A %s could not be worked out", sched.kind)
            return self._finish(sched, key, "failed", "unexpected error")
        if message is None:
            return self._finish(sched, key, "skipped", "time was tracked that day")
        if not self.store.personal.leases.renew(sched.id, key, self.name, self.lease_seconds):
            log.warning("Lost the lease on the %s %s of schedule %s", key, sched.kind, sched.id)
            return PersonalOutcome(sched.id, sched.kind, "lost", "another runner took the slot over")
        try:
            ts = self.slack.post(sched.team_id, sched.user_id, message)
        except (SlackClientError, NotInstalled, OSError) as err:
            reason = describe(err)
            log.warning("A %s could not be sent: %s", sched.kind, reason)
            return self._finish(sched, key, "failed", reason)
        return self._finish(sched, key, "sent", posted_ts=ts)

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
        return reminder(today, sched.at_time)

    def _pause(self, sched: PersonalSchedule, key: str, reason: str) -> PersonalOutcome:
        """Pause the person's messages until they connect again, and say so once (this is their DM)."""
        self.store.personal.pause_of(sched.team_id, sched.user_id, reason)
        self.store.personal.leases.finish(sched.id, key, self.name, "failed", reason)
        told = notice(f"Your weekly summary and reminders are paused: {reason}.", "`/toggl connect` resumes them.")
        if not self.slack.dm(sched.team_id, sched.user_id, told):
            log.info("Could not tell a person their messages are paused")
        return PersonalOutcome(sched.id, sched.kind, "paused", reason)

    def _finish(
        self, sched: PersonalSchedule, key: str, status: str, detail: str = "", posted_ts: str | None = None
    ) -> PersonalOutcome:
        self.store.personal.leases.finish(sched.id, key, self.name, status, detail, posted_ts)
        return PersonalOutcome(sched.id, sched.kind, status, detail)
