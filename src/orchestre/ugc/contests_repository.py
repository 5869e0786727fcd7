"""All SQL of contests, scoped to a workspace: contests, entries, votes, what collection reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestre.models import Channel, InboxAuthor, InboxMessage, Membership
from orchestre.models.listening import Mention
from orchestre.models.ugc_contests import Contest, ContestEntry, ContestVote


@dataclass(frozen=True)
class Tally:
    """The team's votes on one entry."""

    votes: int
    total: int
    mine: int | None  # the asking member's score

    @property
    def average(self) -> float | None:
        return self.total / self.votes if self.votes else None


def contests(session: Session, workspace_id: uuid.UUID) -> list[Contest]:
    return list(
        session.scalars(
            select(Contest)
            .where(Contest.workspace_id == workspace_id)
            .order_by(Contest.opens_at.desc(), Contest.id)
        )
    )


def contest(session: Session, workspace_id: uuid.UUID, contest_id: uuid.UUID) -> Contest | None:
    return session.scalar(
        select(Contest).where(Contest.workspace_id == workspace_id, Contest.id == contest_id)
    )


def contest_by_slug(session: Session, slug: str) -> Contest | None:
    """The public page's look-up: by its unguessable slug, whatever the workspace."""
    return session.scalar(select(Contest).where(Contest.slug == slug))


def slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(Contest.id).where(Contest.slug == slug)) is not None


def entries(
    session: Session,
    workspace_id: uuid.UUID,
    contest_id: uuid.UUID,
    review_status: str | None = None,
    shortlisted: bool | None = None,
) -> list[ContestEntry]:
    stmt = select(ContestEntry).where(
        ContestEntry.workspace_id == workspace_id, ContestEntry.contest_id == contest_id
    )
    if review_status:
        stmt = stmt.where(ContestEntry.review_status == review_status)
    if shortlisted is not None:
        stmt = stmt.where(ContestEntry.shortlisted.is_(shortlisted))
    return list(
        session.scalars(stmt.order_by(ContestEntry.submitted_at.desc(), ContestEntry.id.desc()))
    )


def entry(
    session: Session, workspace_id: uuid.UUID, contest_id: uuid.UUID, entry_id: uuid.UUID
) -> ContestEntry | None:
    return session.scalar(
        select(ContestEntry).where(
            ContestEntry.workspace_id == workspace_id,
            ContestEntry.contest_id == contest_id,
            ContestEntry.id == entry_id,
        )
    )


def known_sources(session: Session, contest_id: uuid.UUID) -> set[tuple[str, str]]:
    """(network, external id) of the contest's entries: a post already entered is skipped."""
    rows = session.execute(
        select(ContestEntry.network, ContestEntry.external_id).where(
            ContestEntry.contest_id == contest_id
        )
    ).all()
    return {(network, external_id) for network, external_id in rows}


def count_entries(session: Session, contest_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not contest_ids:
        return {}
    rows = session.execute(
        select(ContestEntry.contest_id, func.count(ContestEntry.id))
        .where(ContestEntry.contest_id.in_(list(contest_ids)))
        .group_by(ContestEntry.contest_id)
    ).all()
    return {contest_id: int(n) for contest_id, n in rows}


def vote(session: Session, entry_id: uuid.UUID, user_id: uuid.UUID) -> ContestVote | None:
    return session.scalar(
        select(ContestVote).where(ContestVote.entry_id == entry_id, ContestVote.user_id == user_id)
    )


def tallies(
    session: Session, workspace_id: uuid.UUID, contest_id: uuid.UUID, user_id: uuid.UUID
) -> dict[uuid.UUID, Tally]:
    rows = session.execute(
        select(ContestVote.entry_id, ContestVote.user_id, ContestVote.score).where(
            ContestVote.workspace_id == workspace_id, ContestVote.contest_id == contest_id
        )
    ).all()
    counts: dict[uuid.UUID, list[int]] = {}
    mine: dict[uuid.UUID, int] = {}
    for entry_id, voter, score in rows:
        counts.setdefault(entry_id, []).append(score)
        if voter == user_id:
            mine[entry_id] = score
    return {
        entry_id: Tally(len(scores), sum(scores), mine.get(entry_id))
        for entry_id, scores in counts.items()
    }


def mentions_in_window(
    session: Session,
    workspace_id: uuid.UUID,
    start: datetime,
    end: datetime,
    networks: Sequence[str],
    limit: int,
) -> list[Mention]:
    """The workspace's listening mentions published in [start, end), oldest first."""
    stmt = select(Mention).where(
        Mention.workspace_id == workspace_id,
        Mention.published_at >= start,
        Mention.published_at < end,
    )
    if networks:
        stmt = stmt.where(Mention.network.in_(list(networks)))
    return list(session.scalars(stmt.order_by(Mention.published_at, Mention.id).limit(limit)))


def inbox_messages_in_window(
    session: Session,
    workspace_id: uuid.UUID,
    start: datetime,
    end: datetime,
    networks: Sequence[str],
    limit: int,
) -> list[tuple[InboxMessage, str, InboxAuthor | None]]:
    """Inbound inbox messages written in [start, end), with their network and author."""
    stmt = (
        select(InboxMessage, Channel.network, InboxAuthor)
        .join(Channel, Channel.id == InboxMessage.channel_id)
        .outerjoin(InboxAuthor, InboxAuthor.id == InboxMessage.author_id)
        .where(
            InboxMessage.workspace_id == workspace_id,
            InboxMessage.direction == "inbound",
            InboxMessage.deleted.is_(False),
            InboxMessage.created_at >= start,
            InboxMessage.created_at < end,
        )
    )
    if networks:
        stmt = stmt.where(Channel.network.in_(list(networks)))
    rows = session.execute(
        stmt.order_by(InboxMessage.created_at, InboxMessage.id).limit(limit)
    ).all()
    return [(message, network, author) for message, network, author in rows]


def member_roles(
    session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID | None
) -> list[str] | None:
    """The roles of a workspace member, None when the person is not (or no longer) one."""
    if user_id is None:
        return None
    roles = session.scalar(
        select(Membership.roles).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    )
    return list(roles) if roles is not None else None


def owners(session: Session, workspace_id: uuid.UUID) -> list[uuid.UUID]:
    """The workspace's members holding the owner role, oldest membership first."""
    rows = session.execute(
        select(Membership.user_id, Membership.roles)
        .where(Membership.workspace_id == workspace_id)
        .order_by(Membership.created_at, Membership.id)
    ).all()
    return [user_id for user_id, roles in rows if "owner" in (roles or [])]
