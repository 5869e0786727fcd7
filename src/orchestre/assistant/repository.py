"""All SQL of the assistant, scoped to a workspace: its provider, its call log, post links."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from orchestre.models import (
    AssistantCall,
    AssistantProvider,
    Channel,
    ContentPillar,
    MediaAsset,
    Mention,
    Post,
    PostAssistantCall,
    PublicationStats,
)


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


# --- what the writing features learn from ---------------------------------------------------


def _engagement() -> ColumnElement[float]:
    parts = (
        PublicationStats.likes,
        PublicationStats.comments,
        PublicationStats.reposts,
        PublicationStats.saves,
    )
    total: ColumnElement[float] = func.coalesce(parts[0], 0.0)
    for part in parts[1:]:
        total = total + func.coalesce(part, 0.0)
    return total


def best_posts(
    session: Session, workspace_id: uuid.UUID, pillar_id: uuid.UUID | None, limit: int = 3
) -> list[tuple[str, float]]:
    """The published posts with the most engagement (of the pillar, if given): text, score."""
    score = func.sum(_engagement()).label("score")
    query = (
        select(PublicationStats.post_id, score)
        .where(PublicationStats.workspace_id == workspace_id)
        .group_by(PublicationStats.post_id)
        .order_by(score.desc(), PublicationStats.post_id)
        .limit(limit)
    )
    if pillar_id is not None:
        query = query.where(PublicationStats.pillar_id == pillar_id)
    ranked = [(post_id, float(total or 0.0)) for post_id, total in session.execute(query)]
    if not ranked:
        return []
    texts = dict(
        session.execute(
            select(Post.id, Post.base_text).where(
                Post.workspace_id == workspace_id, Post.id.in_([p for p, _ in ranked])
            )
        ).all()
    )
    return [(texts[p], s) for p, s in ranked if texts.get(p, "").strip()]


def post_texts_with_engagement(
    session: Session, workspace_id: uuid.UUID, limit: int = 500
) -> list[tuple[str, float]]:
    """The workspace's recent posts' texts, each with its engagement (0 when unmeasured)."""
    engaged = (
        select(PublicationStats.post_id, func.sum(_engagement()).label("score"))
        .where(PublicationStats.workspace_id == workspace_id)
        .group_by(PublicationStats.post_id)
        .subquery()
    )
    rows = session.execute(
        select(Post.base_text, engaged.c.score)
        .outerjoin(engaged, engaged.c.post_id == Post.id)
        .where(Post.workspace_id == workspace_id)
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
    ).all()
    return [(text, float(score or 0.0)) for text, score in rows]


def mention_hashtags(
    session: Session, workspace_id: uuid.UUID, since: datetime, limit: int = 2000
) -> list[tuple[list[str], str | None]]:
    """The hashtags and language of the listening mentions published since `since`."""
    rows = session.execute(
        select(Mention.hashtags, Mention.language)
        .where(Mention.workspace_id == workspace_id, Mention.published_at >= since)
        .order_by(Mention.published_at.desc())
        .limit(limit)
    ).all()
    return [(list(tags or []), language) for tags, language in rows]


def pillar(session: Session, workspace_id: uuid.UUID, pillar_id: uuid.UUID) -> ContentPillar | None:
    return session.scalar(
        select(ContentPillar).where(
            ContentPillar.workspace_id == workspace_id, ContentPillar.id == pillar_id
        )
    )


def channels(
    session: Session, workspace_id: uuid.UUID, channel_ids: Sequence[uuid.UUID]
) -> list[Channel]:
    if not channel_ids:
        return []
    found = session.scalars(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.id.in_(channel_ids))
    )
    by_id = {c.id: c for c in found}
    return [by_id[i] for i in channel_ids if i in by_id]


def media(session: Session, workspace_id: uuid.UUID, media_id: uuid.UUID) -> MediaAsset | None:
    return session.scalar(
        select(MediaAsset).where(MediaAsset.workspace_id == workspace_id, MediaAsset.id == media_id)
    )


def providers_with_key(session: Session) -> list[AssistantProvider]:
    """Every workspace's provider that holds a key (for key rotation, across workspaces)."""
    return list(
        session.scalars(
            select(AssistantProvider).where(AssistantProvider.key_encrypted.is_not(None))
        )
    )
