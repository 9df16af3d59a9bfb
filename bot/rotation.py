"""Key rotation: every stored token, Toggl's and Slack's, re-encrypted under the newest key in one transaction."""

from __future__ import annotations

import sqlalchemy as sa

from bot.crypto import TokenCipher, UnreadableToken
from bot.store import Store

SLACK_TOKEN_COLUMNS = {
    "slack_bots": ("bot_token", "bot_refresh_token"),
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
}


def rotate_tokens(store: Store, cipher: TokenCipher) -> tuple[int, int]:
    """Re-encrypt each person's Toggl token and each Slack installation's tokens under `cipher`'s newest key.

    Returns (rotated, unreadable); an unreadable token is left as it was.
    """
    rotated: dict[tuple[str, str], str] = {}
    unreadable = 0
    for person in store.people.all():
        try:
            rotated[(person.team_id, person.user_id)] = cipher.rotate(person.token_ciphertext)
        except UnreadableToken:
            unreadable += 1
    store.people.replace_ciphertexts(rotated)
    slack_rotated, slack_unreadable = _rotate_slack_tokens(store, cipher)
    return len(rotated) + slack_rotated, unreadable + slack_unreadable


def _rotate_slack_tokens(store: Store, cipher: TokenCipher) -> tuple[int, int]:
    rotated = unreadable = 0
    with store.db.write() as conn:
        for name, columns in SLACK_TOKEN_COLUMNS.items():
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            for row in conn.execute(sa.select(table.c.id, *(table.c[c] for c in columns))).mappings().all():
                values = {}
                for column in columns:
                    if not row[column]:
                        continue
                    try:
                        values[column] = cipher.rotate(row[column])
                    except UnreadableToken:
                        unreadable += 1
                if values:
                    conn.execute(sa.update(table).where(table.c.id == row["id"]).values(**values))
                    rotated += len(values)
    return rotated, unreadable
