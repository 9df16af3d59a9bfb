"""Encryption of Toggl tokens at rest, with Fernet keys that can rotate (MultiFernet: newest key first).

Keys come from `TOKEN_ENCRYPTION_KEY` (comma-separated, newest first). When it is unset, a key
file is made beside the database with mode 0600 and one warning is logged: fine for a laptop,
but a production deployment should hold the key outside the disk that holds the database.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
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

    def can_decrypt(self, ciphertext: str) -> bool:
        try:
            self.decrypt(ciphertext)
        except UnreadableToken:
            return False
        return True

    def rotate(self, ciphertext: str) -> str:
        """The same token re-encrypted under the newest key."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise UnreadableToken("a stored Toggl token could not be decrypted with the configured keys") from None


MAKE_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
SAMPLE = 50
"""Stored tokens tried at start: enough to tell a lost key from one odd row, quick however many there are."""


class KeyProblem(Exception):
    """The encryption key cannot be had or does not fit: its message is one line for the operator, saying what to do."""


def parse_keys(value: str, source: str = "TOKEN_ENCRYPTION_KEY") -> list[bytes]:
    """Comma-separated Fernet keys, newest first, as `TOKEN_ENCRYPTION_KEY` holds them; raises `KeyProblem`."""
    keys = [part.strip().encode() for part in value.split(",") if part.strip()]
    if not keys:
        raise KeyProblem(f"{source} holds no key; make one with: {MAKE_KEY}")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise KeyProblem(
                f"key {position} of {source} is not a Fernet key (32 url-safe base64 bytes); make one with: {MAKE_KEY}"
            ) from None
    return keys


def key_file_for(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".key")


def load_or_create_key_file(path: Path, *, may_create: bool = True) -> list[bytes]:
    """Keys from a key file (one a line, newest first), creating it with one new key and mode 0600 if absent.

    Raises `KeyProblem` for an empty or malformed file, and for a missing one when `may_create` is False.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() and not may_create:
        raise KeyProblem(
            f"the key file {path} is missing, but the database holds encrypted tokens: put the old key file back, "
            "or set TOKEN_ENCRYPTION_KEY to the old key (`toggl-bot doctor` tells what decrypts)"
        )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _say_once("Using the token encryption key file %s; set TOKEN_ENCRYPTION_KEY in production", path)
    else:
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
        _say_once("Created the token encryption key file %s; set TOKEN_ENCRYPTION_KEY in production", path)
    lines = ",".join(line.decode("ascii", "replace").strip() for line in path.read_bytes().splitlines())
    return parse_keys(lines, source=f"the key file {path}")


_said: set[Path] = set()


def _say_once(message: str, path: Path) -> None:
    """The key file warning, once a process (`serve` loads the key to check it, then again to run)."""
    full = path.resolve()
    if full not in _said:
        _said.add(full)
        log.warning(message, full)


def add_key_to_file(path: Path) -> None:
    """Put a fresh key first in the key file, keeping the older ones so existing tokens still decrypt."""
    old = load_or_create_key_file(path)
    path.write_bytes(b"\n".join([Fernet.generate_key(), *old]) + b"\n")
    os.chmod(path, 0o600)


def key_source(setting: str | None, database_path: Path | None) -> str:
    """Where the keys come from, in words, for messages."""
    if setting:
        return "TOKEN_ENCRYPTION_KEY"
    return f"the key file {key_file_for(database_path)}" if database_path else "nowhere (TOKEN_ENCRYPTION_KEY is unset)"


def cipher_from(setting: str | None, database_path: Path | None, stored: Sequence[str] = ()) -> TokenCipher:
    """The cipher for this deployment: the configured keys, or else the key file beside the SQLite database.

    `stored` are ciphertexts already in the database. If there are some and none decrypts with these
    keys (the key file was deleted and remade, or another key was set), `KeyProblem` says so: starting
    anyway would silently lock every person out. A shared PostgreSQL database has no "beside": every
    instance must hold the same key, so there it must be set.
    """
    if setting:
        cipher = TokenCipher(parse_keys(setting))
    elif database_path is None:
        raise KeyProblem(
            "TOKEN_ENCRYPTION_KEY must be set with a PostgreSQL DATABASE_URL (every instance needs the same key); "
            f"make one with: {MAKE_KEY}"
        )
    else:
        cipher = TokenCipher(load_or_create_key_file(key_file_for(database_path), may_create=not stored))
    sample = list(stored[:SAMPLE])
    if sample and not any(cipher.can_decrypt(ciphertext) for ciphertext in sample):
        raise KeyProblem(
            f"none of the stored tokens decrypts with the keys from {key_source(setting, database_path)}: restore the "
            "old key (first in TOKEN_ENCRYPTION_KEY, or in the key file); if it is lost for good, "
            "`toggl-bot doctor --forget-unreadable` deletes those tokens so people can connect again"
        )
    return cipher
