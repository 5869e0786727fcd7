"""Receiving what networks push: signature first, then replay protection, then ingest.

`receive` takes one delivery as it came (network name, headers, raw body):

1. the network must push to us (a `WebhookReceiver` exists): else `NotFound` (404);
2. the body must fit `max_bytes`: else `TooLarge` (413);
3. the signature must match the operator's app secret on that network: none is
   `Unauthenticated` (401), a wrong one or no app secret to check with is `Forbidden`
   (403); nothing is read or stored before this;
4. the payload must be the network's format: else `MalformedPayload` (400);
5. a delivery already taken (same network, same SHA-256 of delivery id and body) is a
   replay: answered 200 with `duplicate` and ignored. 200 rather than 409 because networks
   retry any non-2xx answer (Meta for hours): the sender of a genuine redelivery must
   hear that we have it, and an attacker replaying a captured body learns nothing;
6. each event is ingested for the channel(s) of that network whose account id it names
   (the same account may be connected in several workspaces), in the caller's
   transaction together with the receipt: a failure stores neither, and the network's
   retry is taken afresh.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from orchestre.channels import apps
from orchestre.channels.apps import NetworkAccess
from orchestre.config import Settings
from orchestre.connectors.base import Interaction
from orchestre.connectors.webhooks import (
    PayloadInvalid,
    SignatureInvalid,
    SignatureMissing,
    WebhookBatch,
    WebhookReceiver,
    receiver_for,
)
from orchestre.errors import DomainError, Forbidden, NotFound, TooLarge, Unauthenticated
from orchestre.inbox.classifying import Classifier
from orchestre.inbox.ingest import ingest_many, insert_new
from orchestre.kit.clock import utcnow
from orchestre.models import Channel, ChannelStatus
from orchestre.models.inbox import InboxCursor, WebhookReceipt

log = logging.getLogger(__name__)

MAX_BYTES = 1024 * 1024
VERIFY_TOKEN_LABEL = b"orchestre-webhook-verify-token"


class MalformedPayload(DomainError):
    """The body is not in the network's webhook format (400)."""


@dataclass(frozen=True)
class WebhookOutcome:
    duplicate: bool = False
    ingested: int = 0
    channels: int = 0
    unknown_accounts: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "duplicate" if self.duplicate else "accepted",
            "ingested": self.ingested,
            "channels": self.channels,
            "unknown_accounts": self.unknown_accounts,
            "skipped": self.skipped,
        }


def receiver(
    network: str, overrides: Mapping[str, WebhookReceiver] | None = None
) -> WebhookReceiver:
    """The network's receiver, or `NotFound` when it pushes nothing to us."""
    found: WebhookReceiver | None = None
    if overrides is not None and network in overrides:
        found = overrides[network]
    else:
        try:
            found = receiver_for(network)
        except Exception as exc:  # a broken plugin: as unknown, and said in the log
            log.error("webhook receiver for %s failed to load: %s", network, exc)
    if found is None:
        detail = f"No webhooks are received for network {network!r}."
        raise NotFound(detail, code="unknown_network")
    return found


def secret_of(session: Session, access: NetworkAccess, hook: WebhookReceiver) -> str:
    """The operator's app secret on the network, else the receiver's default (sandbox)."""
    app = apps.app_credentials(session, access, hook.network)
    secret = app.client_secret if app is not None else hook.default_secret
    if not secret:
        detail = (
            f"No {hook.network} app is configured, so its webhooks cannot be verified; "
            "set it with 'orchestre network-app set'."
        )
        raise Forbidden(detail, code="webhook_not_configured")
    return secret


def verify_token(settings: Settings, secret: str) -> str:
    """The token networks echo in their subscription check: the setting when given, else
    one derived from the app secret."""
    if settings.inbox_webhook_verify_token:
        return settings.inbox_webhook_verify_token
    return hmac.new(secret.encode(), VERIFY_TOKEN_LABEL, hashlib.sha256).hexdigest()[:32]


def handshake(
    session: Session,
    access: NetworkAccess,
    settings: Settings,
    hook: WebhookReceiver,
    query: Mapping[str, str],
) -> str:
    """Answer the network's subscription check (Meta's hub.challenge)."""
    token = verify_token(settings, secret_of(session, access, hook))
    try:
        return hook.handshake(query, token)
    except SignatureInvalid as exc:
        raise Forbidden(exc.message, code="webhook_verify_token") from exc
    except PayloadInvalid as exc:
        raise MalformedPayload(exc.message, code="webhook_handshake_invalid") from exc


@dataclass(frozen=True)
class Delivery:
    """A delivery whose signature and format were checked: what is left is storing it."""

    network: str
    batch: WebhookBatch
    body: bytes


def check(
    session: Session,
    access: NetworkAccess,
    hook: WebhookReceiver,
    headers: Mapping[str, str],
    body: bytes,
    *,
    max_bytes: int = MAX_BYTES,
) -> Delivery:
    """Steps 1 to 4 (size, signature, format); reads only."""
    return check_signed(hook, headers, body, secret_of(session, access, hook), max_bytes)


def check_signed(
    hook: WebhookReceiver,
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    max_bytes: int = MAX_BYTES,
) -> Delivery:
    """`check` with the secret already known (no database needed)."""
    if len(body) > max_bytes:
        detail = f"A webhook body may hold {max_bytes} bytes at most."
        raise TooLarge(detail, code="payload_too_large")
    try:
        hook.verify(headers, body, secret)
    except SignatureMissing as exc:
        raise Unauthenticated(exc.message, code="webhook_signature_missing") from exc
    except SignatureInvalid as exc:
        raise Forbidden(exc.message, code="webhook_signature_invalid") from exc
    try:
        batch = hook.parse(body)
    except PayloadInvalid as exc:
        raise MalformedPayload(exc.message, code="webhook_payload_invalid") from exc
    return Delivery(hook.network, batch, body)


