"""Network actions from the inbox: reply, like, hide (and show again), delete.

A request only records the intent on the message (an outbound reply `queued` with its
`client_ref`, or the `hidden` / `deleted` / `liked` flag) and enqueues a job that runs
after the transaction commits (`inbox.tasks`); the job calls the network outside any
transaction and records the outcome. A network that cannot do the action is refused
here, before anything is recorded. Permissions are the caller's business (the service
checks the person's; a moderation rule acts for the workspace).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.channels.repository import members_with_roles
from orchestre.connectors import registry
from orchestre.connectors.base import Capability
from orchestre.connectors.registry import ConnectorUnavailable
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.inbox import repository as repo
from orchestre.inbox import sla
from orchestre.kit.clock import utcnow
from orchestre.models import (
    Channel,
    Conversation,
    ConversationStatus,
    Direction,
    InboxMessage,
    ModerationRule,
    OutboundState,
)
from orchestre.moderation.effects import APPROVAL_TAG
from orchestre.worker.queue import enqueue
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Actor, Permission, roles_with

SEND_REPLY = "inbox.send_reply"
REPLY_PENDING = "inbox_reply_pending_approval"
MODERATE = "inbox.moderate"
MAX_REPLY_LENGTH = 10_000


def _(message: str) -> str:
    """Marks a message for the catalog (scripts/i18n.sh extracts `_`); pages translate it."""
    return message


REFUSALS = {
    Capability.REPLY: _("This network does not allow replies through its API."),
    Capability.HIDE_COMMENT: _("This network does not allow hiding comments through its API."),
    Capability.DELETE_COMMENT: _("This network does not allow deleting comments through its API."),
    Capability.LIKE: _("This network does not allow likes through its API."),
}

Rule = ModerationRule | uuid.UUID | None


def touch(conversation: Conversation, at: datetime | None = None) -> None:
    """Mark a change a page must show (live updates compare versions)."""
    conversation.version = (conversation.version or 0) + 1
    if at is not None:
        conversation.last_message_at = max(conversation.last_message_at, at)


def _rule_id(rule: Rule) -> str | None:
    if rule is None:
        return None
    return str(rule.id if isinstance(rule, ModerationRule) else rule)


def _channel(session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID) -> Channel:
    channel = repo.channel(session, workspace_id, channel_id)
    if channel is None:
        raise NotFound("This conversation's channel no longer exists.", code="channel_not_found")
    return channel


def supported_actions(channel: Channel | None) -> list[str]:
    """Which of reply, hide_comment, delete_comment, like the channel's network can do."""
    if channel is None:
        return []
    found = []
    for capability in REFUSALS:
        try:
            if registry.default().supports(channel.network, capability):
                found.append(capability.value)
        except ConnectorUnavailable:
            continue
    return found


def require_capability(channel: Channel, capability: Capability) -> None:
    """Refuse, before anything is recorded, an action the channel's network cannot do."""
    try:
        supported = registry.default().supports(channel.network, capability)
    except ConnectorUnavailable:
        supported = False
    if not supported:
        detail = REFUSALS.get(capability, _("This network does not allow it through its API."))
        raise Conflict(
            detail,
            code="capability_missing",
            errors=[FieldError("action", "capability", detail, actual=capability.value)],
        )


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        message = _("Write a reply before sending it.")
        raise Invalid(
            message, code="reply_required", errors=[FieldError("text", "required", message)]
        )
    if len(text) > MAX_REPLY_LENGTH:
        message = _("This reply is too long.")
        raise Invalid(
            message,
            code="reply_too_long",
            errors=[
                FieldError("text", "max_length", message, limit=MAX_REPLY_LENGTH, actual=len(text))
            ],
        )
    return text


def needs_approval(
    session: Session,
    actor: Actor | None,
    require_approval: bool,
    conversation: Conversation | None = None,
) -> bool:
    """A rule may ask for approval (now, or by tagging the conversation); otherwise the
    workspace's `reply_approval_roles` decide."""
    if require_approval:
        return True
    if conversation is not None and APPROVAL_TAG in (conversation.tags or []):
        return True
    if actor is None:
        return False
    ws = repo.workspace(session, actor.workspace_id)
    sensitive = set(ws.reply_approval_roles or []) if ws is not None else set()
    return bool(sensitive & {role.value for role in actor.roles})


def request_reply(
    session: Session,
    actor: Actor | None,
    conversation: Conversation,
    text: str,
    *,
    parent_message: InboxMessage | None = None,
    source: str = "inbox",
    require_approval: bool = False,
) -> InboxMessage:
    """Record an answer to the conversation and send it after commit (or hold it for
    approval). It answers `parent_message`, else the latest inbound message, else the
    conversation's root (a post for comments)."""
    text = _check_text(text)
    channel = _channel(session, conversation.workspace_id, conversation.channel_id)
    require_capability(channel, Capability.REPLY)
    if parent_message is not None and parent_message.conversation_id != conversation.id:
        raise NotFound("That message is not in this conversation.", code="message_not_found")
    parent = parent_message or repo.latest_inbound(session, conversation.id)
    parent_id = parent.external_id if parent is not None else conversation.root_external_id
    now = utcnow()
    held = needs_approval(session, actor, require_approval, conversation)
    message_id = uuid.uuid4()
    message = InboxMessage(
        id=message_id,
        workspace_id=conversation.workspace_id,
        channel_id=conversation.channel_id,
        conversation_id=conversation.id,
        direction=Direction.OUTBOUND.value,
        kind="reply" if conversation.kind != "message" else "message",
        external_id=f"pending:{message_id}",
        parent_external_id=parent_id,
        post_external_id=parent.post_external_id if parent is not None else None,
        text=text,
        created_at=now,
        received_at=now,
        source=source,
        sent_by=actor.user_id if actor is not None else None,
        outbound_state=(OutboundState.PENDING_APPROVAL if held else OutboundState.QUEUED).value,
        client_ref=f"orc-{message_id.hex}",
        classified=True,
    )
    repo.add(session, message)
    conversation.message_count = (conversation.message_count or 0) + 1
    touch(conversation, now)
    if held:
        _tell_reviewers(session, actor, conversation, message)
    else:
        mark_answered(session, conversation, now)
        enqueue(session, SEND_REPLY, message_id=str(message.id))
    record(
        session,
        actor,
        "inbox.reply.requested",
        "inbox_message",
        message.id,
        after={
            "conversation_id": conversation.id,
            "state": message.outbound_state,
            "source": source,
            "text": text,
        },
        workspace_id=conversation.workspace_id,
    )
    return message


