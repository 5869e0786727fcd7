"""All SQL of the calendar domain, every query scoped to one workspace."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from orchestre.models import (
    CalendarFeed,
    Campaign,
    Channel,
    ContentPillar,
    Post,
    PostVariant,
    Publication,
    PublicationState,
    VariantState,
    Workspace,
)

S = VariantState

# The states that have a date on the calendar.
DATED_STATES = (S.SCHEDULED, S.PUBLISHING, S.PUBLISHED, S.FAILED)


@dataclass(frozen=True)
class EntryFilters:
    channel_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    pillar_id: uuid.UUID | None = None
    status: str | None = None


def dated_variants(
    session: Session,
    workspace_id: uuid.UUID,
    starts: datetime,
    ends: datetime,
    filters: EntryFilters,
    limit: int,
) -> list[tuple[PostVariant, Post, Channel]]:
    """Variants with a date in [starts, ends), oldest first, with their post and channel."""
    # A published variant sits where it went out; the others where they are planned.
    when = func.coalesce(PostVariant.published_at, PostVariant.scheduled_at)
    query: Select[PostVariant, Post, Channel] = (
        select(PostVariant, Post, Channel)
        .join(Post, Post.id == PostVariant.post_id)
        .join(Channel, Channel.id == PostVariant.channel_id)
        .where(
            PostVariant.workspace_id == workspace_id,
            Post.workspace_id == workspace_id,
            PostVariant.state.in_([s.value for s in DATED_STATES]),
            when >= starts,
            when < ends,
        )
    )
    if filters.channel_id is not None:
        query = query.where(PostVariant.channel_id == filters.channel_id)
    if filters.campaign_id is not None:
        query = query.where(Post.campaign_id == filters.campaign_id)
    if filters.pillar_id is not None:
        query = query.where(Post.pillar_id == filters.pillar_id)
    if filters.status is not None:
        query = query.where(PostVariant.state == filters.status)
    query = query.order_by(when, PostVariant.post_id, PostVariant.position).limit(limit)
    return [(v, p, c) for v, p, c in session.execute(query).all()]


# A repeating variant's next copies (occurrences > 0) once the variant itself went out.
PENDING_REPEAT_STATES = (
    PublicationState.SCHEDULED,
    PublicationState.CLAIMED,
    PublicationState.SENDING,
    PublicationState.NEEDS_ATTENTION,
)


def pending_repeats(
    session: Session,
    workspace_id: uuid.UUID,
    starts: datetime,
    ends: datetime,
    filters: EntryFilters,
    limit: int,
) -> list[tuple[Publication, PostVariant, Post, Channel]]:
    """The coming copies of published repeating variants, due in [starts, ends).

    Occurrence 1 of a variant still scheduled is the variant's own date, shown already.
    """
    query: Select[Publication, PostVariant, Post, Channel] = (
        select(Publication, PostVariant, Post, Channel)
        .join(PostVariant, PostVariant.id == Publication.variant_id)
        .join(Post, Post.id == PostVariant.post_id)
        .join(Channel, Channel.id == PostVariant.channel_id)
        .where(
            Publication.workspace_id == workspace_id,
            PostVariant.workspace_id == workspace_id,
            Publication.occurrence > 0,
            Publication.state.in_([s.value for s in PENDING_REPEAT_STATES]),
            PostVariant.state == VariantState.PUBLISHED.value,
            Publication.due_at >= starts,
            Publication.due_at < ends,
        )
    )
    if filters.channel_id is not None:
        query = query.where(PostVariant.channel_id == filters.channel_id)
    if filters.campaign_id is not None:
        query = query.where(Post.campaign_id == filters.campaign_id)
    if filters.pillar_id is not None:
        query = query.where(Post.pillar_id == filters.pillar_id)
    query = query.order_by(Publication.due_at, Publication.id).limit(limit)
    return [(pub, v, p, c) for pub, v, p, c in session.execute(query).all()]


def needing_attention(
    session: Session, workspace_id: uuid.UUID, variant_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these variants have a publication waiting for a person."""
    wanted = set(variant_ids)
    if not wanted:
        return set()
    rows = session.scalars(
        select(Publication.variant_id).where(
            Publication.workspace_id == workspace_id,
            Publication.variant_id.in_(wanted),
            Publication.state == PublicationState.NEEDS_ATTENTION.value,
        )
    )
    return set(rows)


def workspace(session: Session, workspace_id: uuid.UUID) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def channels(session: Session, workspace_id: uuid.UUID) -> list[Channel]:
    return list(
        session.scalars(
            select(Channel).where(Channel.workspace_id == workspace_id).order_by(Channel.handle)
        )
    )


def names(
    session: Session, workspace_id: uuid.UUID
) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    """Campaign names and pillar names of the workspace, by id."""
    campaigns = session.execute(
        select(Campaign.id, Campaign.name).where(Campaign.workspace_id == workspace_id)
    ).all()
    pillars = session.execute(
        select(ContentPillar.id, ContentPillar.name).where(
            ContentPillar.workspace_id == workspace_id
        )
    ).all()
    return dict(campaigns), dict(pillars)


# --- feeds ----------------------------------------------------------------------------------


def feed_of(session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID) -> CalendarFeed | None:
    return session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.workspace_id == workspace_id, CalendarFeed.user_id == user_id
        )
    ).one_or_none()


def feed_by_hash(session: Session, token_hash: str) -> CalendarFeed | None:
    return session.scalars(
        select(CalendarFeed).where(CalendarFeed.token_hash == token_hash)
    ).one_or_none()


def add_feed(session: Session, feed: CalendarFeed) -> CalendarFeed:
    session.add(feed)
    session.flush()
    return feed


def delete_feed(session: Session, feed: CalendarFeed) -> None:
    session.delete(feed)
    session.flush()
