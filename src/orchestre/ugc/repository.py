"""All SQL of the UGC board and its rights requests, scoped to a workspace."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from orchestre.models import Channel, ChannelStatus, InboxAuthor, InboxMessage, MediaAsset
from orchestre.models.listening import ListeningQuery, Mention
from orchestre.models.ugc import (
    RightsRequest,
    RightsState,
    RightsTemplate,
    UgcItem,
    UgcPostLink,
    UgcStatus,
)


@dataclass(frozen=True)
class ItemFilters:
    status: str | None = None
    network: str | None = None
    tag: str | None = None
    q: str | None = None  # words of the text or the creator's handle


# --- items ---------------------------------------------------------------------------------------


def item(session: Session, workspace_id: uuid.UUID, item_id: uuid.UUID) -> UgcItem | None:
    return session.scalar(
        select(UgcItem).where(UgcItem.workspace_id == workspace_id, UgcItem.id == item_id)
    )


def item_of_source(
    session: Session, workspace_id: uuid.UUID, kind: str, source_id: uuid.UUID
) -> UgcItem | None:
    return session.scalar(
        select(UgcItem).where(
            UgcItem.workspace_id == workspace_id,
            UgcItem.source_kind == kind,
            UgcItem.source_id == source_id,
        )
    )


def sources_on_board(
    session: Session, workspace_id: uuid.UUID, kind: str, source_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    if not source_ids:
        return set()
    return set(
        session.scalars(
            select(UgcItem.source_id).where(
                UgcItem.workspace_id == workspace_id,
                UgcItem.source_kind == kind,
                UgcItem.source_id.in_(list(source_ids)),
            )
        )
    )


def items(
    session: Session, workspace_id: uuid.UUID, filters: ItemFilters, limit: int
) -> list[UgcItem]:
    """Newest collected first."""
    stmt = select(UgcItem).where(UgcItem.workspace_id == workspace_id)
    if filters.status:
        stmt = stmt.where(UgcItem.status == filters.status)
    if filters.network:
        stmt = stmt.where(UgcItem.network == filters.network)
    rows = list(
        session.scalars(stmt.order_by(UgcItem.collected_at.desc(), UgcItem.id.desc()).limit(limit))
    )
    # Tags and words are matched here: JSON lists and folded text differ by dialect.
    if filters.tag:
        rows = [r for r in rows if filters.tag in (r.tags or [])]
    if filters.q:
        needle = filters.q.casefold().strip()
        rows = [
            r for r in rows if needle in r.text.casefold() or needle in r.author_handle.casefold()
        ]
    return rows


def status_counts(session: Session, workspace_id: uuid.UUID) -> dict[str, int]:
    rows = session.execute(
        select(UgcItem.status, func.count(UgcItem.id))
        .where(UgcItem.workspace_id == workspace_id)
        .group_by(UgcItem.status)
    ).all()
    return {status: int(count) for status, count in rows}


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def delete(session: Session, row: object) -> None:
    session.delete(row)
    session.flush()


# --- sources -------------------------------------------------------------------------------------


def message(
    session: Session, workspace_id: uuid.UUID, message_id: uuid.UUID
) -> InboxMessage | None:
    return session.scalar(
        select(InboxMessage).where(
            InboxMessage.workspace_id == workspace_id, InboxMessage.id == message_id
        )
    )


def author(session: Session, workspace_id: uuid.UUID, author_id: uuid.UUID) -> InboxAuthor | None:
    return session.scalar(
        select(InboxAuthor).where(
            InboxAuthor.workspace_id == workspace_id, InboxAuthor.id == author_id
        )
    )


def authors_by_ids(session: Session, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, InboxAuthor]:
    if not ids:
        return {}
    rows = session.scalars(select(InboxAuthor).where(InboxAuthor.id.in_(list(ids))))
    return {a.id: a for a in rows}


def mention(session: Session, workspace_id: uuid.UUID, mention_id: uuid.UUID) -> Mention | None:
    return session.scalar(
        select(Mention).where(Mention.workspace_id == workspace_id, Mention.id == mention_id)
    )


def brand_mentions(
    session: Session, workspace_id: uuid.UUID, since: datetime, limit: int
) -> list[Mention]:
    """Recent mentions found by the queries that follow the brand, newest first."""
    stmt = (
        select(Mention)
        .join(ListeningQuery, ListeningQuery.id == Mention.query_id)
        .where(
            Mention.workspace_id == workspace_id,
            ListeningQuery.about == "brand",
            Mention.published_at >= since,
        )
        .order_by(Mention.published_at.desc(), Mention.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def channel(session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID) -> Channel | None:
    return session.scalar(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.id == channel_id)
    )


def connected_channels(session: Session, workspace_id: uuid.UUID, network: str) -> list[Channel]:
    return list(
        session.scalars(
            select(Channel)
            .where(
                Channel.workspace_id == workspace_id,
                Channel.network == network,
                Channel.status == ChannelStatus.CONNECTED.value,
            )
            .order_by(Channel.created_at, Channel.id)
        )
    )


def inbox_message_by_external(
    session: Session, channel_id: uuid.UUID, external_id: str
) -> InboxMessage | None:
    return session.scalar(
        select(InboxMessage).where(
            InboxMessage.channel_id == channel_id, InboxMessage.external_id == external_id
        )
    )


# --- rights --------------------------------------------------------------------------------------


def templates(session: Session, workspace_id: uuid.UUID) -> list[RightsTemplate]:
    return list(
        session.scalars(
            select(RightsTemplate)
            .where(RightsTemplate.workspace_id == workspace_id)
            .order_by(RightsTemplate.language, RightsTemplate.name, RightsTemplate.id)
        )
    )


def template(
    session: Session, workspace_id: uuid.UUID, template_id: uuid.UUID
) -> RightsTemplate | None:
    return session.scalar(
        select(RightsTemplate).where(
            RightsTemplate.workspace_id == workspace_id, RightsTemplate.id == template_id
        )
    )


def template_named(
    session: Session, workspace_id: uuid.UUID, language: str, name: str
) -> RightsTemplate | None:
    return session.scalar(
        select(RightsTemplate).where(
            RightsTemplate.workspace_id == workspace_id,
            RightsTemplate.language == language,
            RightsTemplate.name == name,
        )
    )


def requests_of(session: Session, item_id: uuid.UUID) -> list[RightsRequest]:
    """Newest first."""
    return list(
        session.scalars(
            select(RightsRequest)
            .where(RightsRequest.item_id == item_id)
            .order_by(RightsRequest.sent_at.desc(), RightsRequest.id.desc())
        )
    )


def latest_requests(
    session: Session, item_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, RightsRequest]:
    if not item_ids:
        return {}
    rows = session.scalars(
        select(RightsRequest)
        .where(RightsRequest.item_id.in_(list(item_ids)))
        .order_by(RightsRequest.sent_at, RightsRequest.id)
    )
    return {r.item_id: r for r in rows}  # the newest wins


def waiting_in(session: Session, conversation_ids: Collection[uuid.UUID]) -> list[RightsRequest]:
    """Requests waiting for an answer in these conversations (the watcher's one query)."""
    if not conversation_ids:
        return []
    return list(
        session.scalars(
            select(RightsRequest)
            .where(
                RightsRequest.conversation_id.in_(list(conversation_ids)),
                RightsRequest.state == RightsState.WAITING.value,
            )
            .order_by(RightsRequest.sent_at, RightsRequest.id)
        )
    )


def items_by_ids(session: Session, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, UgcItem]:
    if not ids:
        return {}
    return {i.id: i for i in session.scalars(select(UgcItem).where(UgcItem.id.in_(list(ids))))}


def messages_by_ids(session: Session, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, InboxMessage]:
    if not ids:
        return {}
    rows = session.scalars(select(InboxMessage).where(InboxMessage.id.in_(list(ids))))
    return {m.id: m for m in rows}


def overdue(session: Session, workspace_id: uuid.UUID | None, now: datetime) -> list[RightsRequest]:
    stmt = select(RightsRequest).where(
        RightsRequest.state == RightsState.WAITING.value, RightsRequest.expires_at <= now
    )
    if workspace_id is not None:
        stmt = stmt.where(RightsRequest.workspace_id == workspace_id)
    return list(session.scalars(stmt.order_by(RightsRequest.id)))


def set_items_status(session: Session, item_ids: Sequence[uuid.UUID], status: UgcStatus) -> None:
    if item_ids:
        session.execute(
            update(UgcItem)
            .where(UgcItem.id.in_(list(item_ids)))
            .values(status=status.value)
            .execution_options(synchronize_session="fetch")
        )


# --- posts ---------------------------------------------------------------------------------------


def links_of_posts(
    session: Session, workspace_id: uuid.UUID, post_ids: Collection[uuid.UUID]
) -> list[tuple[uuid.UUID, UgcItem, RightsRequest | None]]:
    """(post id, item, its latest request) of every UGC item these posts use."""
    if not post_ids:
        return []
    rows = session.execute(
        select(UgcPostLink.post_id, UgcItem)
        .join(UgcItem, UgcItem.id == UgcPostLink.item_id)
        .where(UgcPostLink.workspace_id == workspace_id, UgcPostLink.post_id.in_(list(post_ids)))
        .order_by(UgcPostLink.created_at, UgcPostLink.id)
    ).all()
    latest = latest_requests(session, {found.id for _, found in rows})
    return [(post_id, found, latest.get(found.id)) for post_id, found in rows]


def posts_of_item(session: Session, workspace_id: uuid.UUID, item_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(UgcPostLink.post_id)
            .where(UgcPostLink.workspace_id == workspace_id, UgcPostLink.item_id == item_id)
            .order_by(UgcPostLink.created_at)
        )
    )


def media_assets(
    session: Session, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> list[MediaAsset]:
    if not ids:
        return []
    return list(
        session.scalars(
            select(MediaAsset).where(
                MediaAsset.workspace_id == workspace_id, MediaAsset.id.in_(list(ids))
            )
        )
    )
