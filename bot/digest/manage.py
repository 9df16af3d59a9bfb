"""The `digest ...` words: subscribe a channel, list, unsubscribe, preview, and change a subscription's settings.

Only the subscriber or a workspace admin changes a subscription, and words without a number act on
the asker's own digest in the channel ("You have no digest in this channel" when there is none).
Listing and removing a digest, and its settings, need no Toggl connection: a person who disconnected
can still clean up. Every answer is private; the one public message is the announcement in the
channel that it now has a digest.
"""

from __future__ import annotations

import datetime as dt
import logging

from slack_sdk.errors import SlackApiError

from bot import buttons
from bot.alerts.manage import release_unused
from bot.budget import DEFAULT_THRESHOLD
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
from bot.digest import views
from bot.digest.compose import digest_data
from bot.digest.runner import compose
from bot.identity import Account, Asker, NotConnected
from bot.matching import find_project
from bot.service import Service
from bot.slack import CANNOT_POST, NotInstalled, SlackPerson, error_code
from bot.slots import ScheduleError, known_zone, next_slot
from bot.store import Subscription
from bot.toggl.models import Project
from bot.views.account import not_connected
from bot.views.common import Message, channel_ref, escape, message, notice
from bot.views.digest_form import DigestDefaults
from bot.views.tasks import chooser, no_project

log = logging.getLogger(__name__)


DEFAULT_TIME = "09:00"
NEEDS_TOGGL = (DigestSubscribe, DigestPreview)
"""Digest words that read the asker's Toggl data; the others work without a connection (mute, when it must
find a project, asks for the subscriber's)."""


def answer_digest(command: DigestCommand, asker: Asker, account: Account | None, service: Service) -> list[Message]:
    """Carry out one digest command for the person asking in `asker.channel_id`.

    `account` is None for a person without a usable connection; the words that need Toggl raise `NotConnected`.
    """
    if not asker.team_id or not asker.user_id:
        return [notice("Digest commands work in Slack: type them in a channel after `/toggl`.")]
    by_id = isinstance(command, DigestUnsubscribe | DigestMute) and command.subscription_id is not None
    if not asker.channel_id and not by_id:
        return [notice("Digest commands work in a Slack channel: type them there after `/toggl`.")]
    if isinstance(command, NEEDS_TOGGL) and account is None:
        raise NotConnected("a digest needs the asker's Toggl data")
    match command:
        case DigestSubscribe():
            return subscribe(command, asker, _needed(account), service)
        case DigestList():
            assert asker.channel_id
            subs = service.subscriptions.of_channel(asker.team_id, asker.channel_id)
            return [views.subscription_list(subs, lambda s: _next_slot(s, service), asker.user_id)]
        case DigestPreview():
            return [preview(asker, _needed(account), service)]
    target = _target(command, asker, service)
    if isinstance(target, str):
        return [notice(target)]
    match command:
        case DigestUnsubscribe():
            service.subscriptions.delete(target.id)
            release_unused(service, asker.team_id)  # the workspace's webhook goes with its last alerting digest
            whose = "your" if target.user_id == asker.user_id else f"<@{target.user_id}>'s"
            where = "this channel" if target.channel_id == asker.channel_id else channel_ref(target.channel_id)
            return [notice(f"Unsubscribed {whose} digest from {where}.")]
        case DigestThreshold(percent=percent):
            service.subscriptions.update(target.id, threshold=percent)
            return [notice(f"The digest now warns about projects from {percent}% of their estimate.")]
        case DigestEmpty(post=post):
            service.subscriptions.update(target.id, skip_empty=not post)
            said = "says so when all projects are within estimate" if post else "is skipped when there is nothing to report"
            return [notice(f"The digest {said}.")]
        case DigestMute():
            return [mute(command, target, asker, account, service)]
    return [notice("Sorry, I did not understand that digest command.")]


def _needed(account: Account | None) -> Account:
    if account is None:
        raise NotConnected("a digest needs the asker's Toggl data")
    return account


def subscribe(command: DigestSubscribe, asker: Asker, account: Account, service: Service) -> list[Message]:
    assert asker.team_id and asker.channel_id and asker.user_id
    timezone = known_zone(command.timezone) or known_zone(_slack_person(service, asker).timezone)
    if not timezone:  # neither given nor in the Slack profile (or one this server's tz database lacks)
        timezone = known_zone(service.reader.me(account).timezone) or "UTC"
    existing = service.subscriptions.get(asker.team_id, asker.channel_id, asker.user_id)
    sub = service.subscriptions.subscribe(
        asker.team_id,
        asker.channel_id,
        asker.user_id,
        cadence=command.cadence or (existing.cadence if existing else "weekdays"),
        weekday=command.weekday if command.cadence else (existing.weekday if existing else None),
        at_time=command.at or (existing.at_time if existing else DEFAULT_TIME),
        timezone=timezone,
    )
    if command.threshold is not None:
        service.subscriptions.update(sub.id, threshold=command.threshold)
        sub = service.subscriptions.get(asker.team_id, asker.channel_id, asker.user_id) or sub
    can_post = True
    if service.slack is not None and not asker.channel_id.startswith("D"):  # a DM needs no announcement
        try:
            service.slack.post(asker.team_id, asker.channel_id, views.channel_announcement(sub))
        except (SlackApiError, NotInstalled) as err:
            code = error_code(err) if isinstance(err, SlackApiError) else "not_installed"
            can_post = code not in CANNOT_POST
            log.info("Could not announce a subscription in its channel: %s", code)
    return [views.subscribed(sub, next_slot(sub, service.clock.now()), can_post)]


