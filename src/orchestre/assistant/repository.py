"""All SQL of the assistant, scoped to a workspace: its provider, its call log, post links."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from orchestre.models import AssistantCall, AssistantProvider, Post, PostAssistantCall


def provider(session: Session, workspace_id: uuid.UUID) -> AssistantProvider | None:
    return session.scalar(
        select(AssistantProvider).where(AssistantProvider.workspace_id == workspace_id)
    )


def add_call(session: Session, call: AssistantCall) -> AssistantCall:
    session.add(call)
    session.flush()
    return call


def call(session: Session, workspace_id: uuid.UUID, call_id: uuid.UUID) -> AssistantCall | None:
    return session.scalar(
        select(AssistantCall).where(
            AssistantCall.workspace_id == workspace_id, AssistantCall.id == call_id
        )
    )


def calls_by_id(
    session: Session, workspace_id: uuid.UUID, call_ids: Sequence[uuid.UUID]
) -> list[AssistantCall]:
    if not call_ids:
        return []
    return list(
        session.scalars(
            select(AssistantCall).where(
                AssistantCall.workspace_id == workspace_id, AssistantCall.id.in_(call_ids)
            )
        )
    )


def calls(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    feature: str | None = None,
    user_id: uuid.UUID | None = None,
    outcome: str | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 50,
) -> list[AssistantCall]:
    """Newest first; `limit + 1` rows so the caller knows whether more follow."""
    query = select(AssistantCall).where(AssistantCall.workspace_id == workspace_id)
    if feature:
        query = query.where(AssistantCall.feature == feature)
    if user_id:
        query = query.where(AssistantCall.user_id == user_id)
    if outcome:
        query = query.where(AssistantCall.outcome == outcome)
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(
                AssistantCall.created_at < at,
                and_(AssistantCall.created_at == at, AssistantCall.id < last_id),
            )
        )
    query = query.order_by(AssistantCall.created_at.desc(), AssistantCall.id.desc())
    return list(session.scalars(query.limit(limit + 1)))


def features(session: Session, workspace_id: uuid.UUID) -> list[str]:
    rows = session.scalars(
        select(AssistantCall.feature)
        .where(AssistantCall.workspace_id == workspace_id)
        .distinct()
        .order_by(AssistantCall.feature)
    )
    return list(rows)


def post(session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID) -> Post | None:
    return session.scalar(select(Post).where(Post.workspace_id == workspace_id, Post.id == post_id))


def linked_call_ids(session: Session, post_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        session.scalars(
            select(PostAssistantCall.call_id).where(PostAssistantCall.post_id == post_id)
        )
    )


def post_calls(
    session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID
) -> list[AssistantCall]:
    return list(
        session.scalars(
            select(AssistantCall)
            .join(PostAssistantCall, PostAssistantCall.call_id == AssistantCall.id)
            .where(
                PostAssistantCall.workspace_id == workspace_id,
                PostAssistantCall.post_id == post_id,
            )
            .order_by(AssistantCall.created_at, AssistantCall.id)
        )
    )


def link(session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID, call_id: uuid.UUID) -> None:
    session.add(PostAssistantCall(workspace_id=workspace_id, post_id=post_id, call_id=call_id))
    session.flush()
