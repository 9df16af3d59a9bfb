"""Accounts: a Slack person's connection to Toggl. Connecting checks and stores the token encrypted;
disconnecting deletes it and pauses what ran on it; `account` turns who asks into a usable Toggl identity.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading

from pydantic import SecretStr

from bot import toggl
from bot.crypto import TokenCipher, UnreadableToken
from bot.identity import Account, Asker, KeyMissing, NotConnected, ReconnectNeeded
from bot.rotation import rotate_tokens
from bot.store import Hook, Person, Store
from bot.toggl.models import Me, Workspace
from bot.toggl_reader import TogglReader, dump_workspaces
from bot.tokens import clean_token

log = logging.getLogger(__name__)

DISCONNECTED = "you disconnected your Toggl account"
WELCOMED = "welcomed"


class Accounts:
    """Connect, disconnect, who a person is, and their workspace; the only code that decrypts a token."""

    def __init__(self, store: Store, cipher: TokenCipher, reader: TogglReader) -> None:
        self.store = store
        self.cipher = cipher
        self.reader = reader
        self._visits = threading.Lock()

    def account(self, asker: Asker) -> Account:
        """The account to use; raises `NotConnected`, `ReconnectNeeded` (Toggl rejected the token) or `KeyMissing`
        (this process cannot decrypt it: an operator's problem, logged here at ERROR)."""
        if asker.token is not None:
            return Account(token=asker.token)
        if not (asker.team_id and asker.user_id):
            raise NotConnected("no Slack person and no token")
        person = self.store.people.get(asker.team_id, asker.user_id)
        if person is None:
            raise NotConnected("not connected")
        if not person.token_valid:
            raise ReconnectNeeded("Toggl rejected the stored token")
        try:
            token = self.cipher.decrypt(person.token_ciphertext)
        except UnreadableToken:
            log.error(
                "Cannot decrypt the stored Toggl token of %s/%s: no key of this process fits. It was started before "
                "`toggl-bot rotate-key` and lacks the new key: restart it with the new TOKEN_ENCRYPTION_KEY (or key "
                "file); if the key is lost, `toggl-bot doctor` counts such tokens. Left for a process that has the "
                "key; the person is not asked to reconnect",
                person.team_id,
                person.user_id,
            )
            raise KeyMissing("no key of this process decrypts the stored token") from None
        return Account(token=SecretStr(token), workspace_id=person.workspace_id, person=person)

    def check_token(self, token: str) -> Me:
        """Who owns this token, asked quickly (no retries), for the connect form's 3-second answer."""
        return self.reader.clients.quick_me(clean_token(token))

    def connect(self, team_id: str, user_id: str, token: str, me: Me | None = None) -> tuple[Me, Workspace | None]:
        """Check the token with Toggl (`/me`, unless `me` was just fetched), then store it encrypted.

        Raises `TokenRejected` if Toggl refuses it.
        """
        token = clean_token(token)
        client = self.reader.clients.for_token(token)
        me = me or client.me()
        workspace = None
        try:
            workspaces = client.workspaces()
            default = [w for w in workspaces if w.id == me.default_workspace_id]
            workspace = next(iter(default or workspaces), None)
        except toggl.TogglError as err:  # the token works; the workspace can be chosen later
            log.info("Could not list workspaces while connecting: %s", err)
        self.store.people.save(
            team_id,
            user_id,
            token_ciphertext=self.cipher.encrypt(token),
            toggl_user_id=me.id,
            toggl_name=me.fullname,
            workspace_id=workspace.id if workspace else me.default_workspace_id,
            timezone=me.timezone,
        )
        self.store.subscriptions.resume_of(team_id, user_id)
        self.store.personal.pause_of(team_id, user_id, None)
        self.store.team.resume_of(team_id, user_id)  # team posts (issue 21)
        welcomed = self.store.cache.doc(team_id, user_id, WELCOMED)
        self.store.cache.clear(team_id, user_id)  # it may be another Toggl account now
        if welcomed is not None:  # the person was greeted already, whichever account they connect
            self.store.cache.put_doc(team_id, user_id, WELCOMED, *welcomed)
        now = self.store.clock.time()
        self.store.cache.put_doc(team_id, user_id, "me", me.model_dump_json(), now)
        if workspace is not None:
            self.store.cache.put_doc(team_id, user_id, "workspaces", dump_workspaces(workspaces), now)
        return me, workspace

    def disconnect(self, team_id: str, user_id: str) -> bool:
        """Delete the person's token and pause their digests (connecting again resumes them); True if there was one.

        Paused at once, rather than failing at their next run: a digest cannot be computed without the token.
        """
        person = self.store.people.get(team_id, user_id)
        if person is not None:
            self._forget_token(person)
            self.store.subscriptions.pause_of(team_id, user_id, DISCONNECTED)
            self.store.personal.pause_of(team_id, user_id, DISCONNECTED)
        self.store.cache.clear(team_id, user_id)
        return self.store.people.delete(team_id, user_id)

    def person(self, team_id: str | None, user_id: str | None) -> Person | None:
        """The connected person, from the store alone (no Toggl request), or None."""
        if not (team_id and user_id):
            return None
        return self.store.people.get(team_id, user_id)

    def first_visit(self, team_id: str, user_id: str) -> bool:
        """True once per person: the first time they open the app's Messages tab (they get a welcome).

        Kept as a cache document, which needs no schema change; losing it only means one more welcome.
        The lock makes two quick opens in this process welcome once (across processes, rarely twice).
        """
        with self._visits:
            if self.store.cache.doc(team_id, user_id, WELCOMED) is not None:
                return False
            self.store.cache.put_doc(team_id, user_id, WELCOMED, "1", self.store.clock.time())
            return True

    def token_rejected(self, account: Account) -> None:
        """Toggl refused the token: mark it, so the person is asked to reconnect rather than failing again."""
        if account.person is not None:
            self.store.people.mark_token_invalid(account.person.team_id, account.person.user_id)

    def switch_workspace(self, account: Account, query: str) -> Workspace | None:
        """Find the workspace by id or name and make it the person's default; None when none matches."""
        found = _find_workspace(self.reader.workspaces(account), query)
        if found is None:  # maybe one they were added to since the list was cached
            found = _find_workspace(self.reader.workspaces(account, fresh=True), query)
        if found is not None and account.person is not None:
            self.store.people.set_workspace(account.person.team_id, account.person.user_id, found.id)
        return found

    def new_secret(self) -> tuple[str, str]:
        """A new Toggl webhook signing secret, and its ciphertext to keep: made and kept like a token."""
        secret = secrets.token_urlsafe(32)
        return secret, self.cipher.encrypt(secret)

    def secret_of(self, hook: Hook) -> str | None:
        """A webhook's signing secret; None when no key of this process decrypts it (logged: an operator's problem)."""
        try:
            return self.cipher.decrypt(hook.secret_ciphertext)
        except UnreadableToken:
            log.error("Cannot decrypt the signing secret of a Toggl webhook (%r): no key of this process fits", hook)
            return None

    def of_toggl_user(self, team_id: str, toggl_user_id: int) -> list[Account]:
        """The accounts of the team's people connected as this Toggl user, those whose token this process can read."""
        found = []
        for person in self.store.people.with_toggl_user(team_id, toggl_user_id):
            with contextlib.suppress(NotConnected, ReconnectNeeded, KeyMissing):
                found.append(self.account(Asker(team_id=person.team_id, user_id=person.user_id)))
        return found

    def rotate_keys(self) -> tuple[int, int]:
        """Re-encrypt every stored token, Toggl's and Slack's, under the newest key: (rotated, unreadable)."""
        return rotate_tokens(self.store, self.cipher)

    def forget_team(self, team_id: str) -> int:
        """Everything kept for a Slack workspace that uninstalled the app (`forget`); returns how many people,
        subscriptions and personal messages went."""
        removed = self.forget(team_id=team_id)
        return sum(removed.get(name, 0) for name in ("people", "subscriptions", "personal_schedules"))

    def forget(self, *, team_id: str | None = None, user_id: str | None = None) -> dict[str, int]:
        """Everything kept for a workspace (`team_id`) or one person (`user_id`, in `team_id` or in every
        workspace), as if they had never connected: people, tokens, subscriptions, copies, and the quota readings
        kept under their tokens' hashes. For uninstalling, and `toggl-bot forget` (someone asked by e-mail).
        Returns the rows deleted per table."""
        for person in self.store.people.of_team(team_id) if team_id else self.store.people.all():
            if user_id in (None, person.user_id):
                self._forget_token(person)
        return self.store.forget(team_id=team_id, user_id=user_id)

    def _forget_token(self, person: Person) -> None:
        """Drop this process's client for the person's token and the quota readings kept under its hash."""
        with contextlib.suppress(UnreadableToken):
            token = self.cipher.decrypt(person.token_ciphertext)
            self.reader.clients.forget(token)
            self.store.cache.forget_quota(toggl.TogglClients.key_of(token))
            self.store.cache.forget_quota(toggl.TogglClients.me_key_of(token))


def _find_workspace(workspaces: list[Workspace], query: str) -> Workspace | None:
    """By id, exact name, or a part of the name that only one workspace has."""
    wanted = query.strip().casefold()
    found = next((w for w in workspaces if str(w.id) == wanted), None)
    found = found or next((w for w in workspaces if w.name.casefold() == wanted), None)
    partial = [w for w in workspaces if wanted in w.name.casefold()]
    return found or (partial[0] if len(partial) == 1 else None)
