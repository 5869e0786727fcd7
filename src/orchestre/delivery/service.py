"""Use cases of outgoing webhooks that a person drives: register, change, remove an endpoint
(its signing secret shown once), and read the delivery log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.delivery import repository
from orchestre.delivery.webhooks import EVENTS, new_secret, secret_hint, url_problem
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.kit.crypto import SecretBox
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models.delivery import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from orchestre.workspaces.permissions import Actor, Permission

DESCRIPTION_MAX = 200
AUDITED = ["id", "url", "description", "events", "enabled", "secret_hint", "disabled_reason"]


@dataclass(frozen=True)
class CreatedEndpoint:
    """A new endpoint and its secret: the only time the secret is shown."""

    endpoint: WebhookEndpoint
    secret: str


@dataclass(frozen=True)
class DeliveryWithAttempts:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


def _checked(
    url: str | None, events: Sequence[str] | None, description: str | None
) -> list[FieldError]:
    errors: list[FieldError] = []
    if url is not None:
        problem = url_problem(url.strip())
        if problem:
            errors.append(FieldError("url", "webhook_url", problem))
    if events is not None:
        unknown = sorted(set(events) - set(EVENTS))
        if unknown:
            errors.append(
                FieldError(
                    "events",
                    "event_type",
                    f"Unknown event type(s): {', '.join(unknown)}; known: {', '.join(EVENTS)}.",
                )
            )
        elif not events:
            errors.append(FieldError("events", "required", "Choose at least one event type."))
    if description is not None and len(description.strip()) > DESCRIPTION_MAX:
        errors.append(
            FieldError(
                "description",
                "max_length",
                f"The description is at most {DESCRIPTION_MAX} characters.",
                limit=DESCRIPTION_MAX,
                actual=len(description.strip()),
            )
        )
    return errors


def _raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise Invalid(
            "The webhook endpoint cannot be saved; see 'errors'.",
            code="invalid_webhook",
            errors=errors,
        )


def _ordered(events: Sequence[str]) -> list[str]:
    return [e for e in EVENTS if e in set(events)]


def list_endpoints(session: Session, actor: Actor) -> list[WebhookEndpoint]:
    actor.require(Permission.WORKSPACE_MANAGE)
    return repository.endpoints(session, actor.workspace_id)


def get_endpoint(session: Session, actor: Actor, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    actor.require(Permission.WORKSPACE_MANAGE)
    row = repository.endpoint(session, actor.workspace_id, endpoint_id)
    if row is None:
        raise NotFound("Webhook endpoint not found.", code="webhook_not_found")
    return row


def create_endpoint(
    session: Session,
    actor: Actor,
    box: SecretBox,
    *,
    url: str,
    events: Sequence[str],
    description: str = "",
) -> CreatedEndpoint:
    """Register an address for these events; the secret that signs them is returned once."""
    actor.require(Permission.WORKSPACE_MANAGE)
    _raise_if(_checked(url, events, description))
    secret = new_secret()
    row = WebhookEndpoint(
        workspace_id=actor.workspace_id,
        url=url.strip(),
        description=description.strip(),
        events=_ordered(events),
        secret_encrypted=box.encrypt(secret.encode()),
        secret_hint=secret_hint(secret),
        created_by=actor.user_id,
    )
    repository.add(session, row)
    record(session, actor, "webhook.created", "webhook", row.id, after=snapshot(row, AUDITED))
    return CreatedEndpoint(row, secret)


def update_endpoint(
    session: Session,
    actor: Actor,
    endpoint_id: uuid.UUID,
    *,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given; switching an endpoint back on forgets its failure streak."""
    row = get_endpoint(session, actor, endpoint_id)
    _raise_if(_checked(url, events, description))
    before = snapshot(row, AUDITED)
    if url is not None:
        row.url = url.strip()
    if events is not None:
        row.events = _ordered(events)
    if description is not None:
        row.description = description.strip()
    if enabled is not None and enabled != row.enabled:
        row.enabled = enabled
        if enabled:
            row.consecutive_failures = 0
            row.disabled_reason = None
    session.flush()
    after = snapshot(row, AUDITED)
    if after != before:
        record(session, actor, "webhook.updated", "webhook", row.id, before=before, after=after)
    return row


def rotate_secret(
    session: Session, actor: Actor, box: SecretBox, endpoint_id: uuid.UUID
) -> CreatedEndpoint:
    """A new signing secret, shown once; the old one stops signing at once."""
    row = get_endpoint(session, actor, endpoint_id)
    before = snapshot(row, AUDITED)
    secret = new_secret()
    row.secret_encrypted = box.encrypt(secret.encode())
    row.secret_hint = secret_hint(secret)
    session.flush()
    record(
        session,
        actor,
        "webhook.secret_rotated",
        "webhook",
        row.id,
        before=before,
        after=snapshot(row, AUDITED),
    )
    return CreatedEndpoint(row, secret)


def delete_endpoint(session: Session, actor: Actor, endpoint_id: uuid.UUID) -> None:
    row = get_endpoint(session, actor, endpoint_id)
    before = snapshot(row, AUDITED)
    repository.delete(session, row)
    record(session, actor, "webhook.deleted", "webhook", endpoint_id, before=before)


def list_deliveries(
    session: Session,
    actor: Actor,
    *,
    endpoint_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[DeliveryWithAttempts]:
    """The delivery log, newest first, each delivery with every attempt it took."""
    actor.require(Permission.WORKSPACE_MANAGE)
    if endpoint_id is not None:
        get_endpoint(session, actor, endpoint_id)
    limit = clamp_limit(limit)
    found = decode_cursor_or_invalid(cursor)
    rows = repository.deliveries(
        session,
        actor.workspace_id,
        endpoint_id=endpoint_id,
        cursor=found.position() if found else None,
        limit=limit + 1,
    )
    page = Page.from_rows(rows, limit, key=lambda d: (d.created_at, d.id))
    by_delivery: dict[uuid.UUID, list[WebhookAttempt]] = {}
    for attempt in repository.attempts(session, [d.id for d in page.items]):
        by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    return Page(
        items=[DeliveryWithAttempts(d, by_delivery.get(d.id, [])) for d in page.items],
        next_cursor=page.next_cursor,
    )
