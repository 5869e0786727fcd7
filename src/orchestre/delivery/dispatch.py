"""Taking notices out of the app: which event a notification is, the webhook deliveries it
makes, and sending one delivery with its retries.

The seam: `workspaces.notifications.notify` enqueues a `delivery.fan_out` job for the
notification kinds listed in `DELIVERED_KINDS` there (a failed publication, one needing a
person, a channel to reconnect), after the notifying transaction commits. The job makes
one email job per notified person and one webhook delivery per subscribed endpoint.
`publication.published` is not an in-app notification: publishing calls `emit` directly.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from orchestre.delivery import repository
from orchestre.delivery.webhooks import TIMEOUT, Outcome, RetryPolicy, post
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox
from orchestre.models.delivery import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from orchestre.worker.queue import enqueue
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Role

log = logging.getLogger(__name__)

FAN_OUT = "delivery.fan_out"
SEND_EMAIL = "delivery.send_email"
SEND_WEBHOOK = "delivery.send_webhook"
WEBHOOK_DISABLED = "webhook_disabled"
DISABLE_TOLD = (Role.OWNER.value, Role.SOCIAL_MEDIA_MANAGER.value)

# In-app notification kinds (set by publishing and channels) and the event each one is.
PUBLICATION_FAILED = "publication_failed"
CHANNEL_NEEDS_RECONNECTION = "channel_needs_reconnection"


@dataclass
class DeliveryContext:
    """What sending needs besides the database; tests replace the network and the clocks."""

    box: SecretBox
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    transport: httpx.BaseTransport | None = None
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], None] = time.sleep
    wall: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    clock: Callable[[], datetime] = utcnow


def event_for(kind: str, payload: dict[str, Any]) -> str | None:
    """The webhook event of an in-app notification, or None when it is not one."""
    if kind == PUBLICATION_FAILED:
        if payload.get("state") == "needs_attention":
            return "publication.needs_attention"
        return "publication.failed"
    if kind == CHANNEL_NEEDS_RECONNECTION:
        return "channel.needs_reconnection"
    if kind == "inbox_response_overdue":
        return "inbox.response_overdue"
    if kind == "moderation_escalated":
        return "moderation.escalated"
    # crisis_alert: the crisis watch emits its webhook itself (with the evidence), so the
    # notification's fan-out sends only the emails.
    return None


def fan_out(
    session: Session,
    workspace_id: uuid.UUID,
    kind: str,
    payload: dict[str, Any],
    user_ids: Sequence[uuid.UUID],
    *,
    email: bool,
) -> None:
    """One email job per person (when email is set up) and the webhook deliveries."""
    event = event_for(kind, payload)
    if event is not None:
        emit(session, workspace_id, event, payload)
    if email:
        for user in repository.users(session, list(user_ids)):
            enqueue(
                session,
                SEND_EMAIL,
                user_id=str(user.id),
                workspace_id=str(workspace_id),
                kind=kind,
                payload=payload,
            )


def emit(
    session: Session, workspace_id: uuid.UUID, event: str, data: dict[str, Any]
) -> list[WebhookDelivery]:
    """Record a delivery of `event` for each enabled endpoint that wants it, and send each
    after this transaction commits. Costs one query when nobody listens."""
    rows = []
    for endpoint in repository.subscribed(session, workspace_id, event):
        delivery_id = uuid.uuid4()
        now = utcnow()
        envelope = {
            "id": str(delivery_id),
            "type": event,
            "created_at": now.isoformat(),
            "workspace_id": str(workspace_id),
            "data": data,
        }
        row = WebhookDelivery(
            id=delivery_id,
            workspace_id=workspace_id,
            endpoint_id=endpoint.id,
            event=event,
            payload=envelope,
            created_at=now,
        )
        repository.add(session, row)
        enqueue(session, SEND_WEBHOOK, delivery_id=str(delivery_id))
        rows.append(row)
    return rows


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent and signed, the same on every attempt."""
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def deliver(session: Session, ctx: DeliveryContext, delivery_id: uuid.UUID) -> str:
    """Send one delivery until it is delivered, refused, or out of attempts; returns its
    status. Each attempt is committed as it ends, and nothing is held locked while the
    request is out or while waiting for the next try.

    Circuit breaker: while an endpoint's last delivery failed, a new one gets a single
    attempt (no waiting), so a receiver that is down does not hold the worker threads
    that publishing shares; its first success closes the circuit again."""
    delivery = repository.delivery(session, delivery_id)
    if delivery is None:
        return "gone"
    endpoint = repository.endpoint_of(session, delivery)
    if delivery.status != "pending" or endpoint is None:
        return delivery.status
    if not endpoint.enabled:
        _finish(delivery, "failed", ctx.clock(), "The endpoint is switched off.")
        return delivery.status
    secret = ctx.box.decrypt(endpoint.secret_encrypted).decode()
    body = body_of(delivery)
    url, event = endpoint.url, delivery.event
    session.commit()
    with httpx.Client(transport=ctx.transport, timeout=TIMEOUT, follow_redirects=False) as client:
        while True:
            started = ctx.clock()
            outcome = post(
                client,
                url,
                body,
                secret=secret,
                event=event,
                delivery_id=str(delivery_id),
                timestamp=int(ctx.wall()),
                monotonic=ctx.monotonic,
            )
            delay = _record(session, ctx, delivery_id, started, outcome)
            session.commit()
            if delay is None:
                found = repository.delivery(session, delivery_id)
                return found.status if found else "gone"
            ctx.sleep(delay)


