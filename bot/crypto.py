"""Encryption of Toggl tokens at rest, with Fernet keys that can rotate (MultiFernet: newest key first).

Keys come from `TOKEN_ENCRYPTION_KEY` (comma-separated, newest first). When it is unset, a key
file is made beside the database with mode 0600 and one warning is logged: fine for a laptop,
but a production deployment should hold the key outside the disk that holds the database.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)


class UnreadableToken(Exception):
    """A stored token cannot be decrypted with any configured key (the key was lost or changed)."""


class TokenCipher:
    """Encrypts and decrypts tokens; `store.py` only ever sees the ciphertext this produces."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def __repr__(self) -> str:
        return "TokenCipher(<keys hidden>)"

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """The token; raises `UnreadableToken` when no key fits."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise UnreadableToken("a stored Toggl token could not be decrypted with the configured keys") from None

    def rotate(self, ciphertext: str) -> str:
        """The same token re-encrypted under the newest key."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise UnreadableToken("a stored Toggl token could not be decrypted with the configured keys") from None


def parse_keys(value: str) -> list[bytes]:
    """Comma-separated Fernet keys, newest first, as `TOKEN_ENCRYPTION_KEY` holds them."""
    return [part.strip().encode() for part in value.split(",") if part.strip()]


def key_file_for(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".key")


def load_or_create_key_file(path: Path) -> list[bytes]:
    """Keys from a key file (one a line, newest first), creating it with one new key and mode 0600 if absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        log.warning("Using the token encryption key file %s; set TOKEN_ENCRYPTION_KEY in production", path)
    else:
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
        log.warning("Created the token encryption key file %s; set TOKEN_ENCRYPTION_KEY in production", path)
    return [line.strip() for line in path.read_bytes().splitlines() if line.strip()]


def add_key_to_file(path: Path) -> None:
    """Put a fresh key first in the key file, keeping the older ones so existing tokens still decrypt."""
    old = load_or_create_key_file(path)
    path.write_bytes(b"\n".join([Fernet.generate_key(), *old]) + b"\n")
    os.chmod(path, 0o600)


class KeyProblem(Exception):
    """The encryption key cannot be had: its message is one line for the operator, saying what to do."""


def cipher_from(setting: str | None, database_path: Path | None) -> TokenCipher:
    """The cipher for this deployment: the configured keys, or else the key file beside the SQLite database.

    A shared PostgreSQL database has no "beside": every instance must hold the same key, so it must be set.
    """
    if setting:
        return TokenCipher(parse_keys(setting))
    if database_path is None:
        raise KeyProblem(
            "TOKEN_ENCRYPTION_KEY must be set with a PostgreSQL DATABASE_URL (every instance needs the same key); "
            'make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    return TokenCipher(load_or_create_key_file(key_file_for(database_path)))
