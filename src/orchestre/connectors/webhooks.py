"""What a network pushes to us: verifying a webhook's signature, reading its payload as
plain interactions, and answering the subscription handshake.

A `WebhookReceiver` is stateless like a connector: the receiving domain gives it the raw
body, the headers and the secret (the operator's app secret on that network), and gets
back `WebhookEvent`s, each naming the connected account it concerns by the network's id.
Failures are typed so the receiver maps each to one answer:

- `SignatureMissing`: no signature header (401), `SignatureInvalid`: a wrong one (403);
  nothing is read or stored in either case;
- `PayloadInvalid`: not the network's format (400).

Receivers are found by network name: the `orchestre.webhooks` entry points first (a
third-party network ships its own), then the built-in ones below.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from orchestre.connectors.base import Interaction

log = logging.getLogger("orchestre.connectors")

GROUP = "orchestre.webhooks"
BUILT_IN: dict[str, str] = {
    "facebook": "orchestre.connectors.meta.webhooks:FacebookWebhooks",
    "instagram": "orchestre.connectors.meta.webhooks:InstagramWebhooks",
    "threads": "orchestre.connectors.meta.webhooks:ThreadsWebhooks",
    "sandbox": "orchestre.connectors.sandbox.inbound:SandboxWebhooks",
}


class WebhookError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SignatureMissing(WebhookError):
    """The request carries no signature: not from the network, or misconfigured."""


class SignatureInvalid(WebhookError):
    """The signature does not match the body with our secret."""


class PayloadInvalid(WebhookError):
    """The body is not JSON, or not in the network's webhook format."""


@dataclass(frozen=True)
class WebhookEvent:
    """One interaction for one connected account (the network's account id)."""

    account_external_id: str
    interaction: Interaction


@dataclass(frozen=True)
class WebhookBatch:
    """What one delivery says.

    `delivery_id` is the network's id for the delivery when it sends one (replays are
    recognised by it and by the body's digest). `poll_hints` name (account, stream) pairs
    the payload announced without giving the content (Instagram mentions give ids only):
    the receiver polls those streams at once. `skipped` counts the changes left aside
    (edits, removals, fields we do not read) and malformed entries.
    """

    events: Sequence[WebhookEvent] = ()
    delivery_id: str | None = None
    poll_hints: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    skipped: int = 0


@runtime_checkable
class WebhookReceiver(Protocol):
    @property
    def network(self) -> str: ...

    @property
    def default_secret(self) -> str | None:
        """The secret when the operator set no app (the local sandbox only), else None."""
        ...

    def handshake(self, query: Mapping[str, str], verify_token: str) -> str:
        """The body answering the network's subscription check; `SignatureInvalid` when
        the check does not carry our verify token, `PayloadInvalid` when it is no check."""
        ...

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> None:
        """Raise `SignatureMissing` or `SignatureInvalid` unless the body is signed with
        `secret`. `headers` have lower-case names."""
        ...

    def parse(self, body: bytes) -> WebhookBatch:
        """The delivery's interactions; `PayloadInvalid` when it is not the network's
        format. A malformed entry inside a good payload is skipped and counted."""
        ...


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_prefixed_signature(
    headers: Mapping[str, str], header: str, prefix: str, body: bytes, secret: str
) -> None:
    """The common scheme: `<header>: <prefix><hex HMAC-SHA256 of the body>`, compared in
    constant time."""
    given = headers.get(header.lower(), "").strip()
    if not given:
        raise SignatureMissing(f"The {header} header is missing.")
    if not given.startswith(prefix):
        raise SignatureInvalid(f"The {header} header is not of the form {prefix}<hex>.")
    expected = hmac_sha256_hex(secret, body)
    if not hmac.compare_digest(given[len(prefix) :].lower(), expected):
        raise SignatureInvalid(f"The {header} signature does not match the body.")


def receiver_for(network: str) -> WebhookReceiver | None:
    """The receiver for `network`, or None when the network pushes nothing to us."""
    for point in entry_points(group=GROUP):
        if point.name == network:
            return _instantiate(point.load())
    target = BUILT_IN.get(network)
    if target is None:
        return None
    module, _, name = target.partition(":")
    return _instantiate(getattr(importlib.import_module(module), name))


def _instantiate(target: object) -> WebhookReceiver:
    receiver = target() if isinstance(target, type) else target
    if not isinstance(receiver, WebhookReceiver):
        raise TypeError(f"{target!r} is not a webhook receiver")
    return receiver
