"""The `digest ...` words: subscribe a channel, list, unsubscribe, preview, and change a subscription's settings.

Only the subscriber or a workspace admin changes a subscription. Every answer is private;
the one public message is the announcement in the channel that it now has a digest.
"""

from __future__ import annotations

import datetime as dt
import logging

from slack_sdk.errors import SlackApiError

from bot.commands import (
    DigestCommand,
    DigestEmpty,
    DigestList,
    DigestMute,
    DigestPreview,
    DigestSubscribe,
    DigestThreshold,
    DigestUnsubscribe,
)
from bot.digest.runner import compose
from bot.digest.schedule import ScheduleError, known_zone, next_slot
from bot.matching import find_project
from bot.service import Account, Asker, Service
from bot.slack import CANNOT_POST, NotInstalled, SlackPerson, error_code
from bot.store import Subscription
from bot.views.common import Message, escape, notice
from bot.views.digest import channel_announcement, subscribed, subscription_list
from bot.views.tasks import no_project

log = logging.getLogger(__name__)


DEFAULT_TIME = "09:00"


def answer_digest(command: DigestCommand, asker: Asker, account: Account, service: Service) -> list[Message]:
    """Carry out one digest command for the person asking in `asker.channel_id`."""
    if not asker.channel_id or not asker.team_id or not asker.user_id:
        return [notice("Digest commands work in a Slack channel: type them there after `/toggl`.")]
    match command:
        case DigestSubscribe():
            return subscribe(command, asker, account, service)
        case DigestList():
            subs = service.store.subscriptions.of_channel(asker.team_id, asker.channel_id)
            return [subscription_list(subs, lambda s: _next_slot(s, service))]
        case DigestPreview():
            return [preview(asker, account, service)]
    target = _target(command, asker, service)
    if isinstance(target, str):
        return [notice(target)]
    match command:
        case DigestUnsubscribe():
            service.store.subscriptions.delete(target.id)
            whose = "your" if target.user_id == asker.user_id else f"<@{target.user_id}>'s"
            return [notice(f"Unsubscribed {whose} digest from this channel.")]
        case DigestThreshold(percent=percent):
            service.store.subscriptions.update(target.id, threshold=percent)
            return [notice(f"The digest now warns about projects from {percent}% of their estimate.")]
        case DigestEmpty(post=post):
            service.store.subscriptions.update(target.id, skip_empty=not post)
            said = "says so when all projects are within estimate" if post else "is skipped when there is nothing to report"
            return [notice(f"The digest {said}.")]
        case DigestMute():
            return [mute(command, target, asker, account, service)]
    return [notice("Sorry, I did not understand that digest command.")]


def subscribe(command: DigestSubscribe, asker: Asker, account: Account, service: Service) -> list[Message]:
    assert asker.team_id and asker.channel_id and asker.user_id
    timezone = known_zone(command.timezone) or known_zone(_slack_person(service, asker).timezone)
    if not timezone:  # neither given nor in the Slack profile (or one this server's tz database lacks)
        timezone = known_zone(service.me(account).timezone) or "UTC"
    sub = service.store.subscriptions.subscribe(
        asker.team_id,
        asker.channel_id,
        asker.user_id,
        cadence=command.cadence,
        weekday=command.weekday,
        at_time=command.at or DEFAULT_TIME,
        timezone=timezone,
    )
    can_post = True
    if service.slack is not None:
        try:
            service.slack.post(asker.team_id, asker.channel_id, channel_announcement(sub))
        except (SlackApiError, NotInstalled) as err:
            code = error_code(err) if isinstance(err, SlackApiError) else "not_installed"
            can_post = code not in CANNOT_POST
            log.info("Could not announce a subscription in its channel: %s", code)
    return [subscribed(sub, next_slot(sub, service.clock.now()), can_post)]


