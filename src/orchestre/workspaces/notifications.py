"""Use cases of a person's in-app notifications (the rows come from other domains)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from orchestre.errors import NotFound
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models import Notification, User
from orchestre.worker.queue import enqueue
from orchestre.workspaces import repository

# Kinds that also leave the app (email to each person told, signed webhooks): after this
# transaction commits, the delivery domain's job fans them out (see delivery/dispatch.py).
DELIVERED_KINDS = frozenset(
    {
        "publication_failed",
        "channel_needs_reconnection",
        "inbox_response_overdue",
        "moderation_escalated",
        "crisis_alert",
    }
)
FAN_OUT_TASK = "delivery.fan_out"


def list_notifications(
    session: Session,
    user: User,
    *,
    workspace_id: uuid.UUID | None = None,
    unread_only: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[Page[Notification], int]:
    """A page of my notifications, newest first, and how many are unread in all."""
    limit = clamp_limit(limit)
    rows = repository.notifications(
        session,
        user.id,
        workspace_id,
        unread_only=unread_only,
        cursor=decode_cursor_or_invalid(cursor),
        limit=limit + 1,
    )
    page = Page.from_rows(rows, limit, key=lambda n: (n.created_at, n.id))
    return page, repository.unread_count(session, user.id, workspace_id)


def notify(
    session: Session,
    workspace_id: uuid.UUID,
    user_ids: Iterable[uuid.UUID],
    kind: str,
    payload: dict[str, Any],
) -> list[Notification]:
    """Tell each of these people, once, about something in a workspace (for other domains)."""
    rows = [
        Notification(user_id=user_id, workspace_id=workspace_id, kind=kind, payload=dict(payload))
        for user_id in sorted(set(user_ids), key=str)
    ]
    repository.add_notifications(session, rows)
    if kind in DELIVERED_KINDS:
        enqueue(
            session,
            FAN_OUT_TASK,
            workspace_id=str(workspace_id),
            kind=kind,
            payload=dict(payload),
            user_ids=[str(row.user_id) for row in rows],
        )
    return rows


def mark_notifications_read(
    session: Session,
    user: User,
    ids: Sequence[uuid.UUID] | None,
    *,
    workspace_id: uuid.UUID | None = None,
) -> int:
    """Mark some (ids) or all (None) of my notifications read; returns how many stay unread.

    An id that is not one of mine is NotFound, like any foreign id."""
    if ids is not None:
        unknown = set(ids) - repository.owned_notification_ids(session, user.id, workspace_id, ids)
        if unknown:
            raise NotFound(
                "Some of these notifications do not exist.", code="notification_not_found"
            )
    repository.mark_read(session, user.id, workspace_id, ids, utcnow())
    return repository.unread_count(session, user.id, workspace_id)
