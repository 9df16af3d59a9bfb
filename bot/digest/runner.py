"""Posts digests: claims each due slot in the database first, fetches each person's data once, and keeps
one subscriber's failure (a rejected token, Toggl down, a channel the bot left) from stopping the rest."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot import toggl
from bot.digest.compose import WorkspaceData, digest_data
from bot.digest.rules import judge
from bot.digest.views import digest_failed, digest_message
from bot.identity import Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.scheduled import GRACE, LEASE_SECONDS, Claims, Due, Job
from bot.service import Service
from bot.slack import CANNOT_POST, NotInstalled, SlackGateway, describe, error_code
from bot.store.subscriptions import Subscription
from bot.views.common import Message
from bot.views.errors import toggl_error_message

log = logging.getLogger(__name__)

OWNERS_AT_ONCE = 100
"""People whose data is fetched at once. Each person's requests are paced (about one a second), so a run
takes about the slowest person's paging times the number of waves (see docs/benchmarks.md, table c)."""


@dataclass(frozen=True)
class Outcome:
    subscription_id: int
    channel_id: str
    status: str
    """posted, skipped (empty, or missed by more than the grace period), failed, paused, lost (another runner
    took the slot over after this one's lease ran out), retry (the database failed before the post: the slot is
    tried again), or uncertain (a runner stopped while posting it: not posted again)."""
    detail: str = ""


def compose(subscription: Subscription, data: WorkspaceData, now: dt.datetime) -> Message | None:
    """The digest message for one subscription from its owner's data; None when empty and set to skip."""
    local_now = now.astimezone(ZoneInfo(subscription.timezone))
    previous = None
    if subscription.last_posted_at:
        previous = dt.datetime.fromisoformat(subscription.last_posted_at).astimezone(local_now.tzinfo).date()
    report = judge(
        data.projects,
        data.tasks,
        data.period_tracked,
        threshold=subscription.threshold,
        muted_ids=[m["id"] for m in subscription.muted],
        today=local_now.date(),
        previous=previous,
        pace=data.pace,
    )
    if report.empty and subscription.skip_empty:
        return None
    return digest_message(
        report,
        owner_id=subscription.user_id,
        workspace_name=data.workspace_name,
        threshold=subscription.threshold,
        computed_at=local_now,
        muted=len(subscription.muted),
        workspace_id=data.workspace_id,
        subscription_id=subscription.id,
    )


