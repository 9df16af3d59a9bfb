"""`digest alerts on|off`: a digest's real-time alerts turned on (a baseline of what is above now, and the
workspace's webhook, `bot.alerts.hooks`) or off (the webhook removed with the last alerting digest)."""

from __future__ import annotations

import logging

from bot import toggl
from bot.alerts import views
from bot.alerts.hooks import NO_PUBLIC_URL, ensure_hook, release_person, release_team, release_unused
from bot.alerts.watch import Watcher
from bot.commands import DigestAlerts
from bot.identity import Account, Asker, NotConnected
from bot.service import Service
from bot.store.webhooks import ACTIVE
from bot.views.common import Message

log = logging.getLogger(__name__)

ADMIN_ROLES = {"admin", "owner", "organization_owner", "workspace_admin"}


def answer_alerts(command: DigestAlerts, asker: Asker, account: Account | None, service: Service) -> Message:
    """Turn the asker's digest's alerts in this channel on or off."""
    assert asker.team_id and asker.user_id and asker.channel_id
    sub = service.subscriptions.get(asker.team_id, asker.channel_id, asker.user_id)
    if sub is None:
        return views.no_digest_here(asker.channel_id)
    if not command.on:
        service.subscriptions.update(sub.id, alerts=False)
        release_unused(service, asker.team_id)
        return views.alerts_off(asker.channel_id, sub.alerts)
    if account is None:
        raise NotConnected("alerts need the subscriber's Toggl data")
    service.subscriptions.update(sub.id, alerts=True)
    workspace_id = service.reader.workspace_id(account)
    try:
        service.reader.projects(account, workspace_id)
    except toggl.TogglError as err:  # the baseline waits for the first check; alerts are on all the same
        log.info("Alerts on without a fresh project list: %s", type(err).__name__)
    Watcher(service).evaluate(asker.team_id, workspace_id, baseline=True, only=sub.id)  # above now: no crossing
    hook = ensure_hook(service, account, asker.team_id, asker.user_id, workspace_id)
    how = views.WEBHOOK_HOW if hook.status == ACTIVE else views.polling_how(hook.detail or NO_PUBLIC_URL)
    return views.alerts_on(
        asker.channel_id, sub.threshold, how=how, member_note=_member_note(service, account, workspace_id)
    )


def _member_note(service: Service, account: Account, workspace_id: int) -> str:
    workspace = next((w for w in service.reader.known_workspaces(account) if w.id == workspace_id), None)
    if workspace is None or workspace.role is None or workspace.role in ADMIN_ROLES:
        return ""
    return views.MEMBER_NOTE


__all__ = ["answer_alerts", "release_person", "release_team", "release_unused"]