def receive(
    session: Session,
    access: NetworkAccess,
    hook: WebhookReceiver,
    headers: Mapping[str, str],
    body: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    classifier: Classifier | None = None,
    now: datetime | None = None,
) -> WebhookOutcome:
    """Take one delivery (see the module docstring); the caller commits."""
    delivery = check(session, access, hook, headers, body, max_bytes=max_bytes)
    return store(session, [delivery], classifier=classifier, now=now)[0]


def store(
    session: Session,
    deliveries: Sequence[Delivery],
    *,
    classifier: Classifier | None = None,
    now: datetime | None = None,
) -> list[WebhookOutcome]:
    """Steps 5 and 6 for checked deliveries, in the caller's transaction; the messages of
    all of them are classified and moderated together."""
    received = now or utcnow()
    first = _first_receipts(session, deliveries, received)
    fresh = [deliveries[i] for i in first]
    channels = _channels_named(session, fresh)
    plans = [_plan(delivery, channels) for delivery in fresh]
    batches = [(channel, items) for plan in plans for channel, items in plan.batches]
    new = ingest_many(session, batches, source="webhook", classifier=classifier, now=received)
    per_channel: dict[uuid.UUID, int] = defaultdict(int)
    for message in new:
        per_channel[message.channel_id] += 1
    outcomes = [WebhookOutcome(duplicate=True) for _ in deliveries]
    for index, delivery, plan in zip(first, fresh, plans, strict=True):
        _poll_soon(session, plan.channels, delivery.batch.poll_hints, received)
        known = {c.external_id for c in plan.channels}
        outcomes[index] = WebhookOutcome(
            ingested=plan.count(per_channel),
            channels=len(plan.channels),
            unknown_accounts=len(plan.accounts - known),
            skipped=delivery.batch.skipped,
        )
    return outcomes


@dataclass
class _Plan:
    """Which channels a delivery's events go to."""

    accounts: set[str]
    channels: list[Channel]
    batches: list[tuple[Channel, list[Interaction]]]

    def count(self, per_channel: Mapping[uuid.UUID, int]) -> int:
        # A channel named by two deliveries of one group shares its count: an estimate.
        return sum(per_channel.get(c.id, 0) for c, _ in self.batches)


def _accounts(delivery: Delivery) -> set[str]:
    named = {event.account_external_id for event in delivery.batch.events}
    return named | {account for account, _ in delivery.batch.poll_hints}


def _plan(delivery: Delivery, connected: Mapping[tuple[str, str], list[Channel]]) -> _Plan:
    by_account: dict[str, list[Interaction]] = defaultdict(list)
    for event in delivery.batch.events:
        by_account[event.account_external_id].append(event.interaction)
    accounts = _accounts(delivery)
    channels = [
        c for account in sorted(accounts) for c in connected.get((delivery.network, account), [])
    ]
    batches = [(c, by_account[c.external_id]) for c in channels if by_account.get(c.external_id)]
    return _Plan(accounts, channels, batches)


def _first_receipts(session: Session, deliveries: Sequence[Delivery], now: datetime) -> list[int]:
    """Record each delivery (network and SHA-256 of its id and body); returns the indexes
    of those taken for the first time (not a replay, not a copy stored concurrently or
    earlier in the same group)."""
    digests = [
        hashlib.sha256((d.batch.delivery_id or "").encode() + b"\n" + d.body).hexdigest()
        for d in deliveries
    ]
    rows = [
        {"id": uuid.uuid4(), "network": d.network, "digest": digest, "received_at": now}
        for d, digest in zip(deliveries, digests, strict=True)
    ]
    taken = {
        (r.network, r.digest)
        for r in session.scalars(insert_new(session, WebhookReceipt, returning=True), rows)
    }
    fresh = []
    for index, (delivery, digest) in enumerate(zip(deliveries, digests, strict=True)):
        if (delivery.network, digest) in taken:
            taken.discard((delivery.network, digest))  # a second copy in the group is a replay
            fresh.append(index)
        else:
            log.info("%s webhook: a replayed delivery was ignored", delivery.network)
    return fresh


def _channels_named(
    session: Session, deliveries: Sequence[Delivery]
) -> dict[tuple[str, str], list[Channel]]:
    """The connected channels of the accounts the deliveries name, by (network, account)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for delivery in deliveries:
        wanted[delivery.network] |= _accounts(delivery)
    found: dict[tuple[str, str], list[Channel]] = defaultdict(list)
    for network, accounts in wanted.items():
        if not accounts:
            continue
        stmt = (
            select(Channel)
            .where(
                Channel.network == network,
                Channel.external_id.in_(accounts),
                Channel.status == ChannelStatus.CONNECTED.value,
            )
            .order_by(Channel.id)
        )
        for channel in session.scalars(stmt):
            found[(network, channel.external_id)].append(channel)
    return found


def _poll_soon(
    session: Session,
    channels: list[Channel],
    hints: frozenset[tuple[str, str]],
    now: datetime,
) -> None:
    """Streams the payload announced without their content are polled at once."""
    for channel in channels:
        streams = [stream for account, stream in hints if account == channel.external_id]
        if streams:
            session.execute(
                update(InboxCursor)
                .where(InboxCursor.channel_id == channel.id, InboxCursor.stream.in_(streams))
                .values(next_poll_at=now)
                .execution_options(synchronize_session=False)
            )