def preview(asker: Asker, account: Account, service: Service) -> Message:
    """The digest now, from the asker's own data, with their subscription's settings if they have one here."""
    assert asker.team_id and asker.channel_id and asker.user_id
    sub = service.subscriptions.get(asker.team_id, asker.channel_id, asker.user_id)
    if sub is None:
        sub = _default(asker, _slack_person(service, asker).timezone or "UTC", service.clock.stamp())
    now = service.clock.now()
    data = digest_data(service.reader, service.reports, account, now.date())
    composed = compose(sub, data, now)
    if composed is None:
        return notice("Nothing to report: all projects are within estimate, and this digest skips empty posts.")
    return composed


def mute(command: DigestMute, sub: Subscription, asker: Asker, account: Account | None, service: Service) -> Message:
    muted = list(sub.muted)
    wanted = command.project.strip().casefold()
    if not command.mute:
        remaining = [m for m in muted if wanted not in (str(m.get("name", "")).casefold(), str(m.get("id")))]
        if len(remaining) == len(muted):
            remaining = [m for m in muted if wanted not in str(m.get("name", "")).casefold()]
        if len(remaining) == len(muted):
            return notice(f"No muted project matches “{escape(command.project)}”.")
        service.subscriptions.update(sub.id, muted=remaining)
        return views.unmuted([str(m.get("name", "")) for m in muted if m not in remaining])
    if sub.user_id == asker.user_id:
        owner_account = _needed(account)
    else:  # an admin muting someone's digest: its projects are the subscriber's
        owner_account = service.accounts.account(Asker(team_id=sub.team_id, user_id=sub.user_id))
    workspace_id = command.workspace_id or service.reader.workspace_id(owner_account)
    projects = service.reader.projects(owner_account, workspace_id).items
    match = find_project(command.project, projects)
    if match.choices:
        text = f"{len(match.choices):,} projects match “{escape(command.project)}”. Which one should the digest leave out?"

        def value_for(p: Project) -> buttons.ButtonValue:
            return buttons.MuteProject(ws=workspace_id, pid=p.id, sub=sub.id)

        menu = buttons.ProjectMenu(ws=workspace_id, then="mute", sub=sub.id)
        return message(text, chooser(text, match.choices, value_for, menu))
    if match.project is None:
        return no_project(command.project, match.closest)
    if all(m.get("id") != match.project.id for m in muted):
        muted.append({"id": match.project.id, "name": match.project.name})
        service.subscriptions.update(sub.id, muted=muted)
    return views.muted(match.project.name)


def _target(command: DigestCommand, asker: Asker, service: Service) -> Subscription | str:
    """The subscription a settings command changes, or why there is none the asker may change."""
    assert asker.team_id and asker.user_id
    by_id = getattr(command, "subscription_id", None)
    if by_id is not None:
        chosen = service.subscriptions.by_id(by_id, asker.team_id)
        if chosen is None:
            return "That digest no longer exists."
    elif isinstance(command, DigestUnsubscribe) and command.number is not None:
        assert asker.channel_id
        subs = service.subscriptions.of_channel(asker.team_id, asker.channel_id)
        if not 1 <= command.number <= len(subs):
            return f"There is no subscription number {command.number} here; `digest list` numbers them."
        chosen = subs[command.number - 1]
    else:
        assert asker.channel_id
        subs = service.subscriptions.of_channel(asker.team_id, asker.channel_id)
        own = [s for s in subs if s.user_id == asker.user_id]
        if own:
            return own[0]
        if not subs:
            return "This channel has no digest. `/toggl digest subscribe` starts one."
        others = "one" if len(subs) == 1 else str(len(subs))
        return (
            f"You have no digest in this channel. `digest list` shows the {others} here; `digest subscribe` starts your own."
        )
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
        threshold=DEFAULT_THRESHOLD,
        skip_empty=False,
        muted=[],
        paused_reason=None,
        last_posted_at=None,
        created_at=now,
        updated_at=now,
    )


def form_defaults(
    asker: Asker,
    service: Service,
    *,
    channel_id: str | None,
    subscription_id: int | None = None,
    response_url: str | None = None,
    from_home: bool = False,
) -> DigestDefaults | Message:
    """What the digest form starts with, or the message to show instead (not connected, not theirs)."""
    assert asker.team_id and asker.user_id
    person = service.accounts.person(asker.team_id, asker.user_id)
    if person is None or not person.token_valid:
        return not_connected()
    sub: Subscription | None = None
    if subscription_id is not None:
        sub = service.subscriptions.by_id(subscription_id, asker.team_id)
        if sub is None or sub.user_id != asker.user_id:
            return notice("That digest is not yours to change, or no longer exists.")
        channel_id = sub.channel_id
    elif channel_id is not None:
        sub = service.subscriptions.get(asker.team_id, channel_id, asker.user_id)
    zone = (
        sub.timezone if sub else (known_zone(_slack_person(service, asker).timezone) or known_zone(person.timezone) or "UTC")
    )
    if sub is None:
        return DigestDefaults(channel_id, timezone=zone or "UTC", response_url=response_url, from_home=from_home)
    return DigestDefaults(
        channel_id,
        cadence=sub.cadence,
        weekday=sub.weekday,
        at=sub.at_time,
        timezone=zone,
        threshold=sub.threshold,
        editing=True,
        response_url=response_url,
        from_home=from_home,
    )
