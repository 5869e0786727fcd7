"""All SQL of the audit log: filtered, workspace-scoped reads, newest first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from orchestre.kit.pagination import Cursor
from orchestre.models import AuditEntry, User


@dataclass(frozen=True)
class AuditFilter:
    """What to look for; None means any. `since` is inclusive, `until` exclusive."""

    entity_type: str | None = None
    entity_id: str | None = None
    actor_user_id: uuid.UUID | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditRecord:
    """One entry as people read it: with the name of who acted."""

    id: uuid.UUID
    actor_user_id: uuid.UUID | None
    actor_name: str | None
    actor_token_id: uuid.UUID | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


def list_entries(
    session: Session,
    workspace_id: uuid.UUID,
    filters: AuditFilter,
    after: Cursor | None,
    limit: int,
) -> list[AuditRecord]:
    """Newest first; `limit + 1` rows tell whether another page follows."""
    stmt = (
        select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.actor_user_id)
        .where(AuditEntry.workspace_id == workspace_id)
    )
    if filters.entity_type is not None:
        stmt = stmt.where(AuditEntry.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == filters.entity_id)
    if filters.actor_user_id is not None:
        stmt = stmt.where(AuditEntry.actor_user_id == filters.actor_user_id)
    if filters.action is not None:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.since is not None:
        stmt = stmt.where(AuditEntry.created_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(AuditEntry.created_at < filters.until)
    if after is not None:
        when, last_id = after.position()
        stmt = stmt.where(
            or_(
                AuditEntry.created_at < when,
                and_(AuditEntry.created_at == when, AuditEntry.id < last_id),
            )
        )
    stmt = stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit + 1)
    return [
        AuditRecord(
            id=entry.id,
            actor_user_id=entry.actor_user_id,
            actor_name=name,
            actor_token_id=entry.actor_token_id,
            action=entry.action,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            before=entry.before,
            after=entry.after,
            created_at=entry.created_at,
        )
        for entry, name in session.execute(stmt)
    ]
