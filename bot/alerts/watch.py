"""Deliveries applied, crossings judged, alerts posted once; and the periodic check that repairs and reconciles.

**A delivery costs no request.** A time entry's delivery is applied to the app's copies of the workspace's
projects (their `actual_seconds`) from what the entry counted before, which the app remembers per entry
(`hook_entries`); a project's or task's delivery edits the copies that hold it. Only a change to an entry the
app never saw (edited before alerts were on) cannot be applied alone: it marks the hook for a re-read at the
next check, at most one request per workspace a minute however many such deliveries come.

**Each crossing is posted once.** Moving a project above a level is one conditional update (`Webhooks.rise`),
and the post itself is a lease on the slot `"{project}:{level}:{crossing}"`, like a digest's slot: one poster
across instances and restarts, taken over if its poster died before it began posting.

**The periodic check** (every `CHECK_TICK` seconds, each hook claimed by one instance) re-reads a workspace:
- with a subscription, every `RECONCILE_SECONDS`: Toggl's list of subscriptions (ours re-enabled, re-pinged or
  made again), and one `since` read of the projects per alerting person: a lost delivery is corrected within
  `RECONCILE_SECONDS`;
- without one, every `POLL_SECONDS`: the one `since` read per alerting person;
- a minute after a delivery it could not apply alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot import metrics, toggl, tracking
from bot.alerts import views
from bot.alerts.hooks import alerting, repair
from bot.alerts.rules import Delivery, EntryChange, entry_change, levels
from bot.figures import usage
from bot.identity import Account, Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.service import Service
from bot.slack import describe
from bot.store import Hook, Subscription
from bot.store.leases import runner_name
from bot.store.webhooks import ACTIVE
from bot.timer import TimerState
from bot.toggl.models import Project, Task, TimeEntry

log = logging.getLogger(__name__)

CHECK_TICK = 15.0
"""How often each instance looks for a hook whose check is due (the check itself is claimed by one)."""
RECONCILE_SECONDS = 30 * 60
"""With webhooks: the bound on how long a lost delivery stays uncorrected."""
POLL_SECONDS = views.POLL_MINUTES * 60
"""Without webhooks: how often alerts are looked for (one `since` request per alerting person)."""
REREAD_GAP = 60
"""At most one re-read per workspace a minute after deliveries the app could not apply alone."""
PERIOD_LIMIT = 2
"""Recurring projects whose period figure one full check may ask Reports for (the rest wait for the next check)."""
POST_LEASE = 60.0
ENTRY_MEMORY = 45 * 24 * 3600
"""How long what an entry counted is remembered; an older entry's next change is a re-read instead."""


