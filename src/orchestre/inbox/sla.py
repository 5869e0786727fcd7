"""First-response targets: when an answer is due on a conversation, and telling the team
once when it is missed.

A conversation waits for us from its oldest inbound message that calls for an answer
(`awaiting_since`); its answer is due `target_minutes` later (`response_due_at`), the
target chosen by the conversation's channel and priority (a channel's own target first,
then the workspace's target for every channel; none: no timer). Our answer
(`on_answered`) stops the timer. `sweep_breaches`, run periodically, marks the
conversations whose answer is late (`breached_at`) and notifies the assignee (else the
people who answer in the inbox) once per breach: the next wait starts a fresh timer.

Messages that call for no answer start no timer: hidden or deleted ones, spam, and those
the classifier says need no response. An unclassified message does start one: a message
whose classification failed may well be a complaint.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels import repository as channel_repository
from orchestre.kit.db import for_update
from orchestre.models import Channel
from orchestre.models.inbox import Conversation, ConversationStatus, InboxMessage, ResponseTarget
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Permission, roles_with

log = logging.getLogger(__name__)

# The in-app notification kind; delivered by email and webhook as `inbox.response_overdue`.
RESPONSE_OVERDUE = "inbox_response_overdue"
# Told when nobody is assigned: the roles that answer in the inbox.
TOLD_ROLES = roles_with(Permission.INBOX_REPLY)
SWEEP_BATCH = 500


def target_minutes(
    session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID | None, priority: str
) -> int | None:
    """Minutes allowed for a first response: the channel's target for this priority, else
    the workspace's target for every channel, else None (no target)."""
    stmt = select(ResponseTarget.channel_id, ResponseTarget.minutes).where(
        ResponseTarget.workspace_id == workspace_id,
        ResponseTarget.priority == priority,
        (ResponseTarget.channel_id == channel_id) | ResponseTarget.channel_id.is_(None),
    )
    found = dict(session.execute(stmt).all())
    if channel_id is not None and channel_id in found:
        return found[channel_id]
    return found.get(None)


def calls_for_answer(message: InboxMessage) -> bool:
    """Whether this inbound message starts the first-response timer."""
    if message.direction != "inbound" or message.hidden or message.deleted:
        return False
    if message.spam:
        return False
    return message.needs_response is not False


def _due(session: Session, conversation: Conversation, since: datetime) -> datetime | None:
    minutes = target_minutes(
        session, conversation.workspace_id, conversation.channel_id, conversation.priority
    )
    return since + timedelta(minutes=minutes) if minutes is not None else None


def on_inbound(session: Session, conversation: Conversation, message: InboxMessage) -> None:
    """A new inbound message: start the timer if nothing waited and it calls for an answer;
    a conversation that was done, or waited for the person to come back, opens again."""
    if not calls_for_answer(message):
        return
    if conversation.status in (ConversationStatus.DONE.value, ConversationStatus.WAITING.value):
        conversation.status = (
            ConversationStatus.ASSIGNED.value
            if conversation.assignee_id is not None
            else ConversationStatus.NEW.value
        )
    waiting = conversation.awaiting_since
    if waiting is not None and waiting <= message.created_at:
        return
    conversation.awaiting_since = message.created_at
    conversation.response_due_at = _due(session, conversation, message.created_at)
    conversation.breached_at = None
    conversation.version += 1


def on_answered(session: Session, conversation: Conversation, at: datetime) -> None:
    """We answered at `at`: what waited (up to then) no longer does; the timer stops."""
    if conversation.awaiting_since is None or conversation.awaiting_since > at:
        return
    conversation.awaiting_since = None
    conversation.response_due_at = None
    conversation.breached_at = None
    if conversation.status in (ConversationStatus.NEW.value, ConversationStatus.ASSIGNED.value):
        conversation.status = ConversationStatus.WAITING.value
    conversation.version += 1


def on_priority_changed(session: Session, conversation: Conversation) -> None:
    """The priority changed: the due instant follows the new target. A breach already
    told stays told unless the new target gives more time than has passed."""
    if conversation.awaiting_since is None:
        return
    due = _due(session, conversation, conversation.awaiting_since)
    conversation.response_due_at = due
    if conversation.breached_at is not None and (due is None or due > conversation.breached_at):
        conversation.breached_at = None
    conversation.version += 1


def sweep_breaches(session: Session, now: datetime, *, limit: int = SWEEP_BATCH) -> int:
    """Mark the conversations whose first response is late and notify once per breach;
    returns how many. Safe in several processes at once (rows locked, skipped when taken)."""
    stmt = (
        select(Conversation)
        .where(
            Conversation.awaiting_since.is_not(None),
            Conversation.response_due_at.is_not(None),
            Conversation.response_due_at <= now,
            Conversation.breached_at.is_(None),
            Conversation.status != ConversationStatus.DONE.value,
        )
        .order_by(Conversation.response_due_at, Conversation.id)
        .limit(limit)
    )
    stmt = for_update(session, stmt, skip_locked=True)
    rows = list(session.scalars(stmt))
    for conversation in rows:
        conversation.breached_at = now
        conversation.version += 1
        _tell(session, conversation, now)
    if rows:
        log.info("%d conversation(s) missed their first-response target", len(rows))
    return len(rows)


def _tell(session: Session, conversation: Conversation, now: datetime) -> None:
    if conversation.assignee_id is not None:
        people = [conversation.assignee_id]
    else:
        people = channel_repository.members_with_roles(
            session, conversation.workspace_id, TOLD_ROLES
        )
    channel = session.get(Channel, conversation.channel_id)
    due = conversation.response_due_at
    waited = conversation.awaiting_since
    notify(
        session,
        conversation.workspace_id,
        people,
        RESPONSE_OVERDUE,
        {
            "conversation_id": str(conversation.id),
            "channel_id": str(conversation.channel_id),
            "network": channel.network if channel else "",
            "handle": channel.handle if channel else "",
            "priority": conversation.priority,
            "awaiting_since": waited.isoformat() if waited else None,
            "response_due_at": due.isoformat() if due else None,
            "overdue_minutes": int((now - due).total_seconds() // 60) if due else 0,
        },
    )
