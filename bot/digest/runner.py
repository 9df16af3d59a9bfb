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

from bot import toggl
from bot.digest.rules import judge
from bot.digest.schedule import GRACE, latest_slot, slot_key
from bot.service import Asker, NotConnected, ReconnectNeeded, Service, WorkspaceData
from bot.slack import CANNOT_POST, SlackGateway, error_code
from bot.store import Subscription
from bot.views.common import Message
from bot.views.digest import digest_failed, digest_message
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
    """posted, skipped (empty, or missed by more than the grace period), failed or paused."""
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


class DigestRunner:
    """Runs the digests that are due (or all, when forced) against the store, Toggl and Slack."""

    def __init__(
        self,
        service: Service,
        slack: SlackGateway,
        *,
        grace: dt.timedelta = GRACE,
        owners_at_once: int = OWNERS_AT_ONCE,
    ) -> None:
        self.owners_at_once = owners_at_once
        self.service = service
        self.store = service.store
        self.slack = slack
        self.grace = grace
        self.clock = service.clock
        """The service's clock, which the store also stamps `created_at` with: slots and rows agree."""

    def run_due(self) -> list[Outcome]:
        """Claim and post every slot that is due now; a slot older than the grace period is skipped and logged."""
        now = self.clock.now()
        due: list[tuple[Subscription, str | None]] = []
        skipped: list[Outcome] = []
        for sub in self.store.all_subscriptions():
            if sub.paused_reason:
                continue
            slot = latest_slot(sub, now)
            if slot is None or slot < dt.datetime.fromisoformat(sub.created_at):
                continue
            key = slot_key(slot)
            if now - slot > self.grace:
                if self.store.claim_slot(sub.id, key, status="skipped"):
                    log.warning("Skipped the %s digest of subscription %s: missed by more than %s", key, sub.id, self.grace)
                    skipped.append(Outcome(sub.id, sub.channel_id, "skipped", f"missed slot {key}"))
                continue
            if self.store.claim_slot(sub.id, key):
                due.append((sub, key))
        return skipped + self._post_all(due, now)

    def run_forced(self) -> list[Outcome]:
        """Post every active subscription now, out of band: no slot is claimed, so the scheduled post still comes."""
        subs = self.store.all_subscriptions()
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
        team_id, user_id = owner
        try:
            account = self.service.account(Asker(team_id=team_id, user_id=user_id))
        except (NotConnected, ReconnectNeeded):
            return self._pause(owner, items, "the subscriber's Toggl account is not connected")
        try:
            data = self.service.digest_data(account, today=now.date())
        except toggl.TokenRejected:
            self.service.token_rejected(account)
            return self._pause(owner, items, "Toggl rejected the subscriber's token")
        except toggl.TogglError as err:
            reason = toggl_error_message(err)["text"]
            log.warning("Digest data for a subscriber failed: %s", err)
            return [self._fail(sub, key, reason) for sub, key in items]
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
            self.slack.post(sub.channel_id, message)
        except SlackApiError as err:
            code = error_code(err)
            if code in CANNOT_POST:
                reason = f"I am not in that channel (Slack says `{code}`). Invite me there with `/invite @Toggl`."
            else:
                reason = f"Slack refused the post (`{code}`)."
            return self._fail(sub, key, reason)
        except Exception:
            log.exception("Posting digest %s failed unexpectedly", sub.id)
            return self._fail(sub, key, "something went wrong on our side; it is logged")
        self._finish(sub, key, "posted")
        self.store.update_subscription(sub.id, last_posted_at=now.isoformat(timespec="seconds"))
        return Outcome(sub.id, sub.channel_id, "posted")

    def _fail(self, sub: Subscription, key: str | None, reason: str) -> Outcome:
        self._finish(sub, key, "failed", reason)
        self.slack.dm(sub.user_id, digest_failed([sub.channel_id], reason))
        return Outcome(sub.id, sub.channel_id, "failed", reason)

    def _pause(self, owner: tuple[str, str], items: list[tuple[Subscription, str | None]], reason: str) -> list[Outcome]:
        """Pause the owner's subscriptions until they reconnect, and tell them once."""
        self.store.pause_subscriptions_of(owner[0], owner[1], reason)
        for sub, key in items:
            self._finish(sub, key, "failed", reason)
        channels = [sub.channel_id for sub, _ in items]
        self.slack.dm(
            owner[1], digest_failed(channels, f"{reason}. It is paused until you reconnect with `/toggl connect`.")
        )
        return [Outcome(sub.id, sub.channel_id, "paused", reason) for sub, _ in items]

    def _finish(self, sub: Subscription, key: str | None, status: str, detail: str = "") -> None:
        if key is not None:
            self.store.finish_slot(sub.id, key, status, detail)
