"""The app's one Toggl webhook subscription per Slack team and Toggl workspace: made, reused, repaired, removed.

It is made with the token of the person who turned alerts on, its callback under `{PUBLIC_URL}/toggl/webhooks/`
and a secret of the app's own. A subscription of the app's already at Toggl (a callback with this hook's URL) is
reused; one the app did not make is never changed or deleted. Where there is no `PUBLIC_URL`, the plan's slots
are full, or Toggl refuses, the hook polls instead, and `detail` says why in one sentence.

When the last alerting digest of a team goes (alerts off, unsubscribe, disconnect, uninstall), the subscription
is deleted at Toggl with the token that made it, while that token is still kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from bot import toggl
from bot.alerts.rules import FILTERS
from bot.identity import Account, Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.service import Service
from bot.store import Hook
from bot.store import Subscription as Digest
from bot.store.webhooks import ACTIVE, POLLING
from bot.toggl.webhooks import Subscription, WebhooksApi, webhooks_api

log = logging.getLogger(__name__)

WEBHOOKS_PATH = "/toggl/webhooks/"
DESCRIPTION = "Toggl for Slack: real-time budget alerts"
NO_PUBLIC_URL = "This app has no public address (PUBLIC_URL), so Toggl cannot send it webhooks."


def ensure_hook(service: Service, account: Account, team_id: str, user_id: str, workspace_id: int) -> Hook:
    """The workspace's hook, with a working subscription at Toggl where one can be had."""
    hook = service.webhooks.of_workspace(team_id, workspace_id)
    if hook is None:
        _, ciphertext = service.accounts.new_secret()
        hook = service.webhooks.add(team_id, workspace_id, user_id, ciphertext)
    if hook.status == ACTIVE:
        return hook
    if service.public_url is None:
        service.webhooks.update(hook.hook_id, status=POLLING, detail=NO_PUBLIC_URL)
        return service.webhooks.hook(hook.hook_id) or hook
    return _subscribe(service, account, hook, user_id)


def _subscribe(service: Service, account: Account, hook: Hook, user_id: str) -> Hook:
    secret = service.accounts.secret_of(hook)
    if secret is None:
        return hook
    api = webhooks_api(service.clients, account.token.get_secret_value())
    url = callback_url(service, hook)
    try:
        existing = api.subscriptions(hook.workspace_id)
        _delete_orphans(service, api, hook.workspace_id, existing)
        ours = next((s for s in existing if s.url_callback == url), None)
        if ours is None:
            ours = api.create(hook.workspace_id, url=url, secret=secret, filters=FILTERS, description=DESCRIPTION)
        elif not ours.enabled:
            ours = api.enable(hook.workspace_id, ours.subscription_id)
    except toggl.TogglError as err:
        detail = _refusal(err)
        log.info("Toggl did not take a webhook subscription (%s): alerts use the periodic check", type(err).__name__)
        service.webhooks.update(hook.hook_id, status=POLLING, detail=detail, user_id=user_id)
    else:
        current = service.webhooks.hook(hook.hook_id)
        validated = bool(ours.validated_at) or (current is not None and current.validated)
        service.webhooks.update(
            hook.hook_id,
            status=ACTIVE,
            detail="",
            subscription_id=ours.subscription_id,
            user_id=user_id,
            validated=validated,
        )
    finally:
        api.close()
    return service.webhooks.hook(hook.hook_id) or hook


def repair(service: Service, hook: Hook) -> None:
    """The periodic look at Toggl's side: our subscription still there, enabled (Toggl disables one whose
    deliveries failed) and validated; made again if it went."""
    account = _owner(service, hook)
    if account is None:
        return
    api = webhooks_api(service.clients, account.token.get_secret_value())
    try:
        found = next(
            (s for s in api.subscriptions(hook.workspace_id) if s.url_callback == callback_url(service, hook)), None
        )
        if found is None:
            service.webhooks.update(hook.hook_id, status=POLLING, detail="", subscription_id=None, validated=False)
            refreshed = service.webhooks.hook(hook.hook_id)
            if refreshed is not None:
                _subscribe(service, account, refreshed, hook.user_id)
            return
        if not found.enabled:
            log.warning("Toggl had disabled the app's webhook subscription (failed deliveries): enabling it again")
            api.enable(hook.workspace_id, found.subscription_id)
        if not found.validated_at:  # the first ping went unanswered (the app was down, say): ask for another
            api.ping(hook.workspace_id, found.subscription_id)
    except toggl.TogglError as err:
        log.info("Could not look at the app's webhook subscription at Toggl: %s", type(err).__name__)
    finally:
        api.close()