class DigestRunner(Job[Subscription, Outcome]):
    """Runs the digests that are due (or all, when forced) against the store, Toggl and Slack.

    Each due slot is claimed as a lease (`lease_seconds`) before anything is fetched (`bot.scheduled`). The
    slot is marked `posting` right before the post, and recorded `posted` only once Slack has returned the
    message's `ts`: a runner that dies leaves its claim to run out, and the next run takes the slot over and
    posts it (within the grace period); a runner that lost its lease never posts.
    """

    def __init__(
        self,
        service: Service,
        slack: SlackGateway,
        *,
        grace: dt.timedelta = GRACE,
        owners_at_once: int = OWNERS_AT_ONCE,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.owners_at_once = owners_at_once
        self.service = service
        self.subscriptions = service.subscriptions
        self.slack = slack
        self.clock = service.clock
        """The service's clock, which the store also stamps `created_at` with: slots and rows agree."""
        self.claims = Claims(
            self.subscriptions.leases,
            service.schedule_clock,
            grace=grace,
            lease_seconds=lease_seconds,
            logger=log,
            kind="digest",
        )

    def __repr__(self) -> str:
        return f"DigestRunner({self.claims.owner!r})"

    def run_due(self) -> list[Outcome]:
        """Claim and post every slot that is due now; a slot older than the grace period is skipped and logged.

        A subscription whose schedule cannot be read (a time zone this server does not know) is paused
        and its owner told; it never stops the others.
        """
        return self.claims.run_due(self)

    # -- the digest as a `Job` of the claim loop ---------------------------------------------------------

    def schedules(self) -> list[Subscription]:
        return self.subscriptions.all()

    def named(self, schedule: Subscription) -> str:
        return f"digest of subscription {schedule.id}"

    def group(self, schedule: Subscription) -> str:
        return f"{schedule.team_id}:{schedule.user_id}"

    def outcome(self, schedule: Subscription, status: str, detail: str = "") -> Outcome:
        return Outcome(schedule.id, schedule.channel_id, status, detail)

    def work(self, due: list[Due[Subscription]], now: dt.datetime) -> list[Outcome]:
        return self._post_all([(claimed.schedule, claimed.key) for claimed in due], now)

    def why_given_up(self, *, late: bool) -> str:
        return f"runs stopped before posting it, until {'its time had passed' if late else 'it was given up'}"

    def given_up(self, schedule: Subscription, reason: str) -> Outcome:
        """A slot whose runners died, past its grace period or its attempts: its owner is told."""
        message = digest_failed([schedule.channel_id], f"{reason}. The next one is posted as usual.")
        self.slack.dm(schedule.team_id, schedule.user_id, message)
        return self.outcome(schedule, "failed", reason)

    def unschedulable(self, schedule: Subscription, reason: str) -> Outcome:
        """Pause one subscription whose schedule cannot be computed, and tell its owner once."""
        log.error("Digest subscription %s cannot be scheduled: %s", schedule.id, reason)
        try:
            self.subscriptions.update(schedule.id, paused_reason=reason)
            self.slack.dm(
                schedule.team_id,
                schedule.user_id,
                digest_failed([schedule.channel_id], f"{reason}. Subscribe again with a time zone such as `Europe/Berlin`."),
            )
        except Exception:  # this subscription fails alone, whatever goes wrong with it
            log.exception("Could not pause digest subscription %s", schedule.id)
        return self.outcome(schedule, "paused", reason)

    # -- posting ---------------------------------------------------------------------------------------

    def run_forced(self) -> list[Outcome]:
        """Post every active subscription now, out of band: no slot is claimed, so the scheduled post still comes."""
        subs = self.subscriptions.all()
        paused = [Outcome(s.id, s.channel_id, "paused", s.paused_reason or "") for s in subs if s.paused_reason]
        return paused + self._post_all([(s, None) for s in subs if not s.paused_reason], self.clock.now())

    def _post_all(self, due: list[tuple[Subscription, str | None]], now: dt.datetime) -> list[Outcome]:
        by_owner: dict[tuple[str, str], list[tuple[Subscription, str | None]]] = defaultdict(list)
        for sub, key in due:
            by_owner[(sub.team_id, sub.user_id)].append((sub, key))
        if not by_owner:
            return []
        with ThreadPoolExecutor(max_workers=min(self.owners_at_once, len(by_owner)), thread_name_prefix="digest") as pool:
            batches = list(pool.map(lambda item: self._post_for_owner(item[0], item[1], now), by_owner.items()))
        return [outcome for batch in batches for outcome in batch]

    def _post_for_owner(
        self, owner: tuple[str, str], items: list[tuple[Subscription, str | None]], now: dt.datetime
    ) -> list[Outcome]:
        """Every subscription of one person; whatever goes wrong becomes their outcomes, never the run's end.

        A slot left claimed by an unexpected failure is taken over by a later run when its lease runs out.
        """
        try:
            return self._post_for_owner_safely(owner, items, now)
        except SQLAlchemyError as err:
            return self._retry(items, err)
        except Exception:
            log.exception("Digests of one subscriber failed unexpectedly")
            reason = "something went wrong on our side; it is logged"
            return [Outcome(sub.id, sub.channel_id, "failed", reason) for sub, _ in items]

    def _post_for_owner_safely(
        self, owner: tuple[str, str], items: list[tuple[Subscription, str | None]], now: dt.datetime
    ) -> list[Outcome]:
        team_id, user_id = owner
        try:
            account = self.service.accounts.account(Asker(team_id=team_id, user_id=user_id))
        except SQLAlchemyError as err:
            return self._retry(items, err)
        except (NotConnected, ReconnectNeeded):
            return self._pause(owner, items, "the subscriber's Toggl account is not connected")
        except KeyMissing:  # logged; each slot handed back at once, to a process with the key
            for sub, key in items:
                if key is not None:
                    self.claims.hand_back(sub.id, key)
            return [Outcome(sub.id, sub.channel_id, "left", "this process lacks the key") for sub, _ in items]
        try:
            data = digest_data(self.service.reader, self.service.reports, account, now.date())
        except toggl.TokenRejected:
            self.service.accounts.token_rejected(account)
            return self._pause(owner, items, "Toggl rejected the subscriber's token")
        except toggl.TogglError as err:
            reason = toggl_error_message(err)["text"]
            log.warning("Digest data for a subscriber failed: %s", err)
            return [self._fail(sub, key, reason) for sub, key in items]
        except SQLAlchemyError as err:
            return self._retry(items, err)
        except Exception:
            log.exception("Digest data for a subscriber failed unexpectedly")
            return [self._fail(sub, key, "something went wrong on our side; it is logged") for sub, key in items]
        return [self._post_one(sub, key, data, now) for sub, key in items]

    def _post_one(self, sub: Subscription, key: str | None, data: WorkspaceData, now: dt.datetime) -> Outcome:
        try:
            message = compose(sub, data, now)
            if message is None:
                self._finish(sub, key, "skipped", "nothing to report")
                return Outcome(sub.id, sub.channel_id, "skipped", "nothing to report")
            if key is not None and not self.claims.begin_post(sub.id, key):
                log.warning("Lost the lease on the %s digest of subscription %s; another runner posts it", key, sub.id)
                return Outcome(sub.id, sub.channel_id, "lost", "another runner took the slot over")
            ts = self.slack.post(sub.team_id, sub.channel_id, message)
        except SQLAlchemyError as err:  # before the post: passing weather, the slot is tried again
            return self._retry([(sub, key)], err)[0]
        except SlackApiError as err:
            code = error_code(err)
            if code in CANNOT_POST:
                reason = f"I am not in that channel (Slack says `{code}`). Invite me there with `/invite @Toggl`."
            else:
                reason = f"Slack refused the post (`{code}`)."
            return self._fail(sub, key, reason)
        except NotInstalled as err:  # or Slack refuses the bot: nobody can be told through Slack either
            reason = describe(err)
            log.warning("Digest %s could not be posted: %s", sub.id, reason)
            self._finish(sub, key, "failed", reason)
            return Outcome(sub.id, sub.channel_id, "failed", reason)
        except Exception:
            log.exception("Posting digest %s failed unexpectedly", sub.id)
            return self._fail(sub, key, "something went wrong on our side; it is logged")
        # Past the point of no return: whatever happens now, the digest is posted and is never posted again.
        if key is not None:
            self.claims.record_posted(sub.id, key, "posted", ts)
        try:
            self.subscriptions.update(sub.id, last_posted_at=now.isoformat(timespec="seconds"))
        except SQLAlchemyError as err:  # passing weather: only "new since the last digest" is less precise next time
            log.warning(
                "Digest %s was posted (ts %s) but its last posting time could not be kept: %s",
                sub.id,
                ts,
                type(err).__name__,
            )
        except Exception:
            log.exception("Digest %s was posted (ts %s) but its last posting time could not be kept", sub.id, ts)
        return Outcome(sub.id, sub.channel_id, "posted")

    def _retry(self, items: list[tuple[Subscription, str | None]], err: SQLAlchemyError) -> list[Outcome]:
        """The database failed before anything was posted: nobody is told, nothing is marked; each slot stays
        claimed, and the next run takes it over when the lease runs out."""
        log.warning(
            "The database failed before %d digest(s) were posted (%s); they are tried again", len(items), type(err).__name__
        )
        return [Outcome(sub.id, sub.channel_id, "retry", "the database did not answer; tried again") for sub, _ in items]

    def _fail(self, sub: Subscription, key: str | None, reason: str) -> Outcome:
        self._finish(sub, key, "failed", reason)
        self.slack.dm(sub.team_id, sub.user_id, digest_failed([sub.channel_id], reason))
        return Outcome(sub.id, sub.channel_id, "failed", reason)

    def _pause(self, owner: tuple[str, str], items: list[tuple[Subscription, str | None]], reason: str) -> list[Outcome]:
        """Pause the owner's subscriptions until they reconnect, and tell them once."""
        self.subscriptions.pause_of(owner[0], owner[1], reason)
        for sub, key in items:
            self._finish(sub, key, "failed", reason)
        channels = [sub.channel_id for sub, _ in items]
        self.slack.dm(
            owner[0], owner[1], digest_failed(channels, f"{reason}. It is paused until you reconnect with `/toggl connect`.")
        )
        return [Outcome(sub.id, sub.channel_id, "paused", reason) for sub, _ in items]

    def _finish(
        self, sub: Subscription, key: str | None, status: str, detail: str = "", posted_ts: str | None = None
    ) -> None:
        if key is not None:
            self.claims.finish(sub.id, key, status, detail, posted_ts)
