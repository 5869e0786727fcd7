"""Recording and reading audit entries. Every mutating use case records one."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from orchestre.models import AuditEntry
from orchestre.workspaces.permissions import Actor

SECRET_FIELDS = frozenset({"password_hash", "credentials_encrypted", "token_hash", "csrf_token"})


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return "<bytes>"
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe picture of an ORM row's columns, secrets left out."""
    columns = fields or [c.key for c in obj.__table__.columns]
    return {name: _plain(getattr(obj, name)) for name in columns if name not in SECRET_FIELDS}


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    workspace_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        workspace_id=workspace_id or (actor.workspace_id if actor else None),
        actor_user_id=user_id or (actor.user_id if actor else None),
        actor_token_id=actor.token_id if actor else None,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )
    session.add(entry)
    return entry