def alerting(service: Service, team_id: str, workspace_id: int) -> Iterator[tuple[Digest, Account]]:
    """The team's digests with alerts on, not paused, whose subscriber's chosen workspace is this one."""
    for sub_id in service.webhooks.alerting(team_id):
        sub = service.subscriptions.by_id(sub_id, team_id)
        if sub is None or sub.paused_reason:
            continue
        try:
            account = service.accounts.account(Asker(team_id=team_id, user_id=sub.user_id))
        except (NotConnected, ReconnectNeeded, KeyMissing):
            continue
        chosen = service.reader.kept_workspace_id(account)
        if chosen is None:  # never known: one `/me`, kept an hour, and then known without asking
            try:
                chosen = service.reader.workspace_id(account)
            except toggl.TogglError:
                continue
        if chosen == workspace_id:
            yield sub, account


def release_unused(service: Service, team_id: str) -> None:
    """Delete each of the team's hooks (Toggl's side too) whose workspace no digest alerts in any more."""
    for hook in service.webhooks.of_team(team_id):
        if next(alerting(service, team_id, hook.workspace_id), None) is None:
            _delete_at_toggl(service, hook)
            service.webhooks.delete(hook.hook_id)


def release_team(service: Service, team_id: str) -> None:
    """Delete every hook of the team, at Toggl with the token that made it: uninstall, or no alerts left."""
    for hook in service.webhooks.of_team(team_id):
        _delete_at_toggl(service, hook)
        service.webhooks.delete(hook.hook_id)


def release_person(service: Service, team_id: str, user_id: str) -> None:
    """A person disconnects: the subscriptions their token made go now, while the token is still here; another
    alerting subscriber of the team takes the workspace over."""
    for hook in service.webhooks.of_team(team_id):
        if hook.user_id != user_id:
            continue
        _delete_at_toggl(service, hook)
        service.webhooks.delete(hook.hook_id)
        heir = next((found for found in alerting(service, team_id, hook.workspace_id) if found[0].user_id != user_id), None)
        if heir is not None:  # another subscriber alerting in that workspace keeps it going with their token
            ensure_hook(service, heir[1], team_id, heir[0].user_id, hook.workspace_id)


def _delete_orphans(service: Service, api: WebhooksApi, workspace_id: int, existing: list[Subscription]) -> None:
    """Subscriptions of this app's own (their callback under our URL) that no hook of any team knows: left behind
    when deleting one failed. They would hold the plan's slot for ever; nobody else's is touched."""
    prefix = f"{service.public_url or ''}{WEBHOOKS_PATH}"
    for found in existing:
        if not found.ours(prefix) or service.webhooks.hook(found.url_callback[len(prefix) :]) is not None:
            continue
        try:
            api.delete(workspace_id, found.subscription_id)
            log.info("Deleted a Toggl webhook subscription of this app's that no hook knew any more")
        except toggl.TogglError as err:
            log.info("Could not delete an orphaned webhook subscription of this app's: %s", type(err).__name__)


def callback_url(service: Service, hook: Hook) -> str:
    return f"{service.public_url or ''}{WEBHOOKS_PATH}{hook.hook_id}"


def _delete_at_toggl(service: Service, hook: Hook) -> None:
    if hook.subscription_id is None:
        return
    account = _owner(service, hook)
    if account is None:
        log.warning("Left a Toggl webhook subscription in place: the token that made it is gone (%r)", hook)
        return
    api = webhooks_api(service.clients, account.token.get_secret_value())
    try:
        api.delete(hook.workspace_id, hook.subscription_id)
    except toggl.NotFound:
        pass  # gone already
    except toggl.TogglError as err:
        log.warning("Could not delete a Toggl webhook subscription: %s", type(err).__name__)
    finally:
        api.close()


def _owner(service: Service, hook: Hook) -> Account | None:
    try:
        return service.accounts.account(Asker(team_id=hook.team_id, user_id=hook.user_id))
    except (NotConnected, ReconnectNeeded, KeyMissing):
        return None


def _refusal(err: toggl.TogglError) -> str:
    """One sentence for people: why there is no webhook."""
    if isinstance(err, toggl.TogglUnavailable | toggl.RateLimited):
        return "Toggl could not be reached to set up a webhook just now (try `digest alerts on` again later)."
    if isinstance(err, toggl.TokenRejected | toggl.NoWorkspaceAccess):
        return "Toggl would not let your token set up a webhook in this workspace."
    return "This workspace's webhook slots at Toggl are full or Toggl refused one (the free plan has one slot)."


def resume_person(service: Service, team_id: str, user_id: str) -> None:
    """A person connected again: their alerting digests resume, and with them the workspace's webhook."""
    for sub in service.subscriptions.of_person(team_id, user_id):
        if not sub.alerts:
            continue
        try:
            account = service.accounts.account(Asker(team_id=team_id, user_id=user_id))
            ensure_hook(service, account, team_id, user_id, service.reader.workspace_id(account))
        except (NotConnected, ReconnectNeeded, KeyMissing, toggl.TogglError) as err:
            log.info("Alerts resume at the next check: %s", type(err).__name__)
        return
