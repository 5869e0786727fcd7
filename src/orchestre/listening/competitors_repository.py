"""All SQL of competitor benchmarks, scoped to a workspace (a foreign id finds nothing)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from orchestre.models import Channel, ChannelStatus
from orchestre.models.competitors import (
    Competitor,
    CompetitorAccount,
    CompetitorPost,
    CompetitorSnapshot,
)


def competitors(session: Session, workspace_id: uuid.UUID) -> list[Competitor]:
    stmt = select(Competitor).where(Competitor.workspace_id == workspace_id)
    return list(session.scalars(stmt.order_by(func.lower(Competitor.name), Competitor.id)))


def competitor(
    session: Session, workspace_id: uuid.UUID, competitor_id: uuid.UUID
) -> Competitor | None:
    return session.scalar(
        select(Competitor).where(
            Competitor.workspace_id == workspace_id, Competitor.id == competitor_id
        )
    )


def name_taken(session: Session, workspace_id: uuid.UUID, name: str) -> bool:
    stmt = select(Competitor.id).where(
        Competitor.workspace_id == workspace_id, func.lower(Competitor.name) == name.lower()
    )
    return session.scalar(stmt) is not None


def accounts(
    session: Session, workspace_id: uuid.UUID, network: str | None = None
) -> list[CompetitorAccount]:
    stmt = select(CompetitorAccount).where(CompetitorAccount.workspace_id == workspace_id)
    if network is not None:
        stmt = stmt.where(CompetitorAccount.network == network)
    return list(session.scalars(stmt.order_by(CompetitorAccount.network, CompetitorAccount.handle)))


def account(
    session: Session, workspace_id: uuid.UUID, account_id: uuid.UUID
) -> CompetitorAccount | None:
    return session.scalar(
        select(CompetitorAccount).where(
            CompetitorAccount.workspace_id == workspace_id, CompetitorAccount.id == account_id
        )
    )


def followed(
    session: Session, workspace_id: uuid.UUID, network: str, external_id: str
) -> CompetitorAccount | None:
    return session.scalar(
        select(CompetitorAccount).where(
            CompetitorAccount.workspace_id == workspace_id,
            CompetitorAccount.network == network,
            CompetitorAccount.external_id == external_id,
        )
    )


def reading_channel(session: Session, workspace_id: uuid.UUID, network: str) -> Channel | None:
    """The workspace's connected channel of this network whose credentials read (the oldest)."""
    return session.scalar(
        select(Channel)
        .where(
            Channel.workspace_id == workspace_id,
            Channel.network == network,
            Channel.status == ChannelStatus.CONNECTED.value,
        )
        .order_by(Channel.created_at, Channel.id)
        .limit(1)
    )


def connected_networks(session: Session, workspace_id: uuid.UUID) -> list[str]:
    stmt = select(Channel.network).where(
        Channel.workspace_id == workspace_id, Channel.status == ChannelStatus.CONNECTED.value
    )
    return sorted(set(session.scalars(stmt.distinct())))


def due_accounts(
    session: Session, now: datetime, limit: int, workspace_id: uuid.UUID | None
) -> Select[CompetitorAccount]:
    """Accounts due now (every account of `workspace_id`: "collect now"), oldest first."""
    stmt = select(CompetitorAccount)
    if workspace_id is None:
        stmt = stmt.where(CompetitorAccount.next_collect_at <= now)
    else:
        stmt = stmt.where(CompetitorAccount.workspace_id == workspace_id)
    return stmt.order_by(CompetitorAccount.next_collect_at, CompetitorAccount.id).limit(limit)


def snapshot_of(session: Session, account_id: uuid.UUID, day: date) -> CompetitorSnapshot | None:
    return session.scalar(
        select(CompetitorSnapshot).where(
            CompetitorSnapshot.account_id == account_id, CompetitorSnapshot.day == day
        )
    )


def posts_by_id(
    session: Session, account_id: uuid.UUID, external_ids: Sequence[str]
) -> dict[str, CompetitorPost]:
    if not external_ids:
        return {}
    stmt = select(CompetitorPost).where(
        CompetitorPost.account_id == account_id,
        CompetitorPost.external_id.in_(list(external_ids)),
    )
    return {p.external_id: p for p in session.scalars(stmt)}


def snapshots(
    session: Session, workspace_id: uuid.UUID, first: date, last: date
) -> list[CompetitorSnapshot]:
    """Every snapshot of the workspace's accounts from `first` to `last` (days of the
    workspace's calendar)."""
    stmt = select(CompetitorSnapshot).where(
        CompetitorSnapshot.workspace_id == workspace_id,
        CompetitorSnapshot.day >= first,
        CompetitorSnapshot.day <= last,
    )
    return list(session.scalars(stmt.order_by(CompetitorSnapshot.day)))


def posts(
    session: Session, workspace_id: uuid.UUID, start: datetime, end: datetime
) -> list[CompetitorPost]:
    """The workspace's competitors' posts published in [start, end), newest first."""
    stmt = select(CompetitorPost).where(
        CompetitorPost.workspace_id == workspace_id,
        CompetitorPost.published_at >= start,
        CompetitorPost.published_at < end,
    )
    return list(session.scalars(stmt.order_by(CompetitorPost.published_at.desc())))
