"""Workers claim due publications with a lease: FOR UPDATE SKIP LOCKED on PostgreSQL, the
write lock of BEGIN IMMEDIATE on SQLite (one writer at a time, so nobody else sees the row).

A claim is a fencing token: only the holder of a live claim may move a publication to
`sending`, and a claim whose lease lapsed may be taken over. A lapsed `sending` row keeps
`uncertain` set, so the next holder looks on the network before sending again.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session

from orchestre.kit.db import SelectT, for_update
from orchestre.models import VariantMedia
from orchestre.models.publication import Publication, PublicationState, PublishingPause
from orchestre.publishing.policy import EnginePolicy, is_missed

P = PublicationState
MISSED_REASON = (
    "Not published: it was due at {due} (UTC) but no worker was running until {now}. "
    "Publish it now, reschedule it or leave it."
)


@dataclass(frozen=True)
class Claim:
    publication_id: uuid.UUID
    token: str


def _not_paused() -> object:
    return ~exists().where(
        PublishingPause.workspace_id == Publication.workspace_id,
        or_(
            PublishingPause.channel_id.is_(None),
            PublishingPause.channel_id == Publication.channel_id,
        ),
    )


def _lock(stmt: SelectT, session: Session) -> SelectT:
    # SKIP LOCKED lets workers share the due rows without waiting on each other.
    return for_update(session, stmt, skip_locked=True, of=Publication)


# What a claim reads of each row: no ORM object is built for the hundred rows of a tick.
_CLAIM_COLUMNS = (
    Publication.id,
    Publication.state,
    Publication.due_at,
    Publication.attempts,
    Publication.uncertain,
)
_TABLE = Publication.__table__
assert isinstance(_TABLE, Table)
_CLAIM = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("pid"))
    .values(
        state=P.CLAIMED.value,
        claim_token=bindparam("token"),
        claimed_by=bindparam("worker"),
        lease_expires_at=bindparam("lease"),
        uncertain=bindparam("was_sending"),
    )
)
_MISSED = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("pid"))
    .values(
        state=P.NEEDS_ATTENTION.value,
        last_error_kind="missed",
        last_error=bindparam("reason"),
    )
)


def claim_due(
    session: Session,
    *,
    now: datetime,
    worker: str,
    policy: EnginePolicy,
    limit: int | None = None,
    variants: Collection[uuid.UUID] | None = None,
) -> list[Claim]:
    """Claim the publications due now (and those whose claim lapsed), oldest first; only
    those of `variants` when given (a person's "publish now", the demo).

    Publications first tried too late are held for a person (needs attention) instead.
    The caller commits; the claims hold from then on. The rows are read and written with
    two statements of plain SQL (one UPDATE for all the claims); publications this
    session already holds are expired, so they are read afresh when next used.
    """
    limit = limit or policy.claim_batch
    due = (
        select(*_CLAIM_COLUMNS)
        .where(
            Publication.state == P.SCHEDULED.value,
            Publication.due_at <= now,
            or_(Publication.not_before.is_(None), Publication.not_before <= now),
            _not_paused(),  # type: ignore[arg-type]
        )
        .order_by(Publication.due_at)
        .limit(limit)
    )
    lapsed = (
        select(*_CLAIM_COLUMNS)
        .where(
            Publication.state.in_([P.CLAIMED.value, P.SENDING.value]),
            Publication.lease_expires_at < now,
            _not_paused(),  # type: ignore[arg-type]
        )
        .order_by(Publication.due_at)
        .limit(limit)
    )
    if variants is not None:
        due = due.where(Publication.variant_id.in_(list(variants)))
        lapsed = lapsed.where(Publication.variant_id.in_(list(variants)))
    rows = list(session.execute(_lock(lapsed, session)))
    if len(rows) < limit:
        rows += list(session.execute(_lock(due, session)))[: limit - len(rows)]
    claims = []
    claimed: list[dict[str, Any]] = []
    missed: list[dict[str, Any]] = []
    lease = now + policy.claim_lease
    for row in rows:
        if row.state == P.SCHEDULED.value and is_missed(
            row.due_at, now, row.attempts, policy.max_lateness
        ):
            reason = MISSED_REASON.format(
                due=row.due_at.strftime("%Y-%m-%d %H:%M"), now=now.strftime("%Y-%m-%d %H:%M")
            )
            missed.append({"pid": row.id, "reason": reason})
            continue
        token = secrets.token_hex(16)
        # A lapsed `sending` row: its worker died with the request maybe sent.
        was_sending = row.uncertain or row.state == P.SENDING.value
        claimed.append(
            {"pid": row.id, "token": token, "worker": worker[:120], "lease": lease,
             "was_sending": was_sending}
        )  # fmt: skip
        claims.append(Claim(row.id, token))
    connection = session.connection()
    if claimed:
        connection.execute(_CLAIM, claimed)
    if missed:
        connection.execute(_MISSED, missed)
    _expire_held(session, [row.id for row in rows])
    return claims


def _expire_held(session: Session, publication_ids: list[uuid.UUID]) -> None:
    """Publications of `publication_ids` that this session holds are read again on use."""
    for publication_id in publication_ids:
        held = session.identity_map.get(session.identity_key(Publication, publication_id))
        if held is not None:
            session.expire(held)


def with_media(session: Session, publication_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `publication_ids` whose variant has media (their sends go alone)."""
    if not publication_ids:
        return set()
    stmt = select(Publication.id).where(
        Publication.id.in_(list(publication_ids)),
        exists().where(VariantMedia.variant_id == Publication.variant_id),
    )
    return set(session.scalars(stmt))


def next_due(session: Session, now: datetime) -> datetime | None:
    """When the next publication (or lapsed claim) falls due, for the ticker's sleep."""
    soonest = session.scalar(
        select(func.min(func.coalesce(Publication.not_before, Publication.due_at))).where(
            Publication.state == P.SCHEDULED.value
        )
    )
    lease = session.scalar(
        select(func.min(Publication.lease_expires_at)).where(
            Publication.state.in_([P.CLAIMED.value, P.SENDING.value])
        )
    )
    candidates = [t for t in (soonest, lease) if t is not None]
    if not candidates:
        return None
    first: datetime = min(candidates)
    return first


def waiting_claims(session: Session, now: datetime) -> int:
    """Claims not yet taken by a worker and still live, every worker's together."""
    count = session.scalar(
        select(func.count())
        .select_from(Publication)
        .where(Publication.state == P.CLAIMED.value, Publication.lease_expires_at >= now)
    )
    return int(count or 0)


def still_held(publication: Publication, token: str, now: datetime) -> bool:
    """The claim `token` is this publication's live claim."""
    return (
        publication.claim_token == token
        and publication.lease_expires_at is not None
        and publication.lease_expires_at > now
        and publication.state in (P.CLAIMED.value, P.SENDING.value)
    )
