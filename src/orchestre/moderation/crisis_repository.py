"""All SQL of crisis detection: watches (with their lock), the inbound messages a time
bucket holds, alerts, and the saved replies crisis mode pins. Scoped to a workspace."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.kit.db import for_update
from orchestre.kit.pagination import Cursor
from orchestre.models import Channel, Membership, Workspace
from orchestre.models.inbox import Direction, InboxMessage, SavedReply
from orchestre.models.listening import Mention
from orchestre.models.moderation import CrisisAlert, CrisisWatch

OPEN_STATUSES = ("open", "acknowledged")


def _lock(stmt: Select[Any], session: Session) -> Select[Any]:
    # SKIP LOCKED: a worker that finds a workspace being fed by another moves on instead
    # of waiting; on SQLite the second worker reads the first one's committed progress.
    return for_update(session, stmt, skip_locked=True)


def due_watches(session: Session, before: datetime, limit: int) -> list[uuid.UUID]:
    """Workspaces whose next bucket started before `before` (it is complete), oldest first."""
    stmt = (
        select(CrisisWatch.workspace_id)
        .where(CrisisWatch.next_bucket_at.is_not(None), CrisisWatch.next_bucket_at < before)
        .order_by(CrisisWatch.next_bucket_at)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def unwatched_activity(
    session: Session, since: datetime, limit: int
) -> list[tuple[uuid.UUID, datetime]]:
    """Workspaces with inbound messages since `since` and no watch yet, with the first one.

    Asked workspace by workspace (an index probe on (workspace_id, received_at) each), not
    by scanning every recent message: it runs every round, and a watched workspace, the
    usual case, costs nothing."""
    # min() keeps the column's type (aware UTC datetimes read back).
    first = (
        select(func.min(InboxMessage.received_at))
        .where(
            InboxMessage.workspace_id == Workspace.id,
            InboxMessage.direction == Direction.INBOUND.value,
            InboxMessage.received_at >= since,
        )
        .scalar_subquery()
    )
    watched = select(CrisisWatch.workspace_id)
    stmt = select(Workspace.id, first).where(Workspace.id.not_in(watched))
    found = [(workspace_id, at) for workspace_id, at in session.execute(stmt) if at is not None]
    return sorted(found, key=lambda row: row[1])[:limit]


def add_watch(session: Session, workspace_id: uuid.UUID, start: datetime) -> bool:
    """Create a workspace's watch; False when another worker created it first."""
    try:
        with session.begin_nested():
            session.add(CrisisWatch(workspace_id=workspace_id, state={}, next_bucket_at=start))
            session.flush()
    except IntegrityError:
        return False
    return True


def locked_watch(session: Session, workspace_id: uuid.UUID) -> CrisisWatch | None:
    """The watch, locked for this transaction and read afresh; None when another worker
    holds it (or it does not exist)."""
    stmt = select(CrisisWatch).where(CrisisWatch.workspace_id == workspace_id)
    stmt = _lock(stmt, session).execution_options(populate_existing=True)
    return session.scalars(stmt).one_or_none()


def watch(session: Session, workspace_id: uuid.UUID) -> CrisisWatch | None:
    return session.scalars(
        select(CrisisWatch).where(CrisisWatch.workspace_id == workspace_id)
    ).one_or_none()


@dataclass(frozen=True)
class MessageLine:
    """What the detector and the evidence need of one inbound message, or of one brand
    mention found by listening (`channel_id` None, `mention` True)."""

    id: uuid.UUID
    channel_id: uuid.UUID | None
    received_at: datetime
    text: str
    sentiment: str | None
    toxicity: str | None
    mention: bool = False


def inbound_between(
    session: Session, workspace_id: uuid.UUID, start: datetime, end: datetime
) -> list[MessageLine]:
    """Inbound messages received in [start, end), in arrival order (a few columns only)."""
    stmt = (
        select(
            InboxMessage.id,
            InboxMessage.channel_id,
            InboxMessage.received_at,
            InboxMessage.text,
            InboxMessage.sentiment,
            InboxMessage.toxicity,
        )
        .where(
            InboxMessage.workspace_id == workspace_id,
            InboxMessage.direction == Direction.INBOUND.value,
            # Spam floods are hidden by the rules, not a crisis of the brand.
            or_(InboxMessage.spam.is_(None), InboxMessage.spam.is_(False)),
            InboxMessage.received_at >= start,
            InboxMessage.received_at < end,
        )
        .order_by(InboxMessage.received_at, InboxMessage.id)
    )
    lines = [MessageLine(*row) for row in session.execute(stmt)]
    mentions = mentions_between(session, workspace_id, start, end)
    if not mentions:
        return lines
    return sorted([*lines, *mentions], key=lambda line: (line.received_at, line.id))


