"""JSON routes of outgoing webhooks: endpoints (secret shown once) and the delivery log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from orchestre.apischema import problems
from orchestre.delivery import schemas, service
from orchestre.deps import DB, AppSettings, CurrentActor, CursorQuery, LimitQuery
from orchestre.kit.crypto import SecretBox
from orchestre.kit.keys import secret_box

router = APIRouter(tags=["webhooks"])

BASE = "/workspaces/{workspace_id}/webhooks"


def _box(settings: AppSettings) -> SecretBox:
    return secret_box(settings)


Box = Annotated[SecretBox, Depends(_box)]


def _with_secret(created: service.CreatedEndpoint) -> schemas.WebhookWithSecret:
    shown = schemas.Webhook.model_validate(created.endpoint).model_dump()
    return schemas.WebhookWithSecret(**shown, secret=created.secret)


@router.get(BASE, response_model=schemas.WebhookList, responses=problems(400, 422))
def list_webhooks(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> schemas.WebhookList:
    """The workspace's webhook endpoints (their secrets are never shown again)."""
    rows = service.list_endpoints(db, actor)
    return schemas.WebhookList(items=[schemas.Webhook.model_validate(r) for r in rows])


@router.post(
    BASE,
    response_model=schemas.WebhookWithSecret,
    status_code=status.HTTP_201_CREATED,
    responses=problems(400, 422),
)
def create_webhook(
    workspace_id: uuid.UUID, body: schemas.WebhookCreate, actor: CurrentActor, db: DB, box: Box
) -> schemas.WebhookWithSecret:
    """Register an endpoint; the answer carries its signing secret, this once.

    Each delivery is a POST of JSON `{id, type, created_at, workspace_id, data}` with the
    headers `Orchestre-Event` (the type), `Orchestre-Delivery` (the id, the same on every
    retry: drop a repeat) and `Orchestre-Signature: t=<unix>,v1=<hex>`. To verify, compute
    the HMAC-SHA256 of `<t>.<raw body>` keyed with the secret, compare it in constant time
    with `v1`, and refuse a `t` older than five minutes. Answer 2xx quickly; a 5xx, a 429 or
    no answer is retried with backoff, any other 4xx is not."""
    created = service.create_endpoint(
        db, actor, box, url=body.url, events=body.events, description=body.description
    )
    return _with_secret(created)


def _delivery(item: service.DeliveryWithAttempts) -> schemas.Delivery:
    row = item.delivery
    return schemas.Delivery(
        id=row.id,
        endpoint_id=row.endpoint_id,
        event=row.event,
        status=row.status,
        attempts=[schemas.Attempt.model_validate(a) for a in item.attempts],
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        created_at=row.created_at,
        finished_at=row.finished_at,
        payload=row.payload,
    )


@router.get(BASE + "/deliveries", response_model=schemas.DeliveryPage, responses=problems(400, 422))
def list_deliveries(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    endpoint_id: uuid.UUID | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> schemas.DeliveryPage:
    """The delivery log, newest first: each event sent, its status and every attempt."""
    page = service.list_deliveries(db, actor, endpoint_id=endpoint_id, cursor=cursor, limit=limit)
    return schemas.DeliveryPage(
        items=[_delivery(item) for item in page.items], next_cursor=page.next_cursor
    )


@router.get(BASE + "/{endpoint_id}", response_model=schemas.Webhook, responses=problems(400, 422))
def get_webhook(
    workspace_id: uuid.UUID, endpoint_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.Webhook:
    return schemas.Webhook.model_validate(service.get_endpoint(db, actor, endpoint_id))


@router.patch(BASE + "/{endpoint_id}", response_model=schemas.Webhook, responses=problems(400, 422))
def update_webhook(
    workspace_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    body: schemas.WebhookUpdate,
    actor: CurrentActor,
    db: DB,
) -> schemas.Webhook:
    """Change the address, events or description; `enabled` switches it off or back on."""
    row = service.update_endpoint(
        db,
        actor,
        endpoint_id,
        url=body.url,
        events=body.events,
        description=body.description,
        enabled=body.enabled,
    )
    return schemas.Webhook.model_validate(row)


@router.post(
    BASE + "/{endpoint_id}/rotate-secret",
    response_model=schemas.WebhookWithSecret,
    responses=problems(400, 422),
)
def rotate_webhook_secret(
    workspace_id: uuid.UUID, endpoint_id: uuid.UUID, actor: CurrentActor, db: DB, box: Box
) -> schemas.WebhookWithSecret:
    """A new signing secret, shown this once; the old one stops signing at once."""
    return _with_secret(service.rotate_secret(db, actor, box, endpoint_id))


@router.delete(
    BASE + "/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(400, 422),
)
def delete_webhook(
    workspace_id: uuid.UUID, endpoint_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    """Remove the endpoint and its delivery log."""
    service.delete_endpoint(db, actor, endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
