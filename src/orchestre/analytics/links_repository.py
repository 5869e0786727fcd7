"""All SQL of tracked links: look-ups by code, a click in three short statements, the counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from orchestre.kit.db import new_id
from orchestre.kit.pagination import Cursor
from orchestre.models import LinkClick, PublicationStats, TrackedLink


@dataclass(frozen=True)
class Resolved:
    """What following a short link needs: no ORM object, so nothing is loaded for nothing."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    target_url: str
    publication_id: uuid.UUID | None


@dataclass(frozen=True)
class LinkFilters:
    post_id: uuid.UUID | None = None
    variant_id: uuid.UUID | None = None
    channel_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        wanted = (
            (TrackedLink.post_id, self.post_id),
            (TrackedLink.variant_id, self.variant_id),
            (TrackedLink.channel_id, self.channel_id),
            (TrackedLink.campaign_id, self.campaign_id),
        )
        return [column == value for column, value in wanted if value is not None]


def code_taken(session: Session, code: str) -> bool:
    return bool(session.scalar(select(exists().where(TrackedLink.code == code))))


def by_code(session: Session, code: str) -> Resolved | None:
    row = session.execute(
        select(
            TrackedLink.id,
            TrackedLink.workspace_id,
            TrackedLink.target_url,
            TrackedLink.publication_id,
        ).where(TrackedLink.code == code)
    ).one_or_none()
    return Resolved(*row) if row is not None else None


def get(session: Session, workspace_id: uuid.UUID, link_id: uuid.UUID) -> TrackedLink | None:
    return session.scalar(
        select(TrackedLink).where(
            TrackedLink.workspace_id == workspace_id, TrackedLink.id == link_id
        )
    )


def for_rewrite(
    session: Session,
    workspace_id: uuid.UUID,
    variant_id: uuid.UUID,
    publication_id: uuid.UUID | None,
    source_url: str,
) -> TrackedLink | None:
    """The link an earlier rewrite of this variant (and publication) made for this address."""
    publication = (
        TrackedLink.publication_id.is_(None)
        if publication_id is None
        else TrackedLink.publication_id == publication_id
    )
    return session.scalars(
        select(TrackedLink)
        .where(
            TrackedLink.workspace_id == workspace_id,
            TrackedLink.variant_id == variant_id,
            publication,
            TrackedLink.source_url == source_url,
        )
        .order_by(TrackedLink.created_at, TrackedLink.id)
        .limit(1)
    ).first()


def add(session: Session, link: TrackedLink) -> None:
    session.add(link)
    session.flush()


def add_click(
    session: Session, link: Resolved, *, bot: bool, referrer_host: str | None, at: datetime
) -> None:
    """One click row; a person's click also adds one to the link's and the publication's
    counters, in place (no read, so concurrent clicks never lose one another)."""
    session.execute(
        insert(LinkClick).values(
            id=new_id(),
            link_id=link.id,
            workspace_id=link.workspace_id,
            clicked_at=at,
            bot=bot,
            referrer_host=referrer_host,
        )
    )
    if bot:
        return
    session.execute(
        update(TrackedLink)
        .where(TrackedLink.id == link.id)
        .values(clicks=TrackedLink.clicks + 1)
        .execution_options(synchronize_session=False)
    )
    if link.publication_id is not None:
        session.execute(
            update(PublicationStats)
            .where(PublicationStats.publication_id == link.publication_id)
            .values(link_clicks=PublicationStats.link_clicks + 1)
            .execution_options(synchronize_session=False)
        )


def human_clicks_of_publication(session: Session, publication_id: uuid.UUID) -> int:
    total = session.scalar(
        select(func.sum(TrackedLink.clicks)).where(TrackedLink.publication_id == publication_id)
    )
    return int(total or 0)


def list_links(
    session: Session,
    workspace_id: uuid.UUID,
    filters: LinkFilters,
    cursor: Cursor | None,
    limit: int,
) -> list[TrackedLink]:
    """Newest first; one row more than `limit` says that a next page exists."""
    stmt = select(TrackedLink).where(TrackedLink.workspace_id == workspace_id, *filters.clauses())
    if cursor is not None:
        when = cursor.sort_datetime()
        stmt = stmt.where(
            or_(
                TrackedLink.created_at < when,
                and_(TrackedLink.created_at == when, TrackedLink.id < cursor.id),
            )
        )
    stmt = stmt.order_by(TrackedLink.created_at.desc(), TrackedLink.id.desc())
    return list(session.scalars(stmt.limit(limit + 1)))


GROUP_COLUMNS = {
    "link": TrackedLink.id,
    "post": TrackedLink.post_id,
    "variant": TrackedLink.variant_id,
    "channel": TrackedLink.channel_id,
    "campaign": TrackedLink.campaign_id,
}


def _day_of(boundaries: list[datetime]) -> ColumnElement[int]:
    """The index of the local day a click falls in: `boundaries` are the UTC instants at
    which each day of the period starts, then the period's end (DST days are 23 or 25 h)."""
    edges = boundaries[1:]
    return case(
        *[(LinkClick.clicked_at < edge, index) for index, edge in enumerate(edges)],
        else_=len(edges) - 1,
    )


def click_counts(
    session: Session,
    workspace_id: uuid.UUID,
    group_by: str,
    boundaries: list[datetime],
    filters: LinkFilters,
) -> list[tuple[object, bool, int]]:
    """(group key, bot, clicks) for the clicks between the first and last boundary; the
    key of "day" is the index of the day in the period."""
    key = _day_of(boundaries) if group_by == "day" else GROUP_COLUMNS[group_by]
    # Grouped outside: PostgreSQL would not see the day's CASE in SELECT and in GROUP BY as
    # one expression, their bound parameters being numbered apart.
    clicks = (
        select(key.label("key"), LinkClick.bot.label("bot"))
        .select_from(LinkClick)
        .join(TrackedLink, TrackedLink.id == LinkClick.link_id)
        .where(
            LinkClick.workspace_id == workspace_id,
            LinkClick.clicked_at >= boundaries[0],
            LinkClick.clicked_at < boundaries[-1],
            *filters.clauses(),
        )
        .subquery()
    )
    stmt = select(clicks.c.key, clicks.c.bot, func.count()).group_by(clicks.c.key, clicks.c.bot)
    return [(row[0], bool(row[1]), int(row[2])) for row in session.execute(stmt)]
