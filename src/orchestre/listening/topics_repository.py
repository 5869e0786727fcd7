"""All SQL of topic clusters and inbox trends: the messages of a period (listening
mentions and inbound inbox messages), and the cached snapshots with their lease."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from orchestre.kit.db import for_update
from orchestre.models import InboxMessage, Mention
from orchestre.models.inbox import Direction
from orchestre.models.listening_topics import TopicSnapshot

Row = tuple[str, str, str, datetime, str | None]  # source, id, text, instant, sentiment


def _inbound(workspace_id: uuid.UUID, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [
        InboxMessage.workspace_id == workspace_id,
        InboxMessage.direction == Direction.INBOUND.value,
        InboxMessage.deleted.is_(False),
        InboxMessage.created_at >= start,
        InboxMessage.created_at < end,
        InboxMessage.text != "",
    ]


def volumes(
    session: Session, workspace_id: uuid.UUID, start: datetime, end: datetime
) -> tuple[int, int]:
    """(mentions, inbound inbox messages) of the period."""
    mentions = session.scalar(
        select(func.count(Mention.id)).where(
            Mention.workspace_id == workspace_id,
            Mention.published_at >= start,
            Mention.published_at < end,
            Mention.text != "",
        )
    )
    inbox = session.scalar(
        select(func.count(InboxMessage.id)).where(*_inbound(workspace_id, start, end))
    )
    return int(mentions or 0), int(inbox or 0)


def newest_messages(
    session: Session, workspace_id: uuid.UUID, start: datetime, end: datetime, limit: int
) -> list[Row]:
    """The `limit` newest mentions and inbound inbox messages of the period, newest first."""
    mentions = session.execute(
        select(Mention.id, Mention.text, Mention.published_at, Mention.sentiment)
        .where(
            Mention.workspace_id == workspace_id,
            Mention.published_at >= start,
            Mention.published_at < end,
            Mention.text != "",
        )
        .order_by(Mention.published_at.desc(), Mention.id)
        .limit(limit)
    ).all()
    inbox = session.execute(
        select(InboxMessage.id, InboxMessage.text, InboxMessage.created_at, InboxMessage.sentiment)
        .where(*_inbound(workspace_id, start, end))
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id)
        .limit(limit)
    ).all()
    rows: list[Row] = [("mention", str(i), text, at, s) for i, text, at, s in mentions]
    rows += [("inbox", str(i), text, at, s) for i, text, at, s in inbox]
    rows.sort(key=lambda row: (row[3], row[1]), reverse=True)
    return rows[:limit]


def inbox_rows(
    session: Session, workspace_id: uuid.UUID, start: datetime, end: datetime, limit: int
) -> list[tuple[datetime, str]]:
    """(instant, text) of the period's inbound inbox messages, oldest first (trends)."""
    rows = session.execute(
        select(InboxMessage.created_at, InboxMessage.text)
        .where(*_inbound(workspace_id, start, end))
        .order_by(InboxMessage.created_at, InboxMessage.id)
        .limit(limit)
    ).all()
    return [(at, text) for at, text in rows]


def active_workspaces(session: Session, since: datetime) -> list[uuid.UUID]:
    """Workspaces with a mention or an inbound inbox message since `since`."""
    mentions = select(Mention.workspace_id).where(Mention.published_at >= since).distinct()
    inbox = (
        select(InboxMessage.workspace_id)
        .where(
            InboxMessage.created_at >= since,
            InboxMessage.direction == Direction.INBOUND.value,
        )
        .distinct()
    )
    found = set(session.scalars(mentions)) | set(session.scalars(inbox))
    return sorted(found, key=str)


def snapshot(session: Session, workspace_id: uuid.UUID, days: int) -> TopicSnapshot | None:
    return session.scalar(
        select(TopicSnapshot).where(
            TopicSnapshot.workspace_id == workspace_id, TopicSnapshot.days == days
        )
    )


def claim_stale(
    session: Session, days: int, stale_before: datetime, now: datetime, limit: int
) -> list[TopicSnapshot]:
    """Snapshots never computed, computed before `stale_before` or asked for since, that
    no worker holds; locked (PostgreSQL: skipping those another worker locks)."""
    stmt = (
        select(TopicSnapshot)
        .where(
            TopicSnapshot.days == days,
            or_(TopicSnapshot.claimed_until.is_(None), TopicSnapshot.claimed_until < now),
            or_(
                TopicSnapshot.computed_at.is_(None),
                TopicSnapshot.computed_at < stale_before,
                TopicSnapshot.requested_at > TopicSnapshot.computed_at,
            ),
        )
        .order_by(TopicSnapshot.computed_at.is_not(None), TopicSnapshot.computed_at)
        .limit(limit)
    )
    return list(session.scalars(for_update(session, stmt, skip_locked=True)))
