"""Key rotation: every stored token, Toggl's and Slack's, re-encrypted under the newest key.

People's tokens are swapped in one transaction and Slack's in another; each swap only replaces the exact
ciphertext it read, so a token changed meanwhile (a reconnect) is never overwritten with an older one.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.crypto import TokenCipher, UnreadableToken
from bot.store import Store

SLACK_TOKEN_COLUMNS = {
    "slack_bots": ("bot_token", "bot_refresh_token"),
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
}
ENCRYPTED_COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    *((name, "id", columns) for name, columns in SLACK_TOKEN_COLUMNS.items()),
    ("toggl_hooks", "hook_id", ("secret_ciphertext",)),  # Toggl webhooks' signing secrets
]
"""Every encrypted column besides people's tokens: (table, key column, ciphertext columns)."""


def rotate_tokens(store: Store, cipher: TokenCipher) -> tuple[int, int]:
    """Re-encrypt each person's Toggl token and each Slack installation's tokens under `cipher`'s newest key.

    Returns (rotated, unreadable); an unreadable token is left as it was.
    """
    changes: dict[tuple[str, str], tuple[str, str]] = {}
    unreadable = 0
    for person in store.people.all():
        try:
            changes[(person.team_id, person.user_id)] = (person.token_ciphertext, cipher.rotate(person.token_ciphertext))
        except UnreadableToken:
            unreadable += 1
    rotated = store.people.replace_ciphertexts(changes)
    slack_rotated, slack_unreadable = _rotate_slack_tokens(store, cipher)
    return rotated + slack_rotated, unreadable + slack_unreadable


def _rotate_slack_tokens(store: Store, cipher: TokenCipher) -> tuple[int, int]:
    rotated = unreadable = 0
    with store.db.write() as conn:
        for name, key, columns in ENCRYPTED_COLUMNS:
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            for row in conn.execute(sa.select(table.c[key], *(table.c[c] for c in columns))).mappings().all():
                values = {}
                for column in columns:
                    if not row[column]:
                        continue
                    try:
                        values[column] = cipher.rotate(row[column])
                    except UnreadableToken:
                        unreadable += 1
                if values:
                    unchanged = [table.c[column] == row[column] for column in values]
                    where = [table.c[key] == row[key], *unchanged]
                    result = conn.execute(sa.update(table).where(*where).values(**values))
                    rotated += len(values) if result.rowcount else 0
    return rotated, unreadable
