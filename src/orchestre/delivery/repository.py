"""All SQL of the delivery domain: webhook endpoints, deliveries and attempts, recipients."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from orchestre.models import Membership, User, Workspace
from orchestre.models.delivery import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoints(session: Session, workspace_id: uuid.UUID) -> list[WebhookEndpoint]:
    stmt = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.workspace_id == workspace_id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(session.scalars(stmt))


def endpoint(
    session: Session, workspace_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookEndpoint | None:
    return session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.workspace_id == workspace_id, WebhookEndpoint.id == endpoint_id
        )
    ).one_or_none()


def subscribed(session: Session, workspace_id: uuid.UUID, event: str) -> list[WebhookEndpoint]:
    """The enabled endpoints that receive `event` (events are a JSON list, filtered here)."""
    rows = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.workspace_id == workspace_id, WebhookEndpoint.enabled.is_(True)
        )
    )
    return [row for row in rows if event in (row.events or [])]


def add(session: Session, row: WebhookEndpoint | WebhookDelivery | WebhookAttempt) -> None:
    session.add(row)
    session.flush()


def delete(session: Session, row: WebhookEndpoint) -> None:
    session.delete(row)
    session.flush()


def delivery(session: Session, delivery_id: uuid.UUID) -> WebhookDelivery | None:
    """A delivery by id in any workspace (for the worker; pages go through `deliveries`)."""
    return session.get(WebhookDelivery, delivery_id)


def endpoint_of(session: Session, delivery: WebhookDelivery) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, delivery.endpoint_id)


def deliveries(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    endpoint_id: uuid.UUID | None,
    cursor: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[WebhookDelivery]:
    """Newest first; the cursor is the (created_at, id) of the last row already shown."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.workspace_id == workspace_id)
    if endpoint_id is not None:
        stmt = stmt.where(WebhookDelivery.endpoint_id == endpoint_id)
    if cursor is not None:
        stmt = stmt.where(tuple_(WebhookDelivery.created_at, WebhookDelivery.id) < cursor)
    stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def attempts(session: Session, delivery_ids: Sequence[uuid.UUID]) -> list[WebhookAttempt]:
    if not delivery_ids:
        return []
    stmt = (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(list(delivery_ids)))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
    )
    return list(session.scalars(stmt))


def users(session: Session, user_ids: Sequence[uuid.UUID]) -> list[User]:
    if not user_ids:
        return []
    stmt = select(User).where(User.id.in_(list(user_ids)), User.is_active.is_(True))
    return list(session.scalars(stmt.order_by(User.email)))


def workspace(session: Session, workspace_id: uuid.UUID) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def members_with_roles(
    session: Session, workspace_id: uuid.UUID, roles: Sequence[str]
) -> list[uuid.UUID]:
    """Members holding any of these roles (roles are a JSON list, so filtered here)."""
    wanted = set(roles)
    stmt = select(Membership.user_id, Membership.roles).where(
        Membership.workspace_id == workspace_id
    )
    return sorted(
        (user_id for user_id, held in session.execute(stmt) if wanted & set(held or [])), key=str
    )


def stalled(session: Session, before: datetime, limit: int) -> list[uuid.UUID]:
    """Pending deliveries made before `before` whose last attempt (if any) also started
    before it, oldest first (every workspace: this is the worker's sweep)."""
    last = (
        select(WebhookAttempt.delivery_id, func.max(WebhookAttempt.started_at).label("at"))
        .group_by(WebhookAttempt.delivery_id)
        .subquery()
    )
    stmt = (
        select(WebhookDelivery.id)
        .outerjoin(last, last.c.delivery_id == WebhookDelivery.id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.created_at < before,
            (last.c.at.is_(None)) | (last.c.at < before),
        )
        .order_by(WebhookDelivery.created_at)
        .limit(limit)
    )
    return list(session.scalars(stmt))
