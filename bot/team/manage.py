"""The `team ...` words: subscribe a channel to a team post, stop it, preview it, see one's own line, and have a say.

Only a Toggl workspace admin subscribes or previews a team post: it shows everyone's time, read with the
admin's own token. A member is refused with the admins' names, when Toggl lets the member see them. Stopping
a post is for its subscriber or a Slack workspace admin. `team me` and `team nudge on|off` need no Toggl
request: the first reads what the last posts said (kept when posted), the second is the person's own say.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import toggl
from bot.commands import TeamCommand, TeamMe, TeamNudge, TeamPreview, TeamSubscribe, TeamUnsubscribe
from bot.identity import Account, Asker, NotConnected
from bot.service import Service
from bot.slack import CANNOT_POST, NotInstalled, SlackPerson, error_code
from bot.slots import ScheduleError, known_zone, next_slot, zone
from bot.store.team import TeamPost
from bot.team import views
from bot.team.compose import admins_of, team_report
from bot.team.period import covered
from bot.views.common import Message, notice

log = logging.getLogger(__name__)

DEFAULT_TIME = "09:00"
NEEDS_TOGGL = (TeamSubscribe, TeamPreview)
"""Team words that read the asker's Toggl data; the others work without a connection."""
PERIOD_KEY = "_period"
"""The key of `last_lines` that holds the days the last post covered."""


def answer_team(command: TeamCommand, asker: Asker, account: Account | None, service: Service) -> list[Message]:
    """Carry out one team command for the person asking in `asker.channel_id`."""
    if not asker.team_id or not asker.user_id:
        return [notice("Team posts work in Slack: type these words there, after `/toggl`.")]
    match command:
        case TeamNudge(on=on):
            service.team.set_nudge(asker.team_id, asker.user_id, on)
            return [views.nudge_set(on)]
        case TeamMe():
            return [me(asker, service)]
        case TeamUnsubscribe():
            return [unsubscribe(command, asker, service)]
    if not asker.channel_id or asker.channel_id.startswith("D"):
        return [
            notice("A team post goes to a channel: type this there after `/toggl`, and invite me with `/invite @Toggl`.")
        ]
    if account is None:
        raise NotConnected("a team post needs the asker's Toggl data")
    workspace_id = service.reader.workspace_id(account)
    allowed, admins = admins_of(service, account, workspace_id)
    if not allowed:
        names = None if admins is None else [a.fullname or a.email or f"Toggl user {a.id}" for a in admins]
        return [views.refusal(names, _workspace_name(service, account, workspace_id))]
    match command:
        case TeamSubscribe():
            return [subscribe(command, asker, account, workspace_id, service)]
        case TeamPreview():
            return [preview(asker, account, workspace_id, service)]
    return [notice("Sorry, I did not understand that team command.")]


def subscribe(command: TeamSubscribe, asker: Asker, account: Account, workspace_id: int, service: Service) -> Message:
    assert asker.team_id and asker.channel_id and asker.user_id
    existing = service.team.of_channel(asker.team_id, asker.channel_id)
    timezone = known_zone(command.timezone) or (existing.timezone if existing else None)
    timezone = timezone or known_zone(_slack_person(service, asker).timezone)
    if not timezone:
        timezone = known_zone(service.reader.me(account).timezone) or "UTC"
    minimum = command.min_minutes * 60 if command.min_minutes is not None else (existing.min_seconds if existing else None)
    try:
        post = service.team.subscribe(
            asker.team_id,
            asker.channel_id,
            asker.user_id,
            workspace_id=workspace_id,
            cadence=command.cadence or (existing.cadence if existing else "weekdays"),
            weekday=command.weekday if command.cadence else (existing.weekday if existing else None),
            at_time=command.at or (existing.at_time if existing else DEFAULT_TIME),
            timezone=timezone,
            min_seconds=minimum,
        )
    except ScheduleError as err:
        return notice(f"I cannot schedule that: {err}.")
    can_post = True
    if service.slack is not None and existing is None:
        try:
            service.slack.post(asker.team_id, asker.channel_id, views.announcement(post))
        except (SlackApiError, NotInstalled) as err:
            code = error_code(err) if isinstance(err, SlackApiError) else "not_installed"
            can_post = code not in CANNOT_POST
            log.info("Could not announce a team post in its channel: %s", code)
    return views.subscribed(post, next_slot(post, service.clock.now()), can_post)


def preview(asker: Asker, account: Account, workspace_id: int, service: Service) -> Message:
    """The channel's post as it would go out now, from the asker's (an admin's) data, shown privately."""
    assert asker.team_id and asker.channel_id and asker.user_id
    post = service.team.of_channel(asker.team_id, asker.channel_id)
    cadence = post.cadence if post else "weekdays"
    zone_name = post.timezone if post else (known_zone(_slack_person(service, asker).timezone) or "UTC")
    today = service.clock.now().astimezone(zone(zone_name)).date()
    report = team_report(
        service,
        account,
        team_id=asker.team_id,
        owner_id=asker.user_id,
        workspace_id=workspace_id,
        covered=covered(cadence, today),
        min_seconds=post.min_seconds if post else None,
    )
    main, thread = views.team_post(report, post)
    if thread:  # privately, the post as it would open; the thread's full list follows it in the channel
        return {**main, "text": main["text"] + " (preview: everyone is listed in the thread of the real post)"}
    return main


def unsubscribe(command: TeamUnsubscribe, asker: Asker, service: Service) -> Message:
    assert asker.team_id and asker.user_id
    post: TeamPost | None
    if command.post_id is not None:
        post = service.team.by_id(command.post_id, asker.team_id)
    elif asker.channel_id:
        post = service.team.of_channel(asker.team_id, asker.channel_id)
    else:
        return notice("Type `team unsubscribe` in the channel whose team post should stop.")
    if post is None:
        return notice("There is no team post here. `/toggl team subscribe` starts one (Toggl workspace admins only).")
    mine = post.user_id == asker.user_id
    if not mine and not _slack_person(service, asker).is_admin:
        return notice(f"Only <@{post.user_id}>, who set it up, or a Slack workspace admin can stop this team post.")
    service.team.delete(post.id)
    return views.unsubscribed(mine, post.user_id, post.channel_id)


def me(asker: Asker, service: Service) -> Message:
    """What the last post of each channel said about the asker, from what was kept when it was posted."""
    assert asker.team_id and asker.user_id
    person = service.accounts.person(asker.team_id, asker.user_id)
    nudge_on = service.team.nudge_of(asker.team_id, asker.user_id)
    if person is None or not person.toggl_user_id:
        return views.team_me([], nudge_on)
    said = [
        (post.channel_id, post.last_lines.get(PERIOD_KEY, ""), post.last_lines[str(person.toggl_user_id)])
        for post in service.team.of_team(asker.team_id)
        if str(person.toggl_user_id) in post.last_lines
    ]
    return views.team_me(said, nudge_on)


def _workspace_name(service: Service, account: Account, workspace_id: int) -> str | None:
    try:
        return next((w.name for w in service.reader.known_workspaces(account) if w.id == workspace_id), None)
    except toggl.TogglError:
        return None


def _slack_person(service: Service, asker: Asker) -> SlackPerson:
    if service.slack is None or not asker.team_id or not asker.user_id:
        return SlackPerson()
    return service.slack.person(asker.team_id, asker.user_id)
