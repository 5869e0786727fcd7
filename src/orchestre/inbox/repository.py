"""All SQL of the inbox team work, every query scoped to one workspace (a foreign id finds
nothing)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Text, and_, cast, exists, func, literal, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

# Re-exported: the inbox service asks its own repository (explicit `as` for mypy).
from orchestre.approvals.repository import member_ids_among as member_ids_among
from orchestre.approvals.repository import members_by_email as members_by_email
from orchestre.approvals.repository import user_names as user_names
from orchestre.kit.db import UTCDateTime, for_update
from orchestre.kit.pagination import Cursor
from orchestre.models import (
    Channel,
    Conversation,
    Direction,
    InboxAuthor,
    InboxMessage,
    InboxNote,
    Membership,
    OutboundState,
    Post,
    PostVariant,
    ResponseTarget,
    SavedReply,
    Workspace,
)
from orchestre.posts.repository import channels_by_ids as channels_by_ids

Row = TypeVar("Row", Conversation, InboxMessage, InboxAuthor)

# Conversations without a due time sort after every real one when ordered by due time.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class ConversationFilters:
    """List filters; message-level ones (sentiment, language, toxicity, text) hold when one
    inbound message of the conversation matches."""

    network: str | None = None
    channel_id: uuid.UUID | None = None
    variant_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    sentiment: str | None = None
    language: str | None = None
    toxicity: str | None = None
    status: str | None = None
    assignee_id: uuid.UUID | None = None
    unassigned: bool = False
    tag: str | None = None
    unanswered_before: datetime | None = None
    updated_since: datetime | None = None
    q: str | None = None


# --- lookups -----------------------------------------------------------------------------


def workspace(session: Session, workspace_id: uuid.UUID) -> Workspace | None:
    return session.get(Workspace, workspace_id)


# The two look-ups below read the session's rows first (`Session.get`): a rule hiding
# messages on the way in asks for channels and conversations that ingest has just loaded,
# and a query each time cost a round trip and a flush per hidden message.


def channel(session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID) -> Channel | None:
    found = session.get(Channel, channel_id)
    return found if found is not None and found.workspace_id == workspace_id else None


def get_conversation(
    session: Session, workspace_id: uuid.UUID, conversation_id: uuid.UUID, *, lock: bool = False
) -> Conversation | None:
    if lock:  # the row as it is now, and held: a query whatever the session has
        stmt = select(Conversation).where(
            Conversation.id == conversation_id, Conversation.workspace_id == workspace_id
        )
        return session.scalar(for_update(session, stmt))
    found = session.get(Conversation, conversation_id)
    return found if found is not None and found.workspace_id == workspace_id else None


def _by_ids(
    session: Session, model: type[Row], workspace_id: uuid.UUID, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, Row]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    table: Any = model
    rows = session.scalars(
        select(model).where(table.workspace_id == workspace_id, table.id.in_(wanted))
    )
    return {row.id: row for row in rows}


def conversations_by_ids(
    session: Session, workspace_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Conversation]:
    return _by_ids(session, Conversation, workspace_id, ids)


def get_message(
    session: Session, workspace_id: uuid.UUID, message_id: uuid.UUID
) -> InboxMessage | None:
    return session.scalar(
        select(InboxMessage).where(
            InboxMessage.id == message_id, InboxMessage.workspace_id == workspace_id
        )
    )


def message_for_update(session: Session, message_id: uuid.UUID) -> InboxMessage | None:
    """Read afresh (sessions keep objects across commits), locked on PostgreSQL."""
    stmt = (
        select(InboxMessage)
        .where(InboxMessage.id == message_id)
        .execution_options(populate_existing=True)
    )
    return session.scalar(for_update(session, stmt))


def messages_of(session: Session, conversation_id: uuid.UUID) -> list[InboxMessage]:
    return list(
        session.scalars(
            select(InboxMessage)
            .where(InboxMessage.conversation_id == conversation_id)
            .order_by(InboxMessage.created_at, InboxMessage.id)
        )
    )


def messages_newest_first(
    session: Session, conversation_id: uuid.UUID, after: Cursor | None, limit: int
) -> list[InboxMessage]:
    """Up to `limit` + 1 messages, newest first, older than the cursor's position."""
    m = InboxMessage
    stmt = select(m).where(m.conversation_id == conversation_id)
    if after is not None:
        at, last_id = after.position()
        stmt = stmt.where(or_(m.created_at < at, and_(m.created_at == at, m.id < last_id)))
    stmt = stmt.order_by(m.created_at.desc(), m.id.desc()).limit(limit + 1)
    return list(session.scalars(stmt))


