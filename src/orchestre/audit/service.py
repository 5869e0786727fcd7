"""Recording and reading audit entries. Every mutating use case records one."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from orchestre.audit import repository
from orchestre.audit.repository import AuditFilter, AuditRecord
from orchestre.errors import FieldError, Invalid
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, decode_cursor_or_invalid
from orchestre.models import AuditEntry
from orchestre.workspaces.permissions import Actor, Permission

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
        # Stamped now, not at flush: entries of one transaction keep the order they happened in.
        created_at=utcnow(),
    )
    session.add(entry)
    return entry


def list_entries(
    session: Session,
    actor: Actor,
    filters: AuditFilter,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AuditRecord]:
    """The workspace's audit log, newest first; another workspace's entries never show."""
    actor.require(Permission.AUDIT_VIEW)
    errors = [
        FieldError(
            name,
            "timezone_required",
            f"'{name}' needs a time zone, e.g. 2030-03-15T09:00:00Z or +01:00.",
        )
        for name, value in (("from", filters.since), ("to", filters.until))
        if value is not None and value.tzinfo is None
    ]
    if not errors and filters.since and filters.until and filters.since >= filters.until:
        errors.append(FieldError("to", "after_from", "'to' must be later than 'from'."))
    after = None
    try:
        after = decode_cursor_or_invalid(cursor)
    except Invalid as bad:
        errors += bad.errors  # reported with the filters' errors, all at once
    if errors:
        raise Invalid(
            "The audit log query is not valid; see 'errors'.", code="invalid_query", errors=errors
        )
    rows = repository.list_entries(session, actor.workspace_id, filters, after, limit)
    return Page.from_rows(rows, limit, key=lambda entry: (entry.created_at, entry.id))