def preview(asker: Asker, account: Account, service: Service) -> Message:
    """The digest now, from the asker's own data, with their subscription's settings if they have one here."""
    assert asker.team_id and asker.channel_id and asker.user_id
    sub = service.store.subscriptions.get(asker.team_id, asker.channel_id, asker.user_id)
    if sub is None:
        sub = _default(asker, _slack_person(service, asker).timezone or "UTC", service.clock.stamp())
    now = service.clock.now()
    data = service.digest_data(account, today=now.date())
    message = compose(sub, data, now)
    if message is None:
        return notice("Nothing to report: all projects are within estimate, and this digest skips empty posts.")
    return message


def mute(command: DigestMute, sub: Subscription, asker: Asker, account: Account, service: Service) -> Message:
    muted = list(sub.muted)
    wanted = command.project.strip().casefold()
    if not command.mute:
        remaining = [m for m in muted if wanted not in (str(m.get("name", "")).casefold(), str(m.get("id")))]
        if len(remaining) == len(muted):
            remaining = [m for m in muted if wanted not in str(m.get("name", "")).casefold()]
        if len(remaining) == len(muted):
            return notice(f"No muted project matches “{escape(command.project)}”.")
        service.store.subscriptions.update(sub.id, muted=remaining)
        return notice(f"Unmuted: {', '.join(escape(m['name']) for m in muted if m not in remaining)}.")
    owner_account = (
        account if sub.user_id == asker.user_id else service.account(Asker(team_id=sub.team_id, user_id=sub.user_id))
    )
    projects = service.projects(owner_account, service.workspace_id(owner_account)).items
    match = find_project(command.project, projects)
    if match.choices:
        names = ", ".join(f"*{escape(p.name)}* (id {p.id})" for p in match.choices[:10])
        return notice(
            f"{len(match.choices)} projects match “{escape(command.project)}”: {names}. Name one exactly, or by id."
        )
    if match.project is None:
        return no_project(command.project, match.closest)
    if all(m.get("id") != match.project.id for m in muted):
        muted.append({"id": match.project.id, "name": match.project.name})
        service.store.subscriptions.update(sub.id, muted=muted)
    return notice(f"Muted *{escape(match.project.name)}*: the digest leaves it out. `digest unmute` brings it back.")


def _target(command: DigestCommand, asker: Asker, service: Service) -> Subscription | str:
    """The subscription a settings command changes, or why there is none the asker may change."""
    assert asker.team_id and asker.channel_id and asker.user_id
    subs = service.store.subscriptions.of_channel(asker.team_id, asker.channel_id)
    if isinstance(command, DigestUnsubscribe) and command.number is not None:
        if not 1 <= command.number <= len(subs):
            return f"There is no subscription number {command.number} here; `digest list` numbers them."
        chosen = subs[command.number - 1]
    else:
        own = [s for s in subs if s.user_id == asker.user_id]
        if own:
            return own[0]
        if not subs:
            return "This channel has no digest. `/toggl digest subscribe` starts one."
        if len(subs) > 1:
            return "This channel has several digests and none is yours. `digest list` numbers them."
        chosen = subs[0]
    if chosen.user_id == asker.user_id or _slack_person(service, asker).is_admin:
        return chosen
    return f"Only <@{chosen.user_id}>, who subscribed, or a workspace admin can change that digest."


def _next_slot(sub: Subscription, service: Service) -> dt.datetime | None:
    """When the subscription posts next, or None when its schedule cannot be computed (it is paused then)."""
    try:
        return next_slot(sub, service.clock.now())
    except ScheduleError:
        return None


def _slack_person(service: Service, asker: Asker) -> SlackPerson:
    if service.slack is None or not asker.team_id or not asker.user_id:
        return SlackPerson()
    return service.slack.person(asker.team_id, asker.user_id)


def _default(asker: Asker, timezone: str, now: str) -> Subscription:
    """Settings for a preview where the asker has no subscription yet."""
    assert asker.team_id and asker.channel_id and asker.user_id
    return Subscription(
        id=0,
        team_id=asker.team_id,
        channel_id=asker.channel_id,
        user_id=asker.user_id,
        cadence="weekdays",
        weekday=None,
        at_time=DEFAULT_TIME,
        timezone=timezone,
        threshold=80,
        skip_empty=False,
        muted=[],
        paused_reason=None,
        last_posted_at=None,
        created_at=now,
        updated_at=now,
    )
