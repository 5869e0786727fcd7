"""All SQL of listening, scoped to a workspace: queries, mentions, cursors, daily figures."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from orchestre.kit.pagination import Cursor
from orchestre.models import Channel, ChannelStatus
from orchestre.models.listening import ListeningCursor, ListeningQuery, Mention


@dataclass(frozen=True)
class MentionFilters:
    query_id: uuid.UUID | None = None
    network: str | None = None
    sentiment: str | None = None
    language: str | None = None
    start: datetime | None = None  # published at or after
    end: datetime | None = None  # published before


def queries(session: Session, workspace_id: uuid.UUID) -> list[ListeningQuery]:
    return list(
        session.scalars(
            select(ListeningQuery)
            .where(ListeningQuery.workspace_id == workspace_id)
            .order_by(ListeningQuery.name, ListeningQuery.id)
        )
    )


def query(session: Session, workspace_id: uuid.UUID, query_id: uuid.UUID) -> ListeningQuery | None:
    return session.scalar(
        select(ListeningQuery).where(
            ListeningQuery.workspace_id == workspace_id, ListeningQuery.id == query_id
        )
    )


def name_taken(
    session: Session, workspace_id: uuid.UUID, name: str, but: uuid.UUID | None = None
) -> bool:
    stmt = select(ListeningQuery.id).where(
        ListeningQuery.workspace_id == workspace_id, ListeningQuery.name == name
    )
    if but is not None:
        stmt = stmt.where(ListeningQuery.id != but)
    return session.scalar(stmt) is not None


def active_queries(
    session: Session, workspace_id: uuid.UUID | None, query_id: uuid.UUID | None
) -> list[ListeningQuery]:
    stmt = select(ListeningQuery).where(ListeningQuery.active.is_(True))
    if workspace_id is not None:
        stmt = stmt.where(ListeningQuery.workspace_id == workspace_id)
    if query_id is not None:
        stmt = stmt.where(ListeningQuery.id == query_id)
    return list(session.scalars(stmt.order_by(ListeningQuery.id)))


def connected_channels(session: Session, workspace_ids: Sequence[uuid.UUID]) -> list[Channel]:
    return list(
        session.scalars(
            select(Channel)
            .where(
                Channel.workspace_id.in_(list(workspace_ids)),
                Channel.status == ChannelStatus.CONNECTED.value,
            )
            .order_by(Channel.id)
        )
    )


def cursors_of(session: Session, query_ids: Sequence[uuid.UUID]) -> list[ListeningCursor]:
    return list(
        session.scalars(select(ListeningCursor).where(ListeningCursor.query_id.in_(query_ids)))
    )


def due_cursors(
    session: Session, now: datetime, limit: int, query_ids: Sequence[uuid.UUID] | None
) -> Select[ListeningCursor]:
    """Cursors due now (or all of `query_ids`: "collect now"), oldest first."""
    stmt = select(ListeningCursor)
    if query_ids is None:
        stmt = stmt.where(ListeningCursor.next_collect_at <= now)
    else:
        stmt = stmt.where(ListeningCursor.query_id.in_(list(query_ids)))
    return stmt.order_by(ListeningCursor.next_collect_at, ListeningCursor.id).limit(limit)


def known_ids(
    session: Session, query_id: uuid.UUID, network: str, external_ids: Sequence[str]
) -> set[str]:
    if not external_ids:
        return set()
    return set(
        session.scalars(
            select(Mention.external_id).where(
                Mention.query_id == query_id,
                Mention.network == network,
                Mention.external_id.in_(list(external_ids)),
            )
        )
    )


def _filtered(stmt: Select[Mention], workspace_id: uuid.UUID, f: MentionFilters) -> Select[Mention]:
    stmt = stmt.where(Mention.workspace_id == workspace_id)
    if f.query_id is not None:
        stmt = stmt.where(Mention.query_id == f.query_id)
    if f.network:
        stmt = stmt.where(Mention.network == f.network)
    if f.sentiment:
        stmt = stmt.where(Mention.sentiment == f.sentiment)
    if f.language:
        stmt = stmt.where(Mention.language == f.language)
    if f.start is not None:
        stmt = stmt.where(Mention.published_at >= f.start)
    if f.end is not None:
        stmt = stmt.where(Mention.published_at < f.end)
    return stmt


def mentions(
    session: Session,
    workspace_id: uuid.UUID,
    filters: MentionFilters,
    after: Cursor | None,
    limit: int,
) -> list[Mention]:
    """Newest first, keyset-paginated on (published_at, id); `limit + 1` rows."""
    stmt = _filtered(select(Mention), workspace_id, filters)
    if after is not None:
        at, last = after.position()
        stmt = stmt.where(
            or_(Mention.published_at < at, and_(Mention.published_at == at, Mention.id < last))
        )
    stmt = stmt.order_by(Mention.published_at.desc(), Mention.id.desc()).limit(limit + 1)
    return list(session.scalars(stmt))


def mention_rows(
    session: Session, workspace_id: uuid.UUID, filters: MentionFilters, limit: int
) -> list[tuple[datetime, str | None, str, list[str]]]:
    """(published_at, sentiment, text, hashtags) of the period's mentions, for the figures."""
    stmt = _filtered(select(Mention), workspace_id, filters)
    rows = session.execute(
        stmt.with_only_columns(
            Mention.published_at, Mention.sentiment, Mention.text, Mention.hashtags
        )
        .order_by(Mention.published_at)
        .limit(limit)
    ).all()
    return [(at, sentiment, text, list(tags or [])) for at, sentiment, text, tags in rows]


def count_mentions(session: Session, workspace_id: uuid.UUID, filters: MentionFilters) -> int:
    stmt = _filtered(select(Mention), workspace_id, filters)
    return int(session.scalar(stmt.with_only_columns(func.count(Mention.id))) or 0)
