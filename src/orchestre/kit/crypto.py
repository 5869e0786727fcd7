"""Secrets: encryption at rest (Fernet, key rotation), opaque tokens and their hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBox:
    """Encrypts with the newest key and decrypts with any known key, so keys can rotate."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._keys = list(keys)
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted with the configured keys") from exc

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt under the newest key."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted with the configured keys") from exc


def new_key() -> str:
    return Fernet.generate_key().decode()


def new_token(prefix: str, nbytes: int = 32) -> str:
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def token_hash(token: str) -> str:
    """Tokens are high-entropy, so a plain SHA-256 is the right hash (no need for argon2)."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
