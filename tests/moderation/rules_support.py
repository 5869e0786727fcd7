"""Factories for the moderation rules tests: authors, conversations, messages, rules."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orchestre.kit.clock import utcnow
from orchestre.models import Channel, Workspace
from orchestre.models.inbox import Conversation, InboxAuthor, InboxMessage
from orchestre.models.moderation import ModerationRule

_seq = itertools.count(1)


def make_author(
    db: Session, ws: Workspace, *, tags: list[str] | None = None, message_count: int = 1
) -> InboxAuthor:
    n = next(_seq)
    author = InboxAuthor(
        workspace_id=ws.id,
        network="sandbox",
        external_id=f"person-{n}",
        handle=f"@person{n}",
        name=f"Camille Person{n}",
        tags=tags or [],
        message_count=message_count,
    )
    db.add(author)
    db.flush()
    return author


def make_message(
    db: Session,
    ws: Workspace,
    channel: Channel,
    text: str = "hello",
    *,
    author: InboxAuthor | None = None,
    at: datetime | None = None,
    **columns: Any,
) -> InboxMessage:
    """An inbound comment in a conversation of its own; `columns` set the classification."""
    n = next(_seq)
    author = author or make_author(db, ws)
    conversation = Conversation(
        workspace_id=ws.id,
        channel_id=channel.id,
        kind="comment",
        root_external_id=f"post-{n}-{uuid.uuid4().hex[:6]}",
        author_id=author.id,
    )
    db.add(conversation)
    db.flush()
    message = InboxMessage(
        workspace_id=ws.id,
        channel_id=channel.id,
        conversation_id=conversation.id,
        author_id=author.id,
        kind="comment",
        external_id=f"c-{n}-{uuid.uuid4().hex[:6]}",
        text=text,
        created_at=at or utcnow(),
        received_at=at or utcnow(),
        classified=True,
        **columns,
    )
    db.add(message)
    db.flush()
    return message


def make_rule(
    db: Session,
    ws: Workspace,
    conditions: dict[str, Any],
    actions: list[dict[str, Any]],
    *,
    name: str | None = None,
    position: int = 0,
    stop: bool = False,
    enabled: bool = True,
) -> ModerationRule:
    rule = ModerationRule(
        workspace_id=ws.id,
        name=name or f"Rule {next(_seq)}",
        conditions=conditions,
        actions=actions,
        position=position,
        stop=stop,
        enabled=enabled,
    )
    db.add(rule)
    db.flush()
    return rule