@dataclass(frozen=True)
class Watcher:
    """The alerts' work over one service that can reach Slack (`service.with_slack`)."""

    service: Service
    owner: str = ""

    @property
    def name(self) -> str:
        return self.owner or _OWNER

    # -- deliveries ------------------------------------------------------------------------------

    def receive(self, hook: Hook, delivery: Delivery) -> int:
        """Apply one delivery the door answered; how many alerts it posted."""
        now = self.service.clock.time()
        workspace_id = delivery.workspace_id or hook.workspace_id
        if workspace_id != hook.workspace_id:
            log.warning("Ignored a Toggl delivery for another workspace than its subscription's (%r)", hook)
            return 0
        if delivery.model == "time_entry":
            change = entry_change(delivery, now)
            return self._entry(hook, change, delivery.payload, now) if change is not None else 0
        if delivery.model in ("project", "task"):
            return self._item(hook, delivery, now)
        self._touch(hook, now)
        return 0

    def _entry(self, hook: Hook, change: EntryChange, payload: dict[str, Any], now: float) -> int:
        webhooks = self.service.webhooks
        before = webhooks.apply_entry(
            hook.team_id, hook.workspace_id, change.entry_id, change.project_id, change.seconds, change.at
        )
        if before is False:  # a repeat, or older than what was applied: nothing moves backwards
            self._touch(hook, now)
            return 0
        deltas: dict[int, int] = {}
        unknown = before is None and not change.created
        if isinstance(before, tuple):
            old_project, old_seconds = before
            if old_project is not None:
                deltas[old_project] = deltas.get(old_project, 0) - old_seconds
        if change.project_id is not None and not unknown:
            deltas[change.project_id] = deltas.get(change.project_id, 0) + change.seconds
        deltas = {project: delta for project, delta in deltas.items() if delta}
        self._touch(hook, now, dirty=unknown)
        for project_id, delta in deltas.items():
            self.service.reader.cache.patch_items(
                hook.team_id,
                hook.workspace_id,
                "projects",
                project_id,
                functools.partial(_add_seconds, delta=delta),
                fetched_before=change.at,  # a copy read after the change at Toggl counts it already
            )
        if change.user_id is not None:
            self._timer(hook.team_id, change, payload)
        if not deltas:
            return 0
        webhooks.prune_entries(now - ENTRY_MEMORY)
        return self.evaluate(hook.team_id, hook.workspace_id, set(deltas))

    def _touch(self, hook: Hook, now: float, *, dirty: bool = False) -> None:
        """Note that deliveries come (the subscription is validated), at most once a minute per hook as the door
        last read it, unless there is something to re-read: a burst costs no write per delivery for this."""
        if dirty or not hook.validated or hook.last_event_at is None or now - hook.last_event_at >= REREAD_GAP:
            self.service.webhooks.delivered(hook.hook_id, now, dirty=dirty)

    def _item(self, hook: Hook, delivery: Delivery, now: float) -> int:
        """A project or task changed (an estimate, a name, archived): the copies that hold it take the new fields."""
        self._touch(hook, now)
        item_id = delivery.payload.get("id")
        if not isinstance(item_id, int) or isinstance(item_id, bool):
            return 0
        model: type[Project] | type[Task] = Project if delivery.model == "project" else Task
        try:
            fields = model.model_validate(delivery.payload).model_dump(mode="json", exclude_unset=True)
        except ValidationError:
            log.warning("Ignored a Toggl %s delivery the app could not read", delivery.model)
            return 0
        fields.pop("actual_seconds", None)  # totals come from entries: an older snapshot must not undo them
        fields.pop("actual_hours", None)
        deleted = delivery.action == "deleted" or bool(fields.get("server_deleted_at"))

        def change(data: dict[str, Any]) -> bool:
            data.update(fields)
            if deleted:
                data["active"] = False
            return True

        scope = "projects" if delivery.model == "project" else "tasks"
        self.service.reader.cache.patch_items(hook.team_id, hook.workspace_id, scope, item_id, change)
        return self.evaluate(hook.team_id, hook.workspace_id, {item_id}) if delivery.model == "project" else 0

    def _timer(self, team_id: str, change: EntryChange, payload: dict[str, Any]) -> None:
        """The running timer that `now` and Home show, kept current by the person's own deliveries."""
        assert change.user_id is not None
        try:
            entry = TimeEntry.model_validate(payload)
        except ValidationError:
            return
        reader = self.service.reader
        for account in self.service.accounts.of_toggl_user(team_id, change.user_id):
            memory = tracking.remembered(reader, account) or TimerState()
            if change.running:
                state = TimerState(entry, memory.last, reader.clock.time(), memory.last_known)
            elif memory.running is not None and memory.running.id == change.entry_id:
                deleted = change.seconds == 0
                state = TimerState(None, None if deleted else entry, reader.clock.time(), not deleted)
            else:
                reader.forget_docs(account, tracking.REPORTS)
                continue
            tracking.remember(reader, account, state)
            reader.forget_docs(account, tracking.REPORTS)  # `today` and `week` changed with it

    # -- crossings -------------------------------------------------------------------------------

    def evaluate(
        self,
        team_id: str,
        workspace_id: int,
        project_ids: set[int] | None = None,
        *,
        baseline: bool = False,
        periods: bool = False,
        only: int | None = None,
    ) -> int:
        """Judge the projects (all, or `project_ids`) of the team's alerting digests in this workspace from each
        subscriber's copy; post each new crossing. `baseline` records what is above now without posting (alerts
        just turned on); `periods` also reads recurring projects' period figures (the periodic check)."""
        posted = 0
        for sub, account in alerting(self.service, team_id, workspace_id):
            if only is not None and sub.id != only:
                continue
            try:
                posted += self._judge(sub, account, workspace_id, project_ids, baseline=baseline, periods=periods)
            except Exception:  # one digest's trouble must not stop the others' alerts
                log.exception("Could not judge the alerts of digest %s", sub.id)
        return posted

    def _judge(
        self,
        sub: Subscription,
        account: Account,
        workspace_id: int,
        wanted: set[int] | None,
        *,
        baseline: bool,
        periods: bool,
    ) -> int:
        assert account.person is not None
        reader = self.service.reader
        projects = reader.cached_projects(sub.team_id, sub.user_id, workspace_id)
        muted = {m.get("id") for m in sub.muted}
        projects = [p for p in projects if p.id not in muted and (wanted is None or p.id in wanted) and p.active]
        today = self.service.clock.now().astimezone(_zone(sub.timezone)).date()
        recurring = [p for p in projects if p.recurring]
        figures: dict[int, int | str] = {}
        if periods and recurring:
            figures = self.service.reports.period_figures(account, recurring, limit=PERIOD_LIMIT)
        marks = self.service.webhooks.marks(sub.id)
        posted = 0
        for project in projects:
            for level, above in levels(project, sub.threshold, today, figures).items():
                was = marks.get((project.id, level))
                if not above:
                    if was is not None and was[0]:
                        self.service.webhooks.fall(sub.id, project.id, level)
                    continue
                if baseline:
                    self.service.webhooks.rise(sub.id, project.id, level, count=False)
                    continue
                crossing = self.service.webhooks.rise(sub.id, project.id, level) or (was[1] if was else 0)
                if crossing and self._post(sub, project, level, crossing, figures):
                    posted += 1
        return posted

    def _post(self, sub: Subscription, project: Project, level: str, crossing: int, figures: dict[int, int | str]) -> bool:
        slack = self.service.slack
        if slack is None:
            return False
        leases = self.service.webhooks.leases.judged_by(self.service.schedule_clock)
        slot = f"{project.id}:{level}:{crossing}"[:80]
        if not leases.claim(sub.id, slot, self.name, POST_LEASE):
            return False  # posted already, or another instance is posting it
        if not leases.begin_post(sub.id, slot, self.name, POST_LEASE):
            return False
        tracked, estimate, _ = usage(project, figures)
        zone = _zone(sub.timezone)
        workspace = project.workspace_id or 0
        message = views.alert_message(
            project,
            tracked or 0,
            estimate or 0,
            level,
            threshold=sub.threshold,
            owner_id=sub.user_id,
            workspace_name=self._workspace_name(sub, workspace),
            workspace_id=workspace,
            at=self.service.clock.now().astimezone(zone),
        )
        try:
            ts = slack.post(sub.team_id, sub.channel_id, message)
        except Exception as err:  # Slack refused (archived channel, bot removed): recorded, never retried in a loop
            leases.finish(sub.id, slot, self.name, "failed", describe(err)[:200])
            metrics.scheduled("alert", "failed")
            log.warning("Could not post an alert of digest %s: %s", sub.id, describe(err))
            return False
        leases.finish(sub.id, slot, self.name, "posted", posted_ts=ts)
        metrics.scheduled("alert", "posted")
        log.info("Posted a real-time alert of digest %s (%s, crossing %d)", sub.id, level, crossing)
        return True

    def _workspace_name(self, sub: Subscription, workspace_id: int) -> str:
        try:
            account = self.service.accounts.account(Asker(team_id=sub.team_id, user_id=sub.user_id))
            return next((w.name for w in self.service.reader.known_workspaces(account) if w.id == workspace_id), "")
        except (NotConnected, ReconnectNeeded, KeyMissing):
            return ""

    # -- the periodic check ----------------------------------------------------------------------

    def tick(self) -> int:
        """Run every check that is due, each claimed by one instance; how many ran."""
        ran = 0
        now = self.service.schedule_clock.time()
        for hook in self.service.webhooks.all():
            if not _due(hook, now) or not self.service.webhooks.claim_check(hook, now):
                continue
            ran += 1
            full = _full_check_due(hook, now)
            try:
                if full and hook.status == ACTIVE:
                    repair(self.service, hook)
                self.reread(hook, full=full)
            except Exception:  # one workspace's trouble must not stop the others' checks
                log.exception("The alerts check of %r failed", hook)
        return ran

    def reread(self, hook: Hook, *, full: bool = True) -> int:
        """Re-read the workspace's projects, then judge every crossing. The full check (the reconcile, or a poll)
        reads each alerting person's projects with one `since` request, and up to `PERIOD_LIMIT` recurring
        projects' period figures; the re-read after deliveries the app could not apply alone reads one copy only
        (the first alerting person's): one request per workspace, whatever the burst."""
        for _, account in alerting(self.service, hook.team_id, hook.workspace_id):
            try:
                self.service.reader.projects(account, hook.workspace_id, max_age=0)
            except toggl.TogglError as err:
                log.info("The alerts check could not re-read a workspace's projects: %s", type(err).__name__)
            if not full:
                break
        return self.evaluate(hook.team_id, hook.workspace_id, periods=full)


def _due(hook: Hook, now: float) -> bool:
    gap = now - hook.checked_at
    if hook.dirty_since is not None and gap >= REREAD_GAP:
        return True
    return _full_check_due(hook, now)


def _full_check_due(hook: Hook, now: float) -> bool:
    return now - hook.checked_at >= (RECONCILE_SECONDS if hook.status == ACTIVE else POLL_SECONDS)


def _add_seconds(data: dict[str, Any], delta: int) -> bool:
    total = max(0, int(data.get("actual_seconds") or 0) + delta)
    data["actual_seconds"] = total
    data["actual_hours"] = total // 3600
    return True


def _zone(name: str) -> ZoneInfo | dt.timezone:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return dt.UTC


_OWNER = runner_name()
