"""All SQL of the posts domain, every query scoped to one workspace (a foreign id finds nothing)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from orchestre.kit.pagination import Cursor
from orchestre.models import (
    Campaign,
    Channel,
    ContentPillar,
    EditorialLine,
    MediaAsset,
    Post,
    PostVariant,
    VariantMedia,
    Workspace,
)

T = TypeVar("T")


@dataclass(frozen=True)
class PostFilters:
    """List filters. Variant-level ones (dates, status, channel) must hold on ONE variant."""

    starts: datetime | None = None
    ends: datetime | None = None
    status: str | None = None
    channel_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    pillar_id: uuid.UUID | None = None
    tag: str | None = None
    q: str | None = None


# --- workspace-level lookups -------------------------------------------------------------


def workspace(session: Session, workspace_id: uuid.UUID) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def channels_by_ids(
    session: Session, workspace_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Channel]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.scalars(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.id.in_(wanted))
    )
    return {row.id: row for row in rows}


def media_by_ids(
    session: Session, workspace_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, MediaAsset]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.scalars(
        select(MediaAsset).where(MediaAsset.workspace_id == workspace_id, MediaAsset.id.in_(wanted))
    )
    return {row.id: row for row in rows}


def editorial_line(session: Session, workspace_id: uuid.UUID) -> EditorialLine | None:
    return session.get(EditorialLine, workspace_id)


# --- posts --------------------------------------------------------------------------------


def _with_variants(stmt: Select[Post]) -> Select[Post]:
    return stmt.options(selectinload(Post.variants).selectinload(PostVariant.media))


def get_post(session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID) -> Post | None:
    stmt = _with_variants(select(Post).where(Post.workspace_id == workspace_id, Post.id == post_id))
    return session.scalars(stmt).one_or_none()


def claim_version(session: Session, post: Post, expected: int) -> bool:
    """Move the post to the next version only if it is still at `expected`.

    A conditional UPDATE rather than a read-then-write: two editors based on the same
    version cannot both win, even when their transactions overlap.
    """
    result = session.execute(
        update(Post)
        .where(Post.id == post.id, Post.workspace_id == post.workspace_id, Post.version == expected)
        .values(version=expected + 1)
        .execution_options(synchronize_session=False)
    )
    won = bool(getattr(result, "rowcount", 0) == 1)
    if won:
        post.version = expected + 1
    return won


def _variant_conditions(filters: PostFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.starts is not None:
        conditions.append(PostVariant.scheduled_at >= filters.starts)
    if filters.ends is not None:
        conditions.append(PostVariant.scheduled_at < filters.ends)
    if filters.status is not None:
        conditions.append(PostVariant.state == filters.status)
    if filters.channel_id is not None:
        conditions.append(PostVariant.channel_id == filters.channel_id)
    return conditions


def _tag_condition(session: Session, tag: str) -> ColumnElement[bool]:
    # JSON arrays are searched with each database's own set-returning function.
    if session.get_bind().dialect.name == "postgresql":
        elements = func.json_array_elements_text(Post.tags).table_valued("value").alias("tag")
    else:
        elements = func.json_each(Post.tags).table_valued("value").alias("tag")
    return exists(select(1).select_from(elements).where(elements.c.value == tag))


def _text_condition(q: str) -> ColumnElement[bool]:
    needle = q.lower()
    in_variants = exists(
        select(1).where(
            PostVariant.post_id == Post.id,
            func.lower(PostVariant.text).contains(needle, autoescape=True),
        )
    )
    return or_(
        func.lower(Post.title).contains(needle, autoescape=True),
        func.lower(Post.base_text).contains(needle, autoescape=True),
        in_variants,
    )


def _keyset_desc(
    stmt: Select[T],
    sort_col: InstrumentedAttribute[datetime],
    id_col: InstrumentedAttribute[uuid.UUID],
    cursor: Cursor | None,
) -> Select[T]:
    if cursor is not None:
        when = cursor.sort_datetime()
        stmt = stmt.where(or_(sort_col < when, and_(sort_col == when, id_col < cursor.id)))
    return stmt.order_by(sort_col.desc(), id_col.desc())


def list_posts(
    session: Session,
    workspace_id: uuid.UUID,
    filters: PostFilters,
    cursor: Cursor | None,
    limit: int,
) -> list[Post]:
    """One page plus one row (the caller uses it to know whether a next page exists)."""
    stmt = select(Post).where(Post.workspace_id == workspace_id)
    variant_conditions = _variant_conditions(filters)
    if variant_conditions:
        stmt = stmt.where(
            exists(select(1).where(PostVariant.post_id == Post.id, *variant_conditions))
        )
    if filters.campaign_id is not None:
        stmt = stmt.where(Post.campaign_id == filters.campaign_id)
    if filters.pillar_id is not None:
        stmt = stmt.where(Post.pillar_id == filters.pillar_id)
    if filters.tag:
        stmt = stmt.where(_tag_condition(session, filters.tag))
    if filters.q:
        stmt = stmt.where(_text_condition(filters.q))
    stmt = _keyset_desc(stmt, Post.created_at, Post.id, cursor)
    return list(session.scalars(_with_variants(stmt).limit(limit + 1)))


def add(session: Session, row: Any) -> None:
    session.add(row)
    session.flush()


def delete(session: Session, row: Any) -> None:
    session.delete(row)
    session.flush()


# --- media --------------------------------------------------------------------------------


def get_media(session: Session, workspace_id: uuid.UUID, media_id: uuid.UUID) -> MediaAsset | None:
    return session.scalars(
        select(MediaAsset).where(MediaAsset.workspace_id == workspace_id, MediaAsset.id == media_id)
    ).one_or_none()


def list_media(
    session: Session, workspace_id: uuid.UUID, cursor: Cursor | None, limit: int
) -> list[MediaAsset]:
    stmt = select(MediaAsset).where(MediaAsset.workspace_id == workspace_id)
    stmt = _keyset_desc(stmt, MediaAsset.created_at, MediaAsset.id, cursor)
    return list(session.scalars(stmt.limit(limit + 1)))


def derived_media(
    session: Session, workspace_id: uuid.UUID, source_id: uuid.UUID
) -> list[MediaAsset]:
    """The files fixed from a media for networks, oldest first."""
    return list(
        session.scalars(
            select(MediaAsset)
            .where(MediaAsset.workspace_id == workspace_id, MediaAsset.source_media_id == source_id)
            .order_by(MediaAsset.created_at, MediaAsset.id)
        )
    )


def media_usage(session: Session, media_id: uuid.UUID) -> int:
    """How many variants (of any state) attach this media."""
    return int(
        session.scalar(
            select(func.count()).select_from(VariantMedia).where(VariantMedia.media_id == media_id)
        )
        or 0
    )


# --- content pillars and campaigns ----------------------------------------------------------


def get_pillar(
    session: Session, workspace_id: uuid.UUID, pillar_id: uuid.UUID
) -> ContentPillar | None:
    return session.scalars(
        select(ContentPillar).where(
            ContentPillar.workspace_id == workspace_id, ContentPillar.id == pillar_id
        )
    ).one_or_none()


def pillar_named(
    session: Session, workspace_id: uuid.UUID, name: str, other_than: uuid.UUID | None = None
) -> ContentPillar | None:
    stmt = select(ContentPillar).where(
        ContentPillar.workspace_id == workspace_id,
        func.lower(ContentPillar.name) == name.lower(),
    )
    if other_than is not None:
        stmt = stmt.where(ContentPillar.id != other_than)
    return session.scalars(stmt.limit(1)).first()


def pillar_share_total(
    session: Session, workspace_id: uuid.UUID, other_than: uuid.UUID | None = None
) -> int:
    stmt = select(func.coalesce(func.sum(ContentPillar.target_share), 0)).where(
        ContentPillar.workspace_id == workspace_id
    )
    if other_than is not None:
        stmt = stmt.where(ContentPillar.id != other_than)
    return int(session.scalar(stmt) or 0)


def list_pillars(
    session: Session, workspace_id: uuid.UUID, cursor: Cursor | None, limit: int
) -> list[ContentPillar]:
    stmt = select(ContentPillar).where(ContentPillar.workspace_id == workspace_id)
    if cursor is not None:
        stmt = stmt.where(
            or_(
                ContentPillar.name > cursor.sort_value,
                and_(ContentPillar.name == cursor.sort_value, ContentPillar.id > cursor.id),
            )
        )
    stmt = stmt.order_by(ContentPillar.name, ContentPillar.id)
    return list(session.scalars(stmt.limit(limit + 1)))


def get_campaign(
    session: Session, workspace_id: uuid.UUID, campaign_id: uuid.UUID
) -> Campaign | None:
    return session.scalars(
        select(Campaign).where(Campaign.workspace_id == workspace_id, Campaign.id == campaign_id)
    ).one_or_none()


def campaign_named(
    session: Session, workspace_id: uuid.UUID, name: str, other_than: uuid.UUID | None = None
) -> Campaign | None:
    stmt = select(Campaign).where(
        Campaign.workspace_id == workspace_id, func.lower(Campaign.name) == name.lower()
    )
    if other_than is not None:
        stmt = stmt.where(Campaign.id != other_than)
    return session.scalars(stmt.limit(1)).first()


def list_campaigns(
    session: Session, workspace_id: uuid.UUID, cursor: Cursor | None, limit: int
) -> list[Campaign]:
    stmt = select(Campaign).where(Campaign.workspace_id == workspace_id)
    stmt = _keyset_desc(stmt, Campaign.created_at, Campaign.id, cursor)
    return list(session.scalars(stmt.limit(limit + 1)))
