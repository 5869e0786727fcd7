"""All SQL of the review links: the links, their posts, and what was done through them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from orchestre.models import (
    ApprovalDecision,
    Channel,
    MediaAsset,
    Post,
    PostComment,
    PostVariant,
    ReviewLink,
    ReviewLinkPost,
    VariantMedia,
    Workspace,
)


def add_link(session: Session, link: ReviewLink, post_ids: Sequence[uuid.UUID]) -> ReviewLink:
    session.add(link)
    session.flush()
    for position, post_id in enumerate(post_ids):
        session.add(ReviewLinkPost(link_id=link.id, post_id=post_id, position=position))
    session.flush()
    return link


def get_link(session: Session, workspace_id: uuid.UUID, link_id: uuid.UUID) -> ReviewLink | None:
    stmt = select(ReviewLink).where(
        ReviewLink.workspace_id == workspace_id, ReviewLink.id == link_id
    )
    return session.scalar(stmt)


def link_by_id(session: Session, link_id: uuid.UUID) -> ReviewLink | None:
    """For the public page only: the token (checked by the caller) is the workspace's key."""
    return session.get(ReviewLink, link_id)


def list_links(session: Session, workspace_id: uuid.UUID) -> list[ReviewLink]:
    stmt = (
        select(ReviewLink)
        .where(ReviewLink.workspace_id == workspace_id)
        .order_by(ReviewLink.created_at.desc(), ReviewLink.id)
    )
    return list(session.scalars(stmt))


def existing_post_ids(
    session: Session, workspace_id: uuid.UUID, post_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    if not post_ids:
        return set()
    stmt = select(Post.id).where(Post.workspace_id == workspace_id, Post.id.in_(post_ids))
    return set(session.scalars(stmt))


def link_post_ids(
    session: Session, link_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Link -> its posts, in the order they were chosen."""
    found: dict[uuid.UUID, list[uuid.UUID]] = {link_id: [] for link_id in link_ids}
    if not link_ids:
        return found
    stmt = (
        select(ReviewLinkPost.link_id, ReviewLinkPost.post_id)
        .where(ReviewLinkPost.link_id.in_(link_ids))
        .order_by(ReviewLinkPost.position)
    )
    for link_id, post_id in session.execute(stmt):
        found[link_id].append(post_id)
    return found


def posts_of_link(session: Session, link: ReviewLink) -> list[Post]:
    """The link's posts still in its workspace, with variants and media links, in order."""
    stmt = (
        select(Post)
        .join(ReviewLinkPost, ReviewLinkPost.post_id == Post.id)
        .where(ReviewLinkPost.link_id == link.id, Post.workspace_id == link.workspace_id)
        .order_by(ReviewLinkPost.position)
        .options(selectinload(Post.variants).selectinload(PostVariant.media))
    )
    return list(session.scalars(stmt))


def media_in_link(session: Session, link: ReviewLink, media_id: uuid.UUID) -> MediaAsset | None:
    """A file attached to a variant of one of the link's posts, in the link's workspace."""
    stmt = (
        select(MediaAsset)
        .join(VariantMedia, VariantMedia.media_id == MediaAsset.id)
        .join(PostVariant, PostVariant.id == VariantMedia.variant_id)
        .join(ReviewLinkPost, ReviewLinkPost.post_id == PostVariant.post_id)
        .join(Post, Post.id == PostVariant.post_id)
        .where(
            MediaAsset.id == media_id,
            MediaAsset.workspace_id == link.workspace_id,
            ReviewLinkPost.link_id == link.id,
            Post.workspace_id == link.workspace_id,
        )
        .limit(1)
    )
    return session.scalar(stmt)


def media_by_ids(
    session: Session, workspace_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, MediaAsset]:
    if not ids:
        return {}
    stmt = select(MediaAsset).where(MediaAsset.workspace_id == workspace_id, MediaAsset.id.in_(ids))
    return {asset.id: asset for asset in session.scalars(stmt)}


def recent_posts(session: Session, workspace_id: uuid.UUID, limit: int) -> list[Post]:
    """The workspace's most recently changed posts, with their variants."""
    stmt = (
        select(Post)
        .where(Post.workspace_id == workspace_id)
        .order_by(Post.updated_at.desc(), Post.id)
        .limit(limit)
        .options(selectinload(Post.variants))
    )
    return list(session.scalars(stmt))


def holds_post(session: Session, link: ReviewLink, post_id: uuid.UUID) -> bool:
    stmt = (
        select(ReviewLinkPost.post_id)
        .join(Post, Post.id == ReviewLinkPost.post_id)
        .where(
            ReviewLinkPost.link_id == link.id,
            ReviewLinkPost.post_id == post_id,
            Post.workspace_id == link.workspace_id,
        )
    )
    return session.scalar(stmt) is not None


def remove_post(session: Session, link_id: uuid.UUID, post_id: uuid.UUID) -> bool:
    stmt = delete(ReviewLinkPost).where(
        ReviewLinkPost.link_id == link_id, ReviewLinkPost.post_id == post_id
    )
    removed = session.execute(stmt).rowcount  # type: ignore[attr-defined]
    session.flush()
    return bool(removed)


def channels_by_ids(
    session: Session, workspace_id: uuid.UUID, channel_ids: set[uuid.UUID]
) -> dict[uuid.UUID, Channel]:
    if not channel_ids:
        return {}
    stmt = select(Channel).where(Channel.workspace_id == workspace_id, Channel.id.in_(channel_ids))
    return {c.id: c for c in session.scalars(stmt)}


def workspace_name(session: Session, workspace_id: uuid.UUID) -> str:
    return session.scalar(select(Workspace.name).where(Workspace.id == workspace_id)) or ""


def decisions_via(session: Session, link: ReviewLink) -> list[ApprovalDecision]:
    stmt = (
        select(ApprovalDecision)
        .where(
            ApprovalDecision.workspace_id == link.workspace_id,
            ApprovalDecision.review_link_id == link.id,
        )
        .order_by(ApprovalDecision.decided_at, ApprovalDecision.id)
    )
    return list(session.scalars(stmt))


def comments_via(session: Session, link: ReviewLink) -> list[PostComment]:
    stmt = (
        select(PostComment)
        .where(PostComment.workspace_id == link.workspace_id, PostComment.review_link_id == link.id)
        .order_by(PostComment.created_at, PostComment.id)
    )
    return list(session.scalars(stmt))


def use_counts(
    session: Session, workspace_id: uuid.UUID, link_ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    """Link -> decisions taken through it, and link -> comments written through it."""
    if not link_ids:
        return {}, {}
    decided = select(ApprovalDecision.review_link_id, func.count()).where(
        ApprovalDecision.workspace_id == workspace_id,
        ApprovalDecision.review_link_id.in_(link_ids),
    )
    commented = select(PostComment.review_link_id, func.count()).where(
        PostComment.workspace_id == workspace_id, PostComment.review_link_id.in_(link_ids)
    )
    decisions = session.execute(decided.group_by(ApprovalDecision.review_link_id)).all()
    comments = session.execute(commented.group_by(PostComment.review_link_id)).all()
    return (
        {link: count for link, count in decisions if link is not None},
        {link: count for link, count in comments if link is not None},
    )
