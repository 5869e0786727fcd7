"""The review links' tokens: an id, a random secret and an HMAC signature, in one address.

`<link id hex>.<secret>.<signature>`: the signature is an HMAC-SHA256 of the first two
parts under a key derived from the application's encryption keys (so every key of the
ring is tried, and rotating keys does not cut the links made before). A token whose
signature does not match is refused before any database read, so guessing costs the
guesser a 256-bit forgery; the stored SHA-256 of the whole token is then compared in
constant time, and the expiry and revocation stored with the link decide the rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from orchestre.kit.crypto import token_hash

PURPOSE = b"orchestre/review-links/v1"
MAX_TOKEN = 200


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _derive(key: str) -> bytes:
    raw = base64.urlsafe_b64decode(key.encode())
    return hmac.new(raw, PURPOSE, hashlib.sha256).digest()


@dataclass(frozen=True)
class Parsed:
    """A token whose signature holds: which link it names, and the hash to compare."""

    link_id: uuid.UUID
    token_hash: str


class LinkSigner:
    """Signs new tokens with the newest key; checks them against every key of the ring."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key is required to sign review links")
        self._keys = [_derive(k) for k in keys]

    def _signature(self, key: bytes, body: str) -> str:
        return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())

    def new_token(self, link_id: uuid.UUID) -> str:
        body = f"{link_id.hex}.{secrets.token_urlsafe(24)}"
        return f"{body}.{self._signature(self._keys[0], body)}"

    def parse(self, token: str) -> Parsed | None:
        """The link a token names when its signature is ours; None for anything else."""
        if len(token) > MAX_TOKEN or token.count(".") != 2:
            return None
        body, _, signature = token.rpartition(".")
        valid = False
        for key in self._keys:
            # Every key is tried, whichever matches: the time taken says nothing.
            valid |= hmac.compare_digest(self._signature(key, body), signature)
        if not valid:
            return None
        try:
            link_id = uuid.UUID(hex=body.partition(".")[0])
        except ValueError:
            return None
        return Parsed(link_id=link_id, token_hash=token_hash(token))
