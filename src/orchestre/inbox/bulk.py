"""Bulk actions: one change (assign, status, priority, tags, hide) applied to many
conversations in one request, each checked on its own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orchestre.audit.service import snapshot
from orchestre.errors import DomainError, FieldError, Invalid
from orchestre.inbox import actions
from orchestre.inbox import repository as repo
from orchestre.inbox.actions import _
from orchestre.inbox.service import (
    AUDITED,
    apply_priority,
    apply_status,
    changed,
    clean_tags,
    load_conversation,
    set_assignee,
)
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
MAX_BULK = 200


@dataclass(frozen=True)
class BulkOutcome:
    conversation_id: uuid.UUID
    ok: bool
    code: str = "ok"
    detail: str = ""


@dataclass(frozen=True)
class BulkChange:
    """One change applied to many conversations; only the fields given are applied."""

    action: str  # assign, status, priority, add_tags, remove_tags, hide
    assignee_id: uuid.UUID | None = None
    status: str | None = None
    priority: str | None = None
    tags: Sequence[str] = ()


BULK_PERMISSIONS = {
    "assign": P.INBOX_REPLY,
    "status": P.INBOX_REPLY,
    "priority": P.INBOX_REPLY,
    "add_tags": P.INBOX_REPLY,
    "remove_tags": P.INBOX_REPLY,
    "hide": P.INBOX_MODERATE,
}


def bulk(
    session: Session, actor: Actor, conversation_ids: Sequence[uuid.UUID], change: BulkChange
) -> list[BulkOutcome]:
    """Apply one change to each conversation, each checked on its own: one refusal leaves
    the others done (each in its own savepoint)."""
    permission = BULK_PERMISSIONS.get(change.action)
    if permission is None:
        message = _("Unknown bulk action.")
        raise Invalid(message, code="bad_action", errors=[FieldError("action", "enum", message)])
    actor.require(permission)
    ids = list(dict.fromkeys(conversation_ids))
    if not ids or len(ids) > MAX_BULK:
        message = _("Give 1 to 200 conversations.")
        raise Invalid(
            message,
            code="bad_bulk",
            errors=[FieldError("conversation_ids", "length", message, limit=MAX_BULK)],
        )
    tags = clean_tags(change.tags) if change.action in ("add_tags", "remove_tags") else []
    outcomes = []
    for conversation_id in ids:
        try:
            with session.begin_nested():
                _bulk_one(session, actor, conversation_id, change, tags)
            outcomes.append(BulkOutcome(conversation_id, True))
        except DomainError as exc:
            outcomes.append(BulkOutcome(conversation_id, False, exc.code, exc.detail))
    return outcomes


def _bulk_one(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    change: BulkChange,
    tags: list[str],
) -> None:
    conversation = load_conversation(session, actor, conversation_id, lock=True)
    if change.action == "hide":
        for message in repo.messages_of(session, conversation.id):
            if message.direction == "inbound" and not message.hidden and not message.deleted:
                actions.request_hide(session, message, True, actor=actor)
        return
    before = snapshot(conversation, AUDITED)
    if change.action == "assign":
        set_assignee(session, actor, conversation, change.assignee_id)
    elif change.action == "status":
        apply_status(conversation, change.status or "")
    elif change.action == "priority":
        apply_priority(session, conversation, change.priority or "")
    elif change.action == "add_tags":
        conversation.tags = clean_tags([*conversation.tags, *tags])
    elif change.action == "remove_tags":
        conversation.tags = [t for t in conversation.tags if t not in tags]
    changed(session, actor, conversation, before)
