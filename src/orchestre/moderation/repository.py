"""All SQL of moderation: rules, the action log, and the messages a dry run reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from orchestre.models import Channel, Membership, Workspace
from orchestre.models.inbox import (
    Conversation,
    ConversationStatus,
    Direction,
    InboxAuthor,
    InboxMessage,
    OutboundState,
)
from orchestre.models.moderation import ModerationAction, ModerationRule


def enabled_rules(session: Session, workspace_id: uuid.UUID) -> list[ModerationRule]:
    stmt = (
        select(ModerationRule)
        .where(ModerationRule.workspace_id == workspace_id, ModerationRule.enabled.is_(True))
        .order_by(ModerationRule.position, ModerationRule.created_at, ModerationRule.id)
    )
    return list(session.scalars(stmt))


def memberships(session: Session, workspace_id: uuid.UUID) -> list[Membership]:
    return list(session.scalars(select(Membership).where(Membership.workspace_id == workspace_id)))


def open_load(session: Session, workspace_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """How many conversations not done each member has assigned (for round-robin)."""
    stmt = (
        select(Conversation.assignee_id, func.count())
        .where(
            Conversation.workspace_id == workspace_id,
            Conversation.assignee_id.is_not(None),
            Conversation.status != ConversationStatus.DONE.value,
        )
        .group_by(Conversation.assignee_id)
    )
    return {row[0]: int(row[1]) for row in session.execute(stmt) if row[0] is not None}


def networks(session: Session, channel_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not channel_ids:
        return {}
    rows = session.execute(
        select(Channel.id, Channel.network).where(Channel.id.in_(set(channel_ids)))
    )
    return {row.id: row.network for row in rows}


def authors(session: Session, author_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, InboxAuthor]:
    if not author_ids:
        return {}
    rows = session.scalars(select(InboxAuthor).where(InboxAuthor.id.in_(set(author_ids))))
    return {row.id: row for row in rows}


def timezone_of(session: Session, workspace_id: uuid.UUID) -> str:
    workspace = session.get(Workspace, workspace_id)
    return workspace.timezone if workspace else "UTC"


def outbound_states(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    if not ids:
        return {}
    rows = session.execute(
        select(InboxMessage.id, InboxMessage.outbound_state).where(InboxMessage.id.in_(set(ids)))
    )
    return {row.id: row.outbound_state for row in rows}


def cancel_unsent(session: Session, message_id: uuid.UUID, unsent: Sequence[str]) -> bool:
    """Withdraw a reply that has not left yet; False when the send job took it first."""
    result = session.execute(
        update(InboxMessage)
        .where(InboxMessage.id == message_id, InboxMessage.outbound_state.in_(list(unsent)))
        .values(
            outbound_state=OutboundState.REJECTED.value,
            failure_reason="Cancelled: the moderation rule's action was undone.",
        )
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))


def starter_keys(session: Session, workspace_id: uuid.UUID) -> set[str]:
    stmt = select(ModerationRule.starter_key).where(
        ModerationRule.workspace_id == workspace_id, ModerationRule.starter_key.is_not(None)
    )
    return {key for key in session.scalars(stmt) if key}


def next_position(session: Session, workspace_id: uuid.UUID) -> int:
    stmt = select(func.max(ModerationRule.position)).where(
        ModerationRule.workspace_id == workspace_id
    )
    top = session.scalar(stmt)
    return 0 if top is None else top + 1


def rules(session: Session, workspace_id: uuid.UUID) -> list[ModerationRule]:
    stmt = (
        select(ModerationRule)
        .where(ModerationRule.workspace_id == workspace_id)
        .order_by(ModerationRule.position, ModerationRule.created_at, ModerationRule.id)
    )
    return list(session.scalars(stmt))


def rule(session: Session, workspace_id: uuid.UUID, rule_id: uuid.UUID) -> ModerationRule | None:
    found = session.get(ModerationRule, rule_id)
    return found if found is not None and found.workspace_id == workspace_id else None


def action(
    session: Session, workspace_id: uuid.UUID, action_id: uuid.UUID
) -> ModerationAction | None:
    found = session.get(ModerationAction, action_id)
    return found if found is not None and found.workspace_id == workspace_id else None


@dataclass(frozen=True)
class ActionFilter:
    rule_id: uuid.UUID | None = None
    action: str | None = None
    status: str | None = None
    message_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


def actions(
    session: Session,
    workspace_id: uuid.UUID,
    filters: ActionFilter,
    *,
    cursor: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[ModerationAction]:
    """The log, newest first; the cursor is the (at, id) of the last row already shown."""
    stmt = select(ModerationAction).where(ModerationAction.workspace_id == workspace_id)
    if filters.rule_id is not None:
        stmt = stmt.where(ModerationAction.rule_id == filters.rule_id)
    if filters.action is not None:
        stmt = stmt.where(ModerationAction.action == filters.action)
    if filters.status is not None:
        stmt = stmt.where(ModerationAction.status == filters.status)
    if filters.message_id is not None:
        stmt = stmt.where(ModerationAction.message_id == filters.message_id)
    if filters.since is not None:
        stmt = stmt.where(ModerationAction.at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(ModerationAction.at < filters.until)
    if cursor is not None:
        stmt = stmt.where(tuple_(ModerationAction.at, ModerationAction.id) < cursor)
    stmt = stmt.order_by(ModerationAction.at.desc(), ModerationAction.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def recent_inbound(
    session: Session, workspace_id: uuid.UUID, since: datetime, limit: int
) -> list[InboxMessage]:
    """Inbound messages received since `since`, newest first (what a dry run replays)."""
    stmt = (
        select(InboxMessage)
        .where(
            InboxMessage.workspace_id == workspace_id,
            InboxMessage.received_at >= since,
            InboxMessage.direction == Direction.INBOUND.value,
        )
        .order_by(InboxMessage.received_at.desc(), InboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def reorder(session: Session, ordered: Sequence[ModerationRule]) -> None:
    for position, row in enumerate(ordered):
        row.position = position


def channel_ids(session: Session, workspace_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(Channel.id).where(Channel.workspace_id == workspace_id)))


def conversations(
    session: Session, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Conversation]:
    if not conversation_ids:
        return {}
    stmt = select(Conversation).where(Conversation.id.in_(set(conversation_ids)))
    return {row.id: row for row in session.scalars(stmt)}


def excerpts(
    session: Session, message_ids: Sequence[uuid.UUID], length: int = 160
) -> dict[uuid.UUID, str]:
    """The start of each message's text, for the log."""
    if not message_ids:
        return {}
    stmt = select(InboxMessage.id, func.substr(InboxMessage.text, 1, length)).where(
        InboxMessage.id.in_(set(message_ids))
    )
    return {row[0]: row[1] or "" for row in session.execute(stmt)}


def answered_by_rule(session: Session, rule_id: uuid.UUID, conversation_id: uuid.UUID) -> bool:
    """Whether this rule already sent (or queued) an auto-reply in this conversation."""
    stmt = (
        select(ModerationAction.id)
        .where(
            ModerationAction.rule_id == rule_id,
            ModerationAction.conversation_id == conversation_id,
            ModerationAction.action == "auto_reply",
            ModerationAction.status == "done",
        )
        .limit(1)
    )
    return session.scalar(stmt) is not None


def matches_by_rule(
    session: Session, workspace_id: uuid.UUID, since: datetime
) -> dict[uuid.UUID, int]:
    """How many messages each rule acted on since then (for tuning a rule)."""
    stmt = (
        select(ModerationAction.rule_id, func.count(func.distinct(ModerationAction.message_id)))
        .where(
            ModerationAction.workspace_id == workspace_id,
            ModerationAction.at >= since,
            ModerationAction.rule_id.is_not(None),
        )
        .group_by(ModerationAction.rule_id)
    )
    return {row[0]: int(row[1]) for row in session.execute(stmt) if row[0] is not None}