def messages_by_ids(
    session: Session, workspace_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, InboxMessage]:
    return _by_ids(session, InboxMessage, workspace_id, ids)


def latest_inbound(session: Session, conversation_id: uuid.UUID) -> InboxMessage | None:
    return session.scalar(
        select(InboxMessage)
        .where(
            InboxMessage.conversation_id == conversation_id,
            InboxMessage.direction == Direction.INBOUND.value,
            InboxMessage.deleted.is_(False),
        )
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(1)
    )


def latest_inbound_of(
    session: Session, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InboxMessage]:
    """The latest inbound message of each conversation, in one query."""
    if not conversation_ids:
        return {}
    inbound = and_(
        InboxMessage.conversation_id.in_(conversation_ids),
        InboxMessage.direction == Direction.INBOUND.value,
    )
    latest = (
        select(InboxMessage.conversation_id, func.max(InboxMessage.created_at).label("at"))
        .where(inbound)
        .group_by(InboxMessage.conversation_id)
        .subquery()
    )
    rows = session.scalars(
        select(InboxMessage)
        .join(
            latest,
            and_(
                latest.c.conversation_id == InboxMessage.conversation_id,
                latest.c.at == InboxMessage.created_at,
            ),
        )
        .where(inbound)
        .order_by(InboxMessage.id)
    )
    return {row.conversation_id: row for row in rows}


def oldest_unanswered(session: Session, conversation_id: uuid.UUID) -> datetime | None:
    """When the oldest inbound message after our last answer (sent or on its way) was
    written (the instant the first-response timer counts from, as in `inbox.sla`)."""
    answered = (
        select(func.max(InboxMessage.created_at))
        .where(
            InboxMessage.conversation_id == conversation_id,
            InboxMessage.direction == Direction.OUTBOUND.value,
            InboxMessage.outbound_state.in_(
                [OutboundState.QUEUED.value, OutboundState.SENDING.value, OutboundState.SENT.value]
            ),
        )
        .scalar_subquery()
    )
    inbound = and_(
        InboxMessage.conversation_id == conversation_id,
        InboxMessage.direction == Direction.INBOUND.value,
    )
    return session.scalar(
        select(func.min(InboxMessage.created_at)).where(
            inbound, or_(answered.is_(None), InboxMessage.created_at > answered)
        )
    )


def author(session: Session, workspace_id: uuid.UUID, author_id: uuid.UUID) -> InboxAuthor | None:
    return session.scalar(
        select(InboxAuthor).where(
            InboxAuthor.id == author_id, InboxAuthor.workspace_id == workspace_id
        )
    )


def authors_by_ids(
    session: Session, workspace_id: uuid.UUID, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, InboxAuthor]:
    return _by_ids(session, InboxAuthor, workspace_id, ids)


def related_authors(
    session: Session, workspace_id: uuid.UUID, person: InboxAuthor
) -> list[uuid.UUID]:
    """The author and the same handle on other networks (a person's accounts across channels)."""
    handle = person.handle.strip().lstrip("@").lower()
    conditions: list[ColumnElement[bool]] = [InboxAuthor.id == person.id]
    if handle:
        bare = func.lower(func.ltrim(InboxAuthor.handle, "@"))
        conditions.append(bare == handle)
    return list(
        session.scalars(
            select(InboxAuthor.id).where(InboxAuthor.workspace_id == workspace_id, or_(*conditions))
        )
    )


def conversations_of_authors(
    session: Session, workspace_id: uuid.UUID, author_ids: Sequence[uuid.UUID], limit: int
) -> list[Conversation]:
    if not author_ids:
        return []
    return list(
        session.scalars(
            select(Conversation)
            .where(
                Conversation.workspace_id == workspace_id, Conversation.author_id.in_(author_ids)
            )
            .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
            .limit(limit)
        )
    )


# --- members -------------------------------------------------------------------------------


def member_roles(session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID) -> list[str]:
    membership = session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    )
    return list(membership.roles) if membership is not None else []


# --- the conversation list ---------------------------------------------------------------


