"""All SQL of the approvals domain: review steps, decisions, comments, members to notify."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from orchestre.kit.pagination import Cursor
from orchestre.models import (
    ApprovalDecision,
    ApprovalStep,
    Membership,
    Post,
    PostComment,
    PostVariant,
    User,
    VariantState,
)

# --- review steps -------------------------------------------------------------------


def list_steps(session: Session, workspace_id: uuid.UUID) -> list[ApprovalStep]:
    stmt = (
        select(ApprovalStep)
        .where(ApprovalStep.workspace_id == workspace_id)
        .order_by(ApprovalStep.position)
    )
    return list(session.scalars(stmt))


def delete_steps(session: Session, steps: Iterable[ApprovalStep]) -> None:
    for step in steps:
        session.delete(step)
    session.flush()


def park_steps(session: Session, steps: Sequence[ApprovalStep]) -> None:
    """Move kept steps out of the way: (workspace, position) is unique at every statement."""
    for index, step in enumerate(steps):
        step.position = -(index + 1)
    session.flush()


def add_step(
    session: Session, workspace_id: uuid.UUID, position: int, name: str, role: str
) -> ApprovalStep:
    step = ApprovalStep(workspace_id=workspace_id, position=position, name=name, role=role)
    session.add(step)
    return step


# --- decisions ----------------------------------------------------------------------


def decisions_for(
    session: Session, workspace_id: uuid.UUID, post_ids: Sequence[uuid.UUID]
) -> list[ApprovalDecision]:
    """Every decision on these posts, oldest first."""
    if not post_ids:
        return []
    stmt = (
        select(ApprovalDecision)
        .where(
            ApprovalDecision.workspace_id == workspace_id,
            ApprovalDecision.post_id.in_(post_ids),
        )
        .order_by(ApprovalDecision.decided_at, ApprovalDecision.id)
    )
    return list(session.scalars(stmt))


def add_decision(session: Session, decision: ApprovalDecision) -> ApprovalDecision:
    session.add(decision)
    session.flush()
    return decision


# --- posts in review ----------------------------------------------------------------


def lock_post(session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID) -> bool:
    """Take the post's row lock so two reviewers cannot decide the same step at once."""
    stmt = (
        select(Post.id)
        .where(Post.workspace_id == workspace_id, Post.id == post_id)
        .with_for_update()
    )
    return session.scalar(stmt) is not None


def post_with_variants(
    session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID, *, lock: bool = False
) -> Post | None:
    """The post with its variants loaded; `lock` takes its row lock first (see lock_post)."""
    if lock and not lock_post(session, workspace_id, post_id):
        return None
    stmt = (
        select(Post)
        .where(Post.workspace_id == workspace_id, Post.id == post_id)
        .options(selectinload(Post.variants))
    )
    return session.scalar(stmt)


def submitted_times(session: Session, workspace_id: uuid.UUID) -> dict[uuid.UUID, datetime | None]:
    """Posts with a variant in review, and when their review started."""
    stmt = (
        select(PostVariant.post_id, func.min(PostVariant.state_changed_at))
        .where(
            PostVariant.workspace_id == workspace_id,
            PostVariant.state == VariantState.IN_REVIEW.value,
        )
        .group_by(PostVariant.post_id)
    )
    return dict(session.execute(stmt).all())


def posts_by_ids(
    session: Session, workspace_id: uuid.UUID, post_ids: Sequence[uuid.UUID]
) -> list[Post]:
    if not post_ids:
        return []
    stmt = select(Post).where(Post.workspace_id == workspace_id, Post.id.in_(post_ids))
    return list(session.scalars(stmt))


def in_review_variants(
    session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID
) -> list[PostVariant]:
    stmt = (
        select(PostVariant)
        .where(
            PostVariant.workspace_id == workspace_id,
            PostVariant.post_id == post_id,
            PostVariant.state == VariantState.IN_REVIEW.value,
        )
        .order_by(PostVariant.position)
    )
    return list(session.scalars(stmt))


# --- members ------------------------------------------------------------------------


def member_roles(session: Session, workspace_id: uuid.UUID) -> dict[uuid.UUID, list[str]]:
    stmt = select(Membership.user_id, Membership.roles).where(
        Membership.workspace_id == workspace_id
    )
    return {user_id: list(roles) for user_id, roles in session.execute(stmt)}


def members_by_email(
    session: Session, workspace_id: uuid.UUID, emails: Iterable[str]
) -> dict[str, uuid.UUID]:
    """Lower-cased email -> user id, for the members of the workspace among these emails."""
    wanted = {e.lower() for e in emails}
    if not wanted:
        return {}
    stmt = (
        select(User.email, User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, func.lower(User.email).in_(wanted))
    )
    return {email.lower(): user_id for email, user_id in session.execute(stmt)}


def member_ids_among(
    session: Session, workspace_id: uuid.UUID, user_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    wanted = set(user_ids)
    if not wanted:
        return set()
    stmt = select(Membership.user_id).where(
        Membership.workspace_id == workspace_id, Membership.user_id.in_(wanted)
    )
    return set(session.scalars(stmt))


def user_names(session: Session, user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {u for u in user_ids if u is not None}
    if not wanted:
        return {}
    stmt = select(User.id, User.name).where(User.id.in_(wanted))
    return dict(session.execute(stmt).all())


# --- comments -----------------------------------------------------------------------


def list_comments(
    session: Session,
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    after: Cursor | None,
    limit: int,
) -> list[PostComment]:
    """Oldest first, as a conversation reads; `limit + 1` rows tell whether more follow."""
    stmt = select(PostComment).where(
        PostComment.workspace_id == workspace_id, PostComment.post_id == post_id
    )
    if after is not None:
        when, last_id = after.position()
        stmt = stmt.where(
            or_(
                PostComment.created_at > when,
                and_(PostComment.created_at == when, PostComment.id > last_id),
            )
        )
    stmt = stmt.order_by(PostComment.created_at, PostComment.id).limit(limit + 1)
    return list(session.scalars(stmt))


def get_comment(
    session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID, comment_id: uuid.UUID
) -> PostComment | None:
    stmt = select(PostComment).where(
        PostComment.workspace_id == workspace_id,
        PostComment.post_id == post_id,
        PostComment.id == comment_id,
    )
    return session.scalar(stmt)


def add_comment(session: Session, comment: PostComment) -> PostComment:
    session.add(comment)
    session.flush()
    return comment


def delete_comment(session: Session, comment: PostComment) -> None:
    session.delete(comment)
    session.flush()