def _record(
    session: Session,
    ctx: DeliveryContext,
    delivery_id: uuid.UUID,
    started: datetime,
    outcome: Outcome,
) -> float | None:
    """Log the attempt; returns how long to wait before the next one, or None when done."""
    delivery = repository.delivery(session, delivery_id)
    if delivery is None or delivery.status != "pending":
        return None  # removed (endpoint deleted) or settled by someone else meanwhile
    endpoint = repository.endpoint_of(session, delivery)
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    attempt = WebhookAttempt(
        delivery_id=delivery.id,
        number=delivery.attempts,
        started_at=started,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        error=outcome.error,
    )
    now = ctx.clock()
    if outcome.delivered:
        _finish(delivery, "delivered", now)
        if endpoint is not None:
            endpoint.consecutive_failures = 0
    elif (
        outcome.retryable
        and delivery.attempts < ctx.policy.max_attempts
        and endpoint is not None
        and endpoint.enabled
        and endpoint.consecutive_failures == 0
    ):
        attempt.retry_in_seconds = ctx.policy.delay(delivery.attempts, ctx.rng, outcome.retry_after)
    else:
        _finish(delivery, "failed", now)
        if endpoint is not None:
            _count_failure(session, ctx, endpoint)
    repository.add(session, attempt)
    log.info(
        "webhook delivery %s (%s) attempt %d: %s",
        delivery.id,
        delivery.event,
        delivery.attempts,
        outcome.status_code or outcome.error,
    )
    return attempt.retry_in_seconds


def _finish(
    delivery: WebhookDelivery, status: str, now: datetime, error: str | None = None
) -> None:
    delivery.status = status
    delivery.finished_at = now
    if error:
        delivery.last_error = error


def _count_failure(session: Session, ctx: DeliveryContext, endpoint: WebhookEndpoint) -> None:
    """A failed delivery; after `disable_after` in a row the endpoint is switched off and
    the people who manage the workspace are told in the app."""
    endpoint.consecutive_failures += 1
    if not endpoint.enabled or endpoint.consecutive_failures < ctx.policy.disable_after:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = (
        f"Switched off after {endpoint.consecutive_failures} failed deliveries in a row."
    )
    log.warning(
        "webhook endpoint %s switched off after %d failed deliveries",
        endpoint.id,
        endpoint.consecutive_failures,
    )
    notify(
        session,
        endpoint.workspace_id,
        repository.members_with_roles(session, endpoint.workspace_id, DISABLE_TOLD),
        WEBHOOK_DISABLED,
        {
            "endpoint_id": str(endpoint.id),
            "url": endpoint.url,
            "failures": endpoint.consecutive_failures,
        },
    )