def _json_list_has(column: QueryableAttribute[Any], value: str) -> ColumnElement[bool]:
    # JSON arrays are stored as text on both databases; an element appears as its JSON form.
    return cast(column, Text).contains(json.dumps(value), autoescape=True)


def _inbound_matching(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        InboxMessage.conversation_id == Conversation.id,
        InboxMessage.direction == Direction.INBOUND.value,
        *conditions,
    )


def _conditions(
    workspace_id: uuid.UUID, f: ConversationFilters, *, with_status: bool = True
) -> list[ColumnElement[bool]]:
    c = Conversation
    where: list[ColumnElement[bool]] = [c.workspace_id == workspace_id]
    if f.network is not None:
        where.append(
            c.channel_id.in_(
                select(Channel.id).where(
                    Channel.workspace_id == workspace_id, Channel.network == f.network
                )
            )
        )
    if f.channel_id is not None:
        where.append(c.channel_id == f.channel_id)
    if f.variant_id is not None:
        where.append(c.variant_id == f.variant_id)
    if f.campaign_id is not None:
        where.append(
            c.variant_id.in_(
                select(PostVariant.id)
                .join(Post, Post.id == PostVariant.post_id)
                .where(Post.workspace_id == workspace_id, Post.campaign_id == f.campaign_id)
            )
        )
    if f.sentiment is not None:
        where.append(_inbound_matching(InboxMessage.sentiment == f.sentiment))
    if f.language is not None:
        where.append(_inbound_matching(InboxMessage.language == f.language))
    if f.toxicity is not None:
        where.append(_inbound_matching(InboxMessage.toxicity == f.toxicity))
    if with_status and f.status is not None:
        where.append(c.status == f.status)
    if f.unassigned:
        where.append(c.assignee_id.is_(None))
    elif f.assignee_id is not None:
        where.append(c.assignee_id == f.assignee_id)
    if f.tag is not None:
        tagged_authors = select(InboxAuthor.id).where(
            InboxAuthor.workspace_id == workspace_id, _json_list_has(InboxAuthor.tags, f.tag)
        )
        where.append(or_(_json_list_has(c.tags, f.tag), c.author_id.in_(tagged_authors)))
    if f.unanswered_before is not None:
        where += [c.awaiting_since.is_not(None), c.awaiting_since <= f.unanswered_before]
    if f.updated_since is not None:
        where.append(c.updated_at >= f.updated_since)
    if f.q:
        needle = f.q.lower()
        named = select(InboxAuthor.id).where(
            InboxAuthor.workspace_id == workspace_id,
            or_(
                func.lower(InboxAuthor.handle).contains(needle, autoescape=True),
                func.lower(InboxAuthor.name).contains(needle, autoescape=True),
            ),
        )
        where.append(
            or_(
                _inbound_matching(func.lower(InboxMessage.text).contains(needle, autoescape=True)),
                c.author_id.in_(named),
            )
        )
    return where


def list_conversations(
    session: Session,
    workspace_id: uuid.UUID,
    filters: ConversationFilters,
    order: str,
    after: Cursor | None,
    limit: int,
) -> list[Conversation]:
    """Up to `limit` + 1 conversations (the extra one says more follow).

    `order` "activity": latest message first; "due": the nearest first-response due time
    first (those without one last)."""
    stmt = select(Conversation).where(*_conditions(workspace_id, filters))
    c = Conversation
    if order == "due":
        key = func.coalesce(c.response_due_at, literal(NO_DUE, type_=UTCDateTime()))
        if after is not None:
            at, last_id = after.position()
            stmt = stmt.where(or_(key > at, and_(key == at, c.id > last_id)))
        stmt = stmt.order_by(key, c.id)
    else:
        if after is not None:
            at, last_id = after.position()
            stmt = stmt.where(
                or_(c.last_message_at < at, and_(c.last_message_at == at, c.id < last_id))
            )
        stmt = stmt.order_by(c.last_message_at.desc(), c.id.desc())
    return list(session.scalars(stmt.limit(limit + 1)))


def status_counts(
    session: Session, workspace_id: uuid.UUID, filters: ConversationFilters
) -> dict[str, int]:
    """How many conversations per status under the other filters (the tabs' counts)."""
    stmt = select(Conversation.status, func.count()).where(
        *_conditions(workspace_id, filters, with_status=False)
    )
    rows = session.execute(stmt.group_by(Conversation.status))
    return dict(rows.all())


