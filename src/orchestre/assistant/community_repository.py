"""The SQL of the community assistant: past answers of the workspace with the message each
one answered, always scoped to one workspace."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from orchestre.models import Direction, InboxAuthor, InboxMessage, OutboundState

# The latest answers are the ones that speak as the team speaks now.
PAST_ANSWERS = 400


@dataclass(frozen=True)
class PastAnswer:
    answer_id: uuid.UUID
    answer: str
    question: str
    question_language: str | None
    author_name: str
    author_handle: str


def past_answers(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    exclude_conversation: uuid.UUID | None = None,
    limit: int = PAST_ANSWERS,
) -> list[PastAnswer]:
    """Answers the team sent, newest first, each with the inbound message it answered (in
    the same channel, by the network's id) and that message's author's name."""
    asked = aliased(InboxMessage)
    stmt = (
        select(
            InboxMessage.id,
            InboxMessage.text,
            asked.text,
            asked.language,
            InboxAuthor.name,
            InboxAuthor.handle,
        )
        .join(
            asked,
            and_(
                asked.channel_id == InboxMessage.channel_id,
                asked.external_id == InboxMessage.parent_external_id,
                asked.workspace_id == workspace_id,
                asked.direction == Direction.INBOUND.value,
            ),
        )
        .outerjoin(InboxAuthor, InboxAuthor.id == asked.author_id)
        .where(
            InboxMessage.workspace_id == workspace_id,
            InboxMessage.direction == Direction.OUTBOUND.value,
            InboxMessage.outbound_state == OutboundState.SENT.value,
            InboxMessage.deleted.is_(False),
        )
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(limit)
    )
    if exclude_conversation is not None:
        stmt = stmt.where(InboxMessage.conversation_id != exclude_conversation)
    return [
        PastAnswer(
            answer_id=row[0],
            answer=row[1] or "",
            question=row[2] or "",
            question_language=row[3],
            author_name=row[4] or "",
            author_handle=row[5] or "",
        )
        for row in session.execute(stmt)
    ]
