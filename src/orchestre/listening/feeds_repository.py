"""All SQL of listening's feeds, scoped to a workspace: the feeds, the due ones, their entries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from orchestre.models.listening import ListeningQuery
from orchestre.models.listening_feeds import FeedEntry, ListeningFeed


def feeds(session: Session, workspace_id: uuid.UUID) -> list[ListeningFeed]:
    return list(
        session.scalars(
            select(ListeningFeed)
            .where(ListeningFeed.workspace_id == workspace_id)
            .order_by(ListeningFeed.name, ListeningFeed.url, ListeningFeed.id)
        )
    )


def feed(session: Session, workspace_id: uuid.UUID, feed_id: uuid.UUID) -> ListeningFeed | None:
    return session.scalar(
        select(ListeningFeed).where(
            ListeningFeed.workspace_id == workspace_id, ListeningFeed.id == feed_id
        )
    )


def url_taken(session: Session, workspace_id: uuid.UUID, url: str) -> bool:
    stmt = select(ListeningFeed.id).where(
        ListeningFeed.workspace_id == workspace_id, ListeningFeed.url == url
    )
    return session.scalar(stmt) is not None


def due_feeds(
    now: datetime,
    limit: int,
    *,
    workspace_id: uuid.UUID | None = None,
    feed_id: uuid.UUID | None = None,
    all_of_them: bool = False,
) -> Select[ListeningFeed]:
    """Active feeds due now (every active one of the scope when `all_of_them`: "collect
    now"), the longest waiting first."""
    stmt = select(ListeningFeed).where(ListeningFeed.active.is_(True))
    if workspace_id is not None:
        stmt = stmt.where(ListeningFeed.workspace_id == workspace_id)
    if feed_id is not None:
        stmt = stmt.where(ListeningFeed.id == feed_id)
    if not all_of_them:
        stmt = stmt.where(ListeningFeed.next_read_at <= now)
    return stmt.order_by(ListeningFeed.next_read_at, ListeningFeed.id).limit(limit)


def seen_keys(session: Session, feed_id: uuid.UUID, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(
        session.scalars(
            select(FeedEntry.key).where(FeedEntry.feed_id == feed_id, FeedEntry.key.in_(keys))
        )
    )


def listening_queries(session: Session, workspace_id: uuid.UUID) -> list[ListeningQuery]:
    """The workspace's active queries, which every feed entry is matched against."""
    return list(
        session.scalars(
            select(ListeningQuery)
            .where(ListeningQuery.workspace_id == workspace_id, ListeningQuery.active.is_(True))
            .order_by(ListeningQuery.id)
        )
    )