# --- notes, saved replies, targets ---------------------------------------------------------


def notes_of(session: Session, conversation_id: uuid.UUID) -> list[InboxNote]:
    return list(
        session.scalars(
            select(InboxNote)
            .where(InboxNote.conversation_id == conversation_id)
            .order_by(InboxNote.created_at, InboxNote.id)
        )
    )


def saved_replies(
    session: Session, workspace_id: uuid.UUID, language: str | None, q: str | None
) -> list[SavedReply]:
    stmt = select(SavedReply).where(SavedReply.workspace_id == workspace_id)
    if language is not None:
        stmt = stmt.where(SavedReply.language == language)
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                func.lower(SavedReply.name).contains(needle, autoescape=True),
                func.lower(SavedReply.body).contains(needle, autoescape=True),
            )
        )
    order = (SavedReply.holding_statement.desc(), SavedReply.name, SavedReply.language)
    return list(session.scalars(stmt.order_by(*order)))


def saved_reply(
    session: Session, workspace_id: uuid.UUID, reply_id: uuid.UUID
) -> SavedReply | None:
    return session.scalar(
        select(SavedReply).where(SavedReply.id == reply_id, SavedReply.workspace_id == workspace_id)
    )


def saved_reply_named(
    session: Session, workspace_id: uuid.UUID, name: str, language: str
) -> SavedReply | None:
    return session.scalar(
        select(SavedReply).where(
            SavedReply.workspace_id == workspace_id,
            SavedReply.name == name,
            SavedReply.language == language,
        )
    )


def response_targets(session: Session, workspace_id: uuid.UUID) -> list[ResponseTarget]:
    return list(
        session.scalars(
            select(ResponseTarget)
            .where(ResponseTarget.workspace_id == workspace_id)
            .order_by(ResponseTarget.channel_id.is_not(None), ResponseTarget.priority)
        )
    )


def response_target(
    session: Session, workspace_id: uuid.UUID, target_id: uuid.UUID
) -> ResponseTarget | None:
    return session.scalar(
        select(ResponseTarget).where(
            ResponseTarget.id == target_id, ResponseTarget.workspace_id == workspace_id
        )
    )


def response_target_for(
    session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID | None, priority: str
) -> ResponseTarget | None:
    channel_match = (
        ResponseTarget.channel_id.is_(None)
        if channel_id is None
        else ResponseTarget.channel_id == channel_id
    )
    return session.scalar(
        select(ResponseTarget).where(
            ResponseTarget.workspace_id == workspace_id,
            channel_match,
            ResponseTarget.priority == priority,
        )
    )


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def delete(session: Session, row: object) -> None:
    session.delete(row)
    session.flush()


def waiting_conversations(session: Session, workspace_id: uuid.UUID) -> list[Conversation]:
    """Open conversations whose first-response timer runs."""
    return list(
        session.scalars(
            select(Conversation).where(
                Conversation.workspace_id == workspace_id,
                Conversation.awaiting_since.is_not(None),
                Conversation.status != "done",
            )
        )
    )


@dataclass(frozen=True)
class FigureRow:
    """What the response figures read of one message."""

    conversation_id: uuid.UUID
    channel_id: uuid.UUID
    direction: str
    created_at: datetime
    outbound_state: str | None
    hidden: bool
    deleted: bool
    spam: bool | None
    needs_response: bool | None


def messages_for_figures(
    session: Session,
    workspace_id: uuid.UUID,
    start: datetime,
    end: datetime,
    channel_id: uuid.UUID | None,
) -> list[FigureRow]:
    """Every message of the conversations that received something in [start, end): the
    earlier ones tell whether a wait had already begun, the later ones answer late."""
    m = InboxMessage
    touched = select(m.conversation_id).where(
        m.workspace_id == workspace_id,
        m.direction == Direction.INBOUND.value,
        m.created_at >= start,
        m.created_at < end,
    )
    if channel_id is not None:
        touched = touched.where(m.channel_id == channel_id)
    rows = session.execute(
        select(
            m.conversation_id,
            m.channel_id,
            m.direction,
            m.created_at,
            m.outbound_state,
            m.hidden,
            m.deleted,
            m.spam,
            m.needs_response,
        ).where(m.workspace_id == workspace_id, m.conversation_id.in_(touched.distinct()))
    )
    return [FigureRow(*row) for row in rows.all()]