def mentions_between(
    session: Session, workspace_id: uuid.UUID, start: datetime, end: datetime
) -> list[MessageLine]:
    """Listening mentions that reached us in [start, end) (by when they were collected: an
    old post found late is news now), each post once however many queries found it."""
    stmt = (
        select(
            Mention.id,
            Mention.collected_at,
            Mention.text,
            Mention.sentiment,
            Mention.network,
            Mention.external_id,
        )
        .where(
            Mention.workspace_id == workspace_id,
            Mention.collected_at >= start,
            Mention.collected_at < end,
        )
        .order_by(Mention.collected_at, Mention.id)
    )
    seen: set[tuple[str, str]] = set()
    lines = []
    for id_, at, text, sentiment, network, external_id in session.execute(stmt):
        if (network, external_id) in seen:
            continue
        seen.add((network, external_id))
        lines.append(MessageLine(id_, None, at, text, sentiment, None, mention=True))
    return lines


def channels(
    session: Session, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> Sequence[Channel]:
    if not ids:
        return []
    stmt = select(Channel).where(Channel.workspace_id == workspace_id, Channel.id.in_(list(ids)))
    return session.scalars(stmt).all()


def open_alert(
    session: Session, workspace_id: uuid.UUID, kind: str, key: str | None
) -> CrisisAlert | None:
    """The latest alert still open (or acknowledged) of this kind, for this key or any."""
    stmt = select(CrisisAlert).where(
        CrisisAlert.workspace_id == workspace_id,
        CrisisAlert.kind == kind,
        CrisisAlert.status.in_(OPEN_STATUSES),
    )
    if key is not None:
        stmt = stmt.where(CrisisAlert.key == key)
    stmt = stmt.order_by(CrisisAlert.started_at.desc(), CrisisAlert.id.desc()).limit(1)
    return session.scalars(stmt).first()


def alert(session: Session, workspace_id: uuid.UUID, alert_id: uuid.UUID) -> CrisisAlert | None:
    found = session.get(CrisisAlert, alert_id)
    return found if found is not None and found.workspace_id == workspace_id else None


def alerts(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    statuses: Sequence[str] | None,
    after: Cursor | None,
    limit: int,
) -> list[CrisisAlert]:
    """Alerts, the most recently started first."""
    stmt = select(CrisisAlert).where(CrisisAlert.workspace_id == workspace_id)
    if statuses:
        stmt = stmt.where(CrisisAlert.status.in_(list(statuses)))
    if after is not None:
        started, last_id = after.position()
        stmt = stmt.where(
            (CrisisAlert.started_at < started)
            | ((CrisisAlert.started_at == started) & (CrisisAlert.id < last_id))
        )
    stmt = stmt.order_by(CrisisAlert.started_at.desc(), CrisisAlert.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def add(session: Session, row: CrisisAlert) -> None:
    session.add(row)
    session.flush()


def member_ids(session: Session, workspace_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(Membership.user_id).where(Membership.workspace_id == workspace_id)
    return sorted(session.scalars(stmt), key=str)


def saved_replies(session: Session, workspace_id: uuid.UUID) -> Sequence[SavedReply]:
    """The workspace's saved replies, holding statements first."""
    stmt = (
        select(SavedReply)
        .where(SavedReply.workspace_id == workspace_id)
        .order_by(SavedReply.holding_statement.desc(), SavedReply.name, SavedReply.language)
    )
    return session.scalars(stmt).all()


def saved_replies_by_id(
    session: Session, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> Sequence[SavedReply]:
    if not ids:
        return []
    stmt = select(SavedReply).where(
        SavedReply.workspace_id == workspace_id, SavedReply.id.in_(list(ids))
    )
    return session.scalars(stmt).all()
