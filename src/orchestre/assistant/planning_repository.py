"""All SQL of content planning, always scoped to one workspace."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from orchestre.models import (
    Channel,
    ChannelStatus,
    Post,
    PostVariant,
    Publication,
    VariantState,
    Workspace,
)
from orchestre.models.assistant_plans import AssistantPlan, AssistantPlanItem, PlanItemStatus
from orchestre.models.insights import PostMetricSample

S = VariantState
# Variants that hold a time on their channel (scheduled, on their way, or out).
DATED = (S.SCHEDULED.value, S.PUBLISHING.value, S.PUBLISHED.value)
ENGAGEMENT = ("likes", "comments", "reposts", "saves", "clicks")


def workspace(session: Session, workspace_id: uuid.UUID) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def channels(
    session: Session, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID] | None
) -> list[Channel]:
    """The listed channels of the workspace (any state), or its connected ones by handle."""
    query = select(Channel).where(Channel.workspace_id == workspace_id)
    if ids is None:
        query = query.where(Channel.status == ChannelStatus.CONNECTED.value)
    else:
        query = query.where(Channel.id.in_(list(ids)))
    return list(session.scalars(query.order_by(Channel.network, Channel.handle, Channel.id)))


def dated_counts(
    session: Session, workspace_id: uuid.UUID, since: datetime, until: datetime
) -> dict[uuid.UUID, int]:
    """Per channel: its variants scheduled or published in [since, until)."""
    when = func.coalesce(PostVariant.published_at, PostVariant.scheduled_at)
    rows = session.execute(
        select(PostVariant.channel_id, func.count())
        .where(
            PostVariant.workspace_id == workspace_id,
            PostVariant.state.in_(DATED),
            when >= since,
            when < until,
        )
        .group_by(PostVariant.channel_id)
    ).all()
    return {channel_id: int(count) for channel_id, count in rows}


def pillar_counts(
    session: Session, workspace_id: uuid.UUID, since: datetime, until: datetime
) -> dict[uuid.UUID, int]:
    """Per pillar: its variants scheduled or published in [since, until)."""
    when = func.coalesce(PostVariant.published_at, PostVariant.scheduled_at)
    rows = session.execute(
        select(Post.pillar_id, func.count())
        .join(PostVariant, PostVariant.post_id == Post.id)
        .where(
            Post.workspace_id == workspace_id,
            Post.pillar_id.is_not(None),
            PostVariant.state.in_(DATED),
            when >= since,
            when < until,
        )
        .group_by(Post.pillar_id)
    ).all()
    return {pillar_id: int(count) for pillar_id, count in rows if pillar_id is not None}


def taken(
    session: Session,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    since: datetime,
    until: datetime,
) -> list[datetime]:
    """Times already held on the channel in [since, until): its dated variants, the due
    copies of its repeats, and the items other plans still propose there."""
    when = func.coalesce(PostVariant.published_at, PostVariant.scheduled_at)
    found: list[datetime] = []
    found.extend(
        t
        for t in session.scalars(
            select(when).where(
                PostVariant.workspace_id == workspace_id,
                PostVariant.channel_id == channel_id,
                PostVariant.state.in_(DATED),
                when >= since,
                when < until,
            )
        )
        if t is not None
    )
    found.extend(
        session.scalars(
            select(Publication.due_at).where(
                Publication.workspace_id == workspace_id,
                Publication.channel_id == channel_id,
                Publication.due_at >= since,
                Publication.due_at < until,
            )
        )
    )
    found.extend(
        session.scalars(
            select(AssistantPlanItem.slot_at).where(
                AssistantPlanItem.workspace_id == workspace_id,
                AssistantPlanItem.channel_id == channel_id,
                AssistantPlanItem.status == PlanItemStatus.PROPOSED.value,
                AssistantPlanItem.slot_at >= since,
                AssistantPlanItem.slot_at < until,
            )
        )
    )
    return sorted(found)


def best_posts(
    session: Session, workspace_id: uuid.UUID, pillar_id: uuid.UUID, limit: int = 3
) -> list[str]:
    """The texts of the pillar's published variants with the most engagement, best first.

    A publication's engagement is the sum, over likes, comments, reposts, saves and clicks,
    of the highest value measured (metrics only grow with a post's age)."""
    per_metric = (
        select(
            PostMetricSample.publication_id.label("publication_id"),
            func.max(PostMetricSample.value).label("value"),
        )
        .where(
            PostMetricSample.workspace_id == workspace_id,
            PostMetricSample.metric.in_(ENGAGEMENT),
        )
        .group_by(PostMetricSample.publication_id, PostMetricSample.metric)
        .subquery()
    )
    engagement = func.sum(per_metric.c.value)
    rows = session.execute(
        select(PostVariant.text, engagement)
        .join(Publication, Publication.variant_id == PostVariant.id)
        .join(per_metric, per_metric.c.publication_id == Publication.id)
        .join(Post, Post.id == PostVariant.post_id)
        .where(
            Post.workspace_id == workspace_id,
            Post.pillar_id == pillar_id,
            PostVariant.text != "",
        )
        .group_by(PostVariant.id, PostVariant.text)
        .order_by(engagement.desc(), PostVariant.id)
        .limit(limit)
    ).all()
    return [text for text, _ in rows]


# --- plans and items ------------------------------------------------------------------------


def add(session: Session, row: AssistantPlan | AssistantPlanItem) -> None:
    session.add(row)
    session.flush()


def get_plan(session: Session, workspace_id: uuid.UUID, plan_id: uuid.UUID) -> AssistantPlan | None:
    return session.scalars(
        select(AssistantPlan).where(
            AssistantPlan.workspace_id == workspace_id, AssistantPlan.id == plan_id
        )
    ).first()


def plan_items(
    session: Session, workspace_id: uuid.UUID, plan_id: uuid.UUID
) -> list[AssistantPlanItem]:
    return list(
        session.scalars(
            select(AssistantPlanItem)
            .where(
                AssistantPlanItem.workspace_id == workspace_id,
                AssistantPlanItem.plan_id == plan_id,
            )
            .order_by(AssistantPlanItem.position)
        )
    )


def get_item(
    session: Session, workspace_id: uuid.UUID, item_id: uuid.UUID, *, lock: bool = False
) -> AssistantPlanItem | None:
    query = select(AssistantPlanItem).where(
        AssistantPlanItem.workspace_id == workspace_id, AssistantPlanItem.id == item_id
    )
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def items_between(
    session: Session, workspace_id: uuid.UUID, starts: datetime, ends: datetime, limit: int
) -> list[tuple[AssistantPlanItem, Channel]]:
    """Items on the calendar in [starts, ends): proposed ones, and accepted ones whose post
    has no time of its own yet (a draft, in review or approved)."""
    rows = session.execute(
        select(AssistantPlanItem, Channel)
        .join(Channel, Channel.id == AssistantPlanItem.channel_id)
        .outerjoin(Post, Post.id == AssistantPlanItem.post_id)
        .where(
            AssistantPlanItem.workspace_id == workspace_id,
            AssistantPlanItem.slot_at >= starts,
            AssistantPlanItem.slot_at < ends,
            or_(
                AssistantPlanItem.status == PlanItemStatus.PROPOSED.value,
                and_(
                    AssistantPlanItem.status == PlanItemStatus.ACCEPTED.value,
                    Post.id.is_not(None),
                    Post.scheduled_at.is_(None),
                ),
            ),
        )
        .order_by(AssistantPlanItem.slot_at, AssistantPlanItem.id)
        .limit(limit)
    ).all()
    return [(item, channel) for item, channel in rows]


def channels_by_ids(
    session: Session, workspace_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Channel]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.id.in_(wanted))
    )
    return {c.id: c for c in rows}
