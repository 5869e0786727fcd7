"""The SQL of the listening stream: the queries that follow it, its cursor and its lease, and
its mentions' authors named by handle."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.models.listening import ListeningQuery, Mention
from orchestre.models.listening_stream import ListeningStream


def following_queries(session: Session, network: str) -> list[ListeningQuery]:
    """Active queries, of every workspace, that name the stream's network in `networks`
    (the opt-in: a query open to every network is not fed the firehose)."""
    rows = session.scalars(
        select(ListeningQuery).where(ListeningQuery.active.is_(True)).order_by(ListeningQuery.id)
    )
    return [q for q in rows if network in (q.networks or ())]


def queries_by_id(session: Session, ids: Sequence[uuid.UUID]) -> list[ListeningQuery]:
    if not ids:
        return []
    return list(
        session.scalars(
            select(ListeningQuery).where(
                ListeningQuery.id.in_(list(ids)), ListeningQuery.active.is_(True)
            )
        )
    )


def _ensure(session: Session, name: str, now: datetime) -> None:
    if session.get(ListeningStream, name) is not None:
        return
    try:
        with session.begin_nested():
            session.add(ListeningStream(name=name, updated_at=now))
            session.flush()
    except IntegrityError:  # another process created it just now
        pass


def acquire(
    session: Session, name: str, holder: str, now: datetime, until: datetime
) -> tuple[bool, int | None]:
    """Take (or renew) the stream's lease when it is free, expired or already ours:
    whether it is ours now, and the cursor to resume from (None: never read)."""
    _ensure(session, name, now)
    result = session.execute(
        update(ListeningStream)
        .where(
            ListeningStream.name == name,
            or_(
                ListeningStream.holder.is_(None),
                ListeningStream.holder == holder,
                ListeningStream.lease_until.is_(None),
                ListeningStream.lease_until < now,
            ),
        )
        .values(holder=holder, lease_until=until, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False, None
    cursor = select(ListeningStream.cursor_us).where(ListeningStream.name == name)
    return True, session.scalar(cursor)


def advance(
    session: Session,
    name: str,
    holder: str,
    cursor_us: int | None,
    now: datetime,
    until: datetime,
) -> bool:
    """Keep the cursor and extend the lease, only while this process holds it."""
    values: dict[str, object] = {"lease_until": until, "updated_at": now}
    if cursor_us is not None:
        values["cursor_us"] = cursor_us
    result = session.execute(
        update(ListeningStream)
        .where(ListeningStream.name == name, ListeningStream.holder == holder)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def release(session: Session, name: str, holder: str) -> None:
    session.execute(
        update(ListeningStream)
        .where(ListeningStream.name == name, ListeningStream.holder == holder)
        .values(holder=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def unnamed_authors(
    session: Session, network: str, query_ids: Sequence[uuid.UUID], since: datetime, limit: int
) -> list[tuple[uuid.UUID, str]]:
    """(workspace, DID) of the stream's mentions since `since` whose author is still a DID
    (the stream names none by handle), for the queries that follow the stream."""
    if not query_ids:
        return []
    stmt = (
        select(Mention.workspace_id, Mention.author_handle)
        .where(
            Mention.query_id.in_(list(query_ids)),
            Mention.network == network,
            Mention.author_handle.startswith("did:", autoescape=True),
            Mention.published_at >= since,
        )
        .distinct()
        .order_by(Mention.workspace_id, Mention.author_handle)
        .limit(limit)
    )
    return [(workspace_id, did) for workspace_id, did in session.execute(stmt)]


def name_authors(
    session: Session, workspace_id: uuid.UUID, network: str, handles: Mapping[str, str]
) -> int:
    """The workspace's mentions by each DID of `handles` now show its handle; how many."""
    named = 0
    for did, handle in handles.items():
        result = session.execute(
            update(Mention)
            .where(
                Mention.workspace_id == workspace_id,
                Mention.network == network,
                Mention.author_handle == did,
            )
            .values(author_handle=handle[:200])
            .execution_options(synchronize_session=False)
        )
        named += getattr(result, "rowcount", 0) or 0
    return named
