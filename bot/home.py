"""What the Home tab shows, gathered cheaply: it opens every time a person clicks the app.

Cost per open: nothing but the database for someone not connected; for a connected person, the
cached projects while younger than `CachePolicy.home_seconds` (15 minutes; the Refresh button asks
sooner), then one `since` request; the workspace list as last fetched (the `/me` quota is 30 an
hour, so it is fetched only if it never was); recurring projects' figures and forecasts' pace only if
already known. The timer is what the app remembers while younger than `home_seconds` too (it knows
what it started or stopped itself), else one `/me/time_entries/current` request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import toggl, tracking
from bot.alerts.hooks import release_unused
from bot.alerts.manage import answer_alerts
from bot.browse import local_today
from bot.budget import DEFAULT_THRESHOLD, forecasts_for, is_ended, is_gone
from bot.commands import DigestAlerts
from bot.identity import Account, Asker, NotConnected, ReconnectNeeded
from bot.service import Service
from bot.slots import next_slot
from bot.views.account import not_connected
from bot.views.common import Message, notice
from bot.views.errors import toggl_error_message
from bot.views.home import HomeData, HomeTimer, home_view


def home_data(team_id: str, user_id: str, service: Service, *, refresh: bool = False) -> HomeData:
    """The Home tab's data; `refresh` (the button) uses the usual freshness window instead of the Home's longer one."""
    data = _home_data(team_id, user_id, service, refresh=refresh)
    # The team lead's view (issue 21): the person's team posts and their say, from the database alone.
    posts = service.team.of_person(team_id, user_id)
    now = service.clock.now()
    upcoming = {p.id: next_slot(p, now) for p in posts if not p.paused_reason}
    nudge = service.team.nudge_of(team_id, user_id)
    return dataclasses.replace(data, team_posts=posts, team_next=upcoming, team_nudge=nudge)


def _home_data(team_id: str, user_id: str, service: Service, *, refresh: bool = False) -> HomeData:
    person = service.accounts.person(team_id, user_id)
    digests = service.subscriptions.of_person(team_id, user_id)
    now = service.clock.now()
    next_at = {s.id: next_slot(s, now) for s in digests if not s.paused_reason}
    personal = service.personal.of_person(team_id, user_id)
    base = HomeData(person=person, digests=digests, next_at=next_at, personal=personal, now=now)
    if person is None or not person.token_valid:
        return base
    try:
        account = service.accounts.account(Asker(team_id=team_id, user_id=user_id))
    except (NotConnected, ReconnectNeeded):
        return HomeData(person=None, digests=digests, next_at=next_at, now=now)
    threshold = service.subscriptions.threshold_of(team_id, user_id, None, DEFAULT_THRESHOLD)
    try:
        workspaces = service.reader.known_workspaces(account)
        workspace_id = service.reader.workspace_id(account)
        max_age = service.policy.fresh_seconds if refresh else service.reader.home_freshness(account)
        snapshot = service.reader.projects(account, workspace_id, max_age=max_age)
    except toggl.TokenRejected:
        service.accounts.token_rejected(account)
        return HomeData(person=service.accounts.person(team_id, user_id), digests=digests, next_at=next_at)
    except toggl.TogglError as err:
        logging.getLogger(__name__).info("The Home tab shows no projects: %s", err)
        problem = toggl_error_message(err)["text"]
        return HomeData(person=person, digests=digests, next_at=next_at, threshold=threshold, problem=problem)
    today = local_today(account, service)
    running = [p for p in snapshot.items if not is_gone(p) and not is_ended(p, today)]
    estimated = [p for p in running if (p.period_estimate_seconds if p.recurring else p.estimated_seconds)]
    figures = service.reports.cached_period_figures(account, estimated)
    pace = service.reports.pace(account, workspace_id, today, fetch=False)
    return HomeData(
        person=person,
        digests=digests,
        next_at=next_at,
        workspaces=workspaces,
        workspace_id=workspace_id,
        projects=estimated,
        figures=figures,
        threshold=threshold,
        as_of=_local(snapshot.as_of, person.timezone),
        stale=snapshot.stale,
        retry_in=snapshot.retry_in,
        forecasts=forecasts_for(estimated, figures, pace, today),
        timer=_timer(account, service, refresh),
        personal=personal,
        now=now,
    )


def _timer(account: Account, service: Service, refresh: bool) -> HomeTimer | None:
    """The timer as remembered (up to `home_seconds` old, or the freshness window after Refresh), else from Toggl."""
    max_age = None if refresh else service.policy.home_seconds
    try:
        state = tracking.timer_state(service.reader, account, max_age=max_age, want_last=False)
    except toggl.TokenRejected:
        service.accounts.token_rejected(account)
        return None
    except toggl.TogglError as err:
        logging.getLogger(__name__).info("The Home tab shows no timer: %s", err)
        return None
    entry = state.running or state.last
    project = tracking.project_of(service.reader, account, entry.workspace_id, entry.project_id) if entry else None
    return HomeTimer(state=state, project=project, zone=service.reader.zone(account))


def home_for(team_id: str, user_id: str, service: Service, *, refresh: bool = False) -> dict[str, Any]:
    """The Home tab's view for this person."""
    return home_view(home_data(team_id, user_id, service, refresh=refresh))


def _local(stamp: float, zone: str | None) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(stamp, ZoneInfo(zone or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return dt.datetime.fromtimestamp(stamp, dt.UTC)


def switch_workspace(asker: Asker, workspace_id: int, service: Service) -> Message | None:
    """The Home tab's workspace menu; a message only when the switch could not be made."""
    try:
        account = service.accounts.account(asker)
        found = service.accounts.switch_workspace(account, str(workspace_id))
    except (NotConnected, ReconnectNeeded):
        return not_connected()
    except toggl.TogglError as err:
        return toggl_error_message(err)
    return None if found is not None else notice("That workspace is no longer one of yours.")


def stop_digest(asker: Asker, subscription_id: int, service: Service) -> Message | None:
    """The Home tab's Stop button: the person's own digest only; one already gone needs no word."""
    assert asker.team_id and asker.user_id
    sub = service.subscriptions.by_id(subscription_id, asker.team_id)
    if sub is None:
        return None
    if sub.user_id != asker.user_id:
        return notice("That digest is not yours to stop.")
    service.subscriptions.delete(sub.id)
    release_unused(service, asker.team_id)
    return None


def set_alerts(asker: Asker, subscription_id: int, on: bool, service: Service) -> Message | None:
    """The Home tab's alerts switch: the person's own digest only. The tab shows the change; turning alerts on
    also says how they come (a webhook, or a periodic check and why) in the Messages tab."""
    assert asker.team_id and asker.user_id
    sub = service.subscriptions.by_id(subscription_id, asker.team_id)
    if sub is None:
        return None
    if sub.user_id != asker.user_id:
        return notice("That digest is not yours to change.")
    where = dataclasses.replace(asker, channel_id=sub.channel_id)
    account = service.accounts.account(where) if on else None
    reply = answer_alerts(DigestAlerts(on=on), where, account, service)
    return reply if on else None
