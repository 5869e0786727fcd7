"""The media library's SQL: search with keyset pagination, folders, tags, usage history.

Every query is scoped to one workspace. Tags and the networks a file fits are stored as
`,a,b,` strings, so one LIKE (with its wildcards escaped) finds an entry on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import Session

from orchestre.kit.pagination import Cursor
from orchestre.models import Channel, MediaAsset, Post, PostVariant, VariantMedia


@dataclass(frozen=True)
class MediaSearch:
    """A search of the library; every field narrows it (None or empty: no condition)."""

    text: str = ""  # already folded
    tag: str | None = None
    kind: str | None = None
    orientation: str | None = None
    min_seconds: float | None = None
    max_seconds: float | None = None
    network: str | None = None
    folder: str | None = None  # this folder and the folders below it
    expires_after: datetime | None = None  # a licence that ends after this time...
    expires_before: datetime | None = None  # ...and (or only) before this one
    valid_after: datetime | None = None  # no end, or an end after this time
    include_fixed: bool = True  # files fixed for a network from another one


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: object, needle: str) -> object:
    return column.like(f"%{like_escape(needle)}%", escape="\\")  # type: ignore[attr-defined]


def search_media(
    session: Session,
    workspace_id: uuid.UUID,
    search: MediaSearch,
    cursor: Cursor | None,
    limit: int,
) -> list[MediaAsset]:
    """One page plus one row, newest first."""
    m = MediaAsset
    stmt = select(m).where(m.workspace_id == workspace_id)
    if not search.include_fixed:
        stmt = stmt.where(m.source_media_id.is_(None))
    for word in search.text.split():
        stmt = stmt.where(_contains(m.search_text, word))  # type: ignore[arg-type]
    if search.tag:
        stmt = stmt.where(_contains(m.tags, f",{search.tag},"))  # type: ignore[arg-type]
    if search.network:
        stmt = stmt.where(_contains(m.fits, f",{search.network},"))  # type: ignore[arg-type]
    if search.kind:
        stmt = stmt.where(m.kind == search.kind)
    if search.orientation:
        stmt = stmt.where(m.orientation == search.orientation)
    if search.min_seconds is not None:
        stmt = stmt.where(m.duration_seconds >= search.min_seconds)
    if search.max_seconds is not None:
        stmt = stmt.where(m.duration_seconds <= search.max_seconds)
    if search.folder:
        below = f"{like_escape(search.folder)}/%"
        stmt = stmt.where(or_(m.folder == search.folder, m.folder.like(below, escape="\\")))
    if search.expires_after is not None:
        stmt = stmt.where(m.licence_expires_at > search.expires_after)
    if search.expires_before is not None:
        stmt = stmt.where(m.licence_expires_at <= search.expires_before)
    if search.valid_after is not None:
        ends = m.licence_expires_at
        stmt = stmt.where(or_(ends.is_(None), ends > search.valid_after))
    if cursor is not None:
        when = cursor.sort_datetime()
        stmt = stmt.where(or_(m.created_at < when, and_(m.created_at == when, m.id < cursor.id)))
    stmt = stmt.order_by(m.created_at.desc(), m.id.desc()).limit(limit + 1)
    return list(session.scalars(stmt))


def without_fits(session: Session, workspace_id: uuid.UUID, limit: int) -> list[MediaAsset]:
    """Assets whose fitting networks were never computed (uploaded before the library)."""
    stmt = (
        select(MediaAsset)
        .where(MediaAsset.workspace_id == workspace_id, MediaAsset.fits.is_(None))
        .limit(limit)
    )
    return list(session.scalars(stmt))


def folders(session: Session, workspace_id: uuid.UUID) -> list[tuple[str, int]]:
    """Each folder that holds files, with how many, by name."""
    rows = session.execute(
        select(MediaAsset.folder, func.count())
        .where(MediaAsset.workspace_id == workspace_id, MediaAsset.source_media_id.is_(None))
        .group_by(MediaAsset.folder)
        .order_by(MediaAsset.folder)
    ).all()
    return [(str(folder), int(count)) for folder, count in rows]


def tag_strings(session: Session, workspace_id: uuid.UUID) -> Sequence[str]:
    """The stored tag strings of the workspace's files (split by the caller)."""
    return session.scalars(
        select(MediaAsset.tags).where(
            MediaAsset.workspace_id == workspace_id, MediaAsset.tags != ""
        )
    ).all()


def expiring(
    session: Session, workspace_id: uuid.UUID, before: datetime, limit: int
) -> list[MediaAsset]:
    """Files whose licence ends before `before` (already over included), soonest first."""
    stmt = (
        select(MediaAsset)
        .where(
            MediaAsset.workspace_id == workspace_id,
            MediaAsset.licence_expires_at.is_not(None),
            MediaAsset.licence_expires_at < before,
        )
        .order_by(MediaAsset.licence_expires_at, MediaAsset.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def usage(
    session: Session, workspace_id: uuid.UUID, media_ids: Sequence[uuid.UUID]
) -> Sequence[Row[PostVariant, Post, Channel, uuid.UUID]]:
    """The variants that attach these files, with their post and channel, newest post first."""
    stmt = (
        select(PostVariant, Post, Channel, VariantMedia.media_id)
        .join(VariantMedia, VariantMedia.variant_id == PostVariant.id)
        .join(Post, Post.id == PostVariant.post_id)
        .join(Channel, Channel.id == PostVariant.channel_id)
        .where(Post.workspace_id == workspace_id, VariantMedia.media_id.in_(list(media_ids)))
        .order_by(Post.created_at.desc(), PostVariant.position, PostVariant.id)
        .limit(500)
    )
    return session.execute(stmt).all()


def licences_ending(
    session: Session, variant_ids: Sequence[uuid.UUID], by: datetime
) -> Sequence[Row[uuid.UUID, str, datetime]]:
    """(variant id, file name, licence end) of the files these variants attach whose
    licence ends at `by` or before."""
    stmt = (
        select(VariantMedia.variant_id, MediaAsset.filename, MediaAsset.licence_expires_at)
        .join(MediaAsset, MediaAsset.id == VariantMedia.media_id)
        .where(
            VariantMedia.variant_id.in_(list(variant_ids)),
            MediaAsset.licence_expires_at.is_not(None),
            MediaAsset.licence_expires_at <= by,
        )
        .order_by(MediaAsset.licence_expires_at)
    )
    return session.execute(stmt).all()  # type: ignore[return-value]