def _tell_reviewers(
    session: Session, actor: Actor | None, conversation: Conversation, message: InboxMessage
) -> None:
    """The members who may approve (inbox.moderate), the writer aside, hear of a held reply."""
    roles = roles_with(Permission.INBOX_MODERATE)
    reviewers = set(members_with_roles(session, conversation.workspace_id, roles))
    if actor is not None:
        reviewers.discard(actor.user_id)
    notify(
        session,
        conversation.workspace_id,
        reviewers,
        REPLY_PENDING,
        {
            "conversation_id": str(conversation.id),
            "message_id": str(message.id),
            "excerpt": message.text[:140],
            "by": str(actor.user_id) if actor is not None else None,
            "source": message.source,
        },
    )


def mark_answered(session: Session, conversation: Conversation, at: datetime) -> None:
    """An answer is on its way: the conversation waits for the person (reply -> waiting)."""
    sla.on_answered(session, conversation, at)
    conversation.status = ConversationStatus.WAITING.value
    touch(conversation)


def release_approved(session: Session, message: InboxMessage, approver: Actor) -> None:
    """A reviewer approved a held reply: queue it and send it after commit."""
    if message.outbound_state != OutboundState.PENDING_APPROVAL.value:
        raise Conflict("This reply is not waiting for approval.", code="not_pending_approval")
    conversation = repo.get_conversation(session, message.workspace_id, message.conversation_id)
    if conversation is None:
        raise NotFound("Conversation not found.", code="conversation_not_found")
    channel = _channel(session, message.workspace_id, message.channel_id)
    require_capability(channel, Capability.REPLY)
    now = utcnow()
    message.outbound_state = OutboundState.QUEUED.value
    message.approved_by = approver.user_id
    # The answer leaves now: the response figures count it from here, not from its draft.
    message.created_at = now
    conversation.last_message_at = max(conversation.last_message_at, now)
    mark_answered(session, conversation, now)
    enqueue(session, SEND_REPLY, message_id=str(message.id))


def _inbound(message: InboxMessage) -> None:
    if message.direction != Direction.INBOUND.value:
        detail = _("Only messages from other people can be hidden, deleted or liked here.")
        raise Conflict(detail, code="not_inbound")


def _check_moderation(session: Session, message: InboxMessage, capability: Capability) -> None:
    """Refuse before the flag changes: a rule that catches the refusal leaves nothing behind."""
    _inbound(message)
    channel = _channel(session, message.workspace_id, message.channel_id)
    require_capability(channel, capability)


def _moderated(
    session: Session, actor: Actor | None, message: InboxMessage, action: str, by_rule: Rule
) -> None:
    message.failure_reason = None
    conversation = repo.get_conversation(session, message.workspace_id, message.conversation_id)
    if conversation is not None:
        touch(conversation)
    enqueue(session, MODERATE, message_id=str(message.id), action=action)
    after = {
        "hidden": message.hidden,
        "deleted": message.deleted,
        "liked": message.liked,
        "rule_id": _rule_id(by_rule),
    }
    record(
        session,
        actor,
        f"inbox.message.{action}",
        "inbox_message",
        message.id,
        after=after,
        workspace_id=message.workspace_id,
    )


def request_hide(
    session: Session,
    message: InboxMessage,
    hidden: bool = True,
    *,
    by_rule: Rule = None,
    actor: Actor | None = None,
) -> InboxMessage:
    """Hide a comment on the network (or show it again with hidden=False: a rule's undo)."""
    if message.deleted:
        raise Conflict("This message was deleted.", code="message_deleted")
    _check_moderation(session, message, Capability.HIDE_COMMENT)
    message.hidden = hidden
    _moderated(session, actor, message, "hide" if hidden else "unhide", by_rule)
    return message


def request_delete(
    session: Session, message: InboxMessage, *, by_rule: Rule = None, actor: Actor | None = None
) -> InboxMessage:
    """Delete a comment on the network; it cannot be undone."""
    _check_moderation(session, message, Capability.DELETE_COMMENT)
    message.deleted = True
    _moderated(session, actor, message, "delete", by_rule)
    return message


def request_like(
    session: Session, message: InboxMessage, *, actor: Actor | None = None
) -> InboxMessage:
    if message.deleted:
        raise Conflict("This message was deleted.", code="message_deleted")
    _check_moderation(session, message, Capability.LIKE)
    message.liked = True
    _moderated(session, actor, message, "like", None)
    return message
