"""Key rotation: every stored token re-encrypted under the newest key, in one transaction."""

from __future__ import annotations

from bot.crypto import TokenCipher, UnreadableToken
from bot.store import Store


def rotate_tokens(store: Store, cipher: TokenCipher) -> tuple[int, int]:
    """Re-encrypt each person's token under `cipher`'s newest key. Returns (rotated, unreadable)."""
    rotated: dict[tuple[str, str], str] = {}
    unreadable = 0
    for person in store.people():
        try:
            rotated[(person.team_id, person.user_id)] = cipher.rotate(person.token_ciphertext)
        except UnreadableToken:
            unreadable += 1
    store.replace_ciphertexts(rotated)
    return len(rotated), unreadable
