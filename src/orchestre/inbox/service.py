"""Use cases of the inbox team work: the conversation list and its filters, assignment,
statuses, priority, tags, internal notes with @mentions, answers (with approval of
sensitive ones), hide / delete / like, and bulk actions.

Statuses move so: assigning someone moves a new conversation to `assigned` (unassigning
an assigned one moves it back to `new`); an answer moves it to `waiting`; a person may
set any status, `done` included. A new inbound message on a done or waiting
conversation opens it again (ingest, through `inbox.sla`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orchestre.approvals.comments import resolve_mentions
from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from orchestre.inbox import actions, sla
from orchestre.inbox import repository as repo
from orchestre.inbox.actions import _
from orchestre.inbox.repository import ConversationFilters
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models import (
    Channel,
    Conversation,
    ConversationStatus,
    InboxAuthor,
    InboxMessage,
    InboxNote,
    OutboundState,
    Priority,
)
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Actor, Permission, Role, permissions_of

P = Permission
CS = ConversationStatus
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
MAX_NOTE_LENGTH = 5000
INBOX_MENTION = "inbox_mention"
REPLY_REJECTED = "inbox_reply_rejected"
DETAIL_MESSAGES = 200
AUDITED = ["status", "priority", "assignee_id", "tags"]


@dataclass(frozen=True)
class ConversationView:
    conversation: Conversation
    channel: Channel | None
    author: InboxAuthor | None
    last_message: InboxMessage | None = None


@dataclass(frozen=True)
class ConversationDetail:
    view: ConversationView
    # The latest messages, oldest first; `earlier_cursor` pages back through the others.
    messages: list[InboxMessage]
    notes: list[InboxNote]
    names: dict[uuid.UUID, str] = field(default_factory=dict)
    # What the channel's network lets us do here (reply, hide_comment, delete_comment, like).
    capabilities: list[str] = field(default_factory=list)
    earlier_cursor: str | None = None


# --- reading ---------------------------------------------------------------------------------


def load_conversation(
    session: Session, actor: Actor, conversation_id: uuid.UUID, *, lock: bool = False
) -> Conversation:
    conversation = repo.get_conversation(session, actor.workspace_id, conversation_id, lock=lock)
    if conversation is None:
        raise NotFound("Conversation not found.", code="conversation_not_found")
    return conversation


def load_message(session: Session, actor: Actor, message_id: uuid.UUID) -> InboxMessage:
    message = repo.get_message(session, actor.workspace_id, message_id)
    if message is None:
        raise NotFound("Message not found.", code="message_not_found")
    return message


def conversation_views(
    session: Session, actor: Actor, rows: Sequence[Conversation]
) -> list[ConversationView]:
    """Conversations with their channel, author and latest inbound message."""
    channels = repo.channels_by_ids(session, actor.workspace_id, (c.channel_id for c in rows))
    authors = repo.authors_by_ids(session, actor.workspace_id, (c.author_id for c in rows))
    latest = repo.latest_inbound_of(session, [c.id for c in rows])
    return [
        ConversationView(
            conversation=c,
            channel=channels.get(c.channel_id),
            author=authors.get(c.author_id) if c.author_id else None,
            last_message=latest.get(c.id),
        )
        for c in rows
    ]


def resolve_assignee_filter(actor: Actor, assignee: str | None) -> tuple[uuid.UUID | None, bool]:
    """'me', 'unassigned' or a member's id -> (assignee id, unassigned only)."""
    if assignee is None or assignee == "":
        return None, False
    if assignee == "me":
        return actor.user_id, False
    if assignee == "unassigned":
        return None, True
    try:
        return uuid.UUID(assignee), False
    except ValueError:
        message = _("Give 'me', 'unassigned' or a member's id.")
        raise Invalid(
            message,
            code="bad_assignee",
            errors=[FieldError("assignee", "assignee", message, actual=assignee)],
        ) from None


def require_aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        message = _("Give the time with its offset, e.g. 2030-03-15T10:00:00+01:00.")
        raise Invalid(
            message, code="aware_datetime", errors=[FieldError(name, "aware_datetime", message)]
        )


def filters_for(
    actor: Actor,
    *,
    assignee: str | None = None,
    unanswered_since: datetime | None = None,
    updated_since: datetime | None = None,
    **fields: Any,
) -> ConversationFilters:
    """The list filters from a request's words ('me', 'unassigned', aware times)."""
    assignee_id, unassigned = resolve_assignee_filter(actor, assignee)
    require_aware("unanswered_since", unanswered_since)
    require_aware("updated_since", updated_since)
    return ConversationFilters(
        assignee_id=assignee_id,
        unassigned=unassigned,
        unanswered_before=unanswered_since,
        updated_since=updated_since,
        **fields,
    )


def list_conversations(
    session: Session,
    actor: Actor,
    filters: ConversationFilters,
    *,
    order: str = "activity",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[ConversationView]:
    """Conversations matching the filters: latest activity first, or nearest due first."""
    actor.require(P.INBOX_VIEW)
    after = decode_cursor_or_invalid(cursor)
    limit = clamp_limit(limit)
    rows = repo.list_conversations(session, actor.workspace_id, filters, order, after, limit)
    if order == "due":
        page = Page.from_rows(rows, limit, key=lambda c: (c.response_due_at or repo.NO_DUE, c.id))
    else:
        page = Page.from_rows(rows, limit, key=lambda c: (c.last_message_at, c.id))
    return Page(conversation_views(session, actor, page.items), page.next_cursor)


def status_counts(session: Session, actor: Actor, filters: ConversationFilters) -> dict[str, int]:
    """Conversations per status under the other filters (every status present, 0 included)."""
    actor.require(P.INBOX_VIEW)
    counts = repo.status_counts(session, actor.workspace_id, filters)
    return {status.value: counts.get(status.value, 0) for status in CS}


def get_conversation(
    session: Session, actor: Actor, conversation_id: uuid.UUID
) -> ConversationDetail:
    """A conversation with its latest messages (oldest first) and internal notes."""
    actor.require(P.INBOX_VIEW)
    conversation = load_conversation(session, actor, conversation_id)
    latest = _messages_page(session, conversation, None, DETAIL_MESSAGES)
    messages = list(reversed(latest.items))
    notes = repo.notes_of(session, conversation.id)
    people = [m.sent_by for m in messages] + [n.author_id for n in notes]
    people.append(conversation.assignee_id)
    view = conversation_views(session, actor, [conversation])[0]
    return ConversationDetail(
        view=view,
        messages=messages,
        notes=notes,
        names=repo.user_names(session, people),
        capabilities=actions.supported_actions(view.channel),
        earlier_cursor=latest.next_cursor,
    )


def _messages_page(
    session: Session, conversation: Conversation, cursor: str | None, limit: int
) -> Page[InboxMessage]:
    after = decode_cursor_or_invalid(cursor)
    limit = clamp_limit(limit)
    rows = repo.messages_newest_first(session, conversation.id, after, limit)
    return Page.from_rows(rows, limit, key=lambda m: (m.created_at, m.id))


def list_messages(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[InboxMessage]:
    """A conversation's messages, newest first (a post's thread may hold thousands)."""
    actor.require(P.INBOX_VIEW)
    conversation = load_conversation(session, actor, conversation_id)
    return _messages_page(session, conversation, cursor, limit)


# --- changing a conversation ---------------------------------------------------------------


def _check_version(conversation: Conversation, expected: int | None) -> None:
    if expected is not None and expected != conversation.version:
        raise Conflict(
            "Someone changed this conversation meanwhile; reload it and try again.",
            code="stale_version",
        )


def changed(
    session: Session, actor: Actor, conversation: Conversation, before: dict[str, object]
) -> None:
    actions.touch(conversation)
    record(
        session,
        actor,
        "inbox.conversation.updated",
        "conversation",
        conversation.id,
        before=before,
        after=snapshot(conversation, AUDITED),
    )


def _update(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    version: int | None,
    change: Callable[[Conversation], None],
) -> Conversation:
    """Load (locked), check the version the caller saw, change, audit, bump the version."""
    actor.require(P.INBOX_REPLY)
    conversation = load_conversation(session, actor, conversation_id, lock=True)
    _check_version(conversation, version)
    before = snapshot(conversation, AUDITED)
    change(conversation)
    changed(session, actor, conversation, before)
    return conversation


def assign(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    assignee_id: uuid.UUID | None,
    *,
    version: int | None = None,
) -> Conversation:
    """Give the conversation to a member who can answer (None: to nobody)."""
    return _update(
        session,
        actor,
        conversation_id,
        version,
        lambda c: set_assignee(session, actor, c, assignee_id),
    )


@dataclass(frozen=True)
class ConversationChange:
    """What a person changes at once; None leaves a field as it is."""

    assignee_id: uuid.UUID | None = None
    unassign: bool = False
    status: str | None = None
    priority: str | None = None
    tags: Sequence[str] | None = None


def update_conversation(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    change: ConversationChange,
    *,
    version: int | None = None,
) -> Conversation:
    """Assignee, then status, priority and tags, in one audited change."""
    tags = clean_tags(change.tags) if change.tags is not None else None

    def apply(conversation: Conversation) -> None:
        if change.unassign or change.assignee_id is not None:
            new = None if change.unassign else change.assignee_id
            if new != conversation.assignee_id:
                set_assignee(session, actor, conversation, new)
        if change.status is not None:
            apply_status(conversation, change.status)
        if change.priority is not None:
            apply_priority(session, conversation, change.priority)
        if tags is not None:
            conversation.tags = tags

    return _update(session, actor, conversation_id, version, apply)


def set_assignee(
    session: Session, actor: Actor | None, conversation: Conversation, assignee_id: uuid.UUID | None
) -> None:
    """Assign without the permission check (rules call it too); checks the member."""
    if assignee_id is not None:
        roles = repo.member_roles(session, conversation.workspace_id, assignee_id)
        granted = permissions_of(frozenset(Role(r) for r in roles if r in Role._value2member_map_))
        if P.INBOX_VIEW not in granted:
            message = _("Assign the conversation to a member who works in the inbox.")
            raise Invalid(
                message,
                code="bad_assignee",
                errors=[FieldError("assignee_id", "member", message, actual=str(assignee_id))],
            )
    conversation.assignee_id = assignee_id
    if assignee_id is not None and conversation.status == CS.NEW.value:
        conversation.status = CS.ASSIGNED.value
    elif assignee_id is None and conversation.status == CS.ASSIGNED.value:
        conversation.status = CS.NEW.value
    if assignee_id is not None and actor is not None and assignee_id != actor.user_id:
        notify(
            session,
            conversation.workspace_id,
            [assignee_id],
            "inbox_assigned",
            {"conversation_id": str(conversation.id), "by": str(actor.user_id)},
        )


def set_status(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    status: str,
    *,
    version: int | None = None,
) -> Conversation:
    return _update(session, actor, conversation_id, version, lambda c: apply_status(c, status))


def apply_status(conversation: Conversation, status: str) -> None:
    if status not in CS._value2member_map_:
        message = _("The status is one of new, assigned, waiting, done.")
        raise Invalid(message, code="bad_status", errors=[FieldError("status", "enum", message)])
    if status == CS.ASSIGNED.value and conversation.assignee_id is None:
        message = _("Assign someone to move the conversation to 'assigned'.")
        raise Invalid(
            message, code="nobody_assigned", errors=[FieldError("status", "assignee", message)]
        )
    conversation.status = status


def set_priority(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    priority: str,
    *,
    version: int | None = None,
) -> Conversation:
    """Change the priority; the first-response due time follows the new target."""
    return _update(
        session, actor, conversation_id, version, lambda c: apply_priority(session, c, priority)
    )


def apply_priority(session: Session, conversation: Conversation, priority: str) -> None:
    if priority not in Priority._value2member_map_:
        message = _("The priority is one of low, normal, high, urgent.")
        raise Invalid(
            message, code="bad_priority", errors=[FieldError("priority", "enum", message)]
        )
    if conversation.priority != priority:
        conversation.priority = priority
        sla.on_priority_changed(session, conversation)


def clean_tags(tags: Sequence[str], field_name: str = "tags") -> list[str]:
    """Trimmed, lower-cased, each once, in order; too many or too long are refused."""
    cleaned = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
    errors = [
        FieldError(field_name, "max_length", "A tag is 40 characters at most.", limit=40, actual=t)
        for t in cleaned
        if len(t) > MAX_TAG_LENGTH
    ]
    if len(cleaned) > MAX_TAGS:
        message = _("20 tags at most.")
        errors.append(FieldError(field_name, "max_items", message, limit=MAX_TAGS))
    if errors:
        raise Invalid("Some tags are refused.", code="bad_tags", errors=errors)
    return cleaned


def set_tags(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    tags: Sequence[str],
    *,
    version: int | None = None,
) -> Conversation:
    """Replace the conversation's tags."""
    cleaned = clean_tags(tags)

    def change(conversation: Conversation) -> None:
        conversation.tags = cleaned

    return _update(session, actor, conversation_id, version, change)


# --- notes -----------------------------------------------------------------------------------


def add_note(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    body: str,
    mentions: Sequence[uuid.UUID] = (),
) -> InboxNote:
    """An internal note; each member @mentioned (by address) or listed is notified."""
    actor.require(P.INBOX_VIEW)
    conversation = load_conversation(session, actor, conversation_id)
    body = body.strip()
    if not body or len(body) > MAX_NOTE_LENGTH:
        message = _("A note holds 1 to 5000 characters.")
        raise Invalid(
            message,
            code="bad_note",
            errors=[FieldError("body", "length", message, limit=MAX_NOTE_LENGTH, actual=len(body))],
        )
    mentioned = resolve_mentions(session, actor, body, mentions)
    note = InboxNote(
        conversation_id=conversation.id,
        author_id=actor.user_id,
        body=body,
        mentions=[str(u) for u in mentioned],
        created_at=utcnow(),
    )
    repo.add(session, note)
    actions.touch(conversation)
    notify(
        session,
        actor.workspace_id,
        set(mentioned) - {actor.user_id},
        INBOX_MENTION,
        {
            "conversation_id": str(conversation.id),
            "note_id": str(note.id),
            "excerpt": body[:140],
            "by": str(actor.user_id),
        },
    )
    record(session, actor, "inbox.note.created", "inbox_note", note.id, after=snapshot(note))
    return note


# --- answers and moderation ----------------------------------------------------------------


def reply(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    text: str,
    *,
    parent_message_id: uuid.UUID | None = None,
) -> InboxMessage:
    """Answer on the network (after approval when the replier's role needs it)."""
    actor.require(P.INBOX_REPLY)
    conversation = load_conversation(session, actor, conversation_id, lock=True)
    parent = None
    if parent_message_id is not None:
        parent = load_message(session, actor, parent_message_id)
    return actions.request_reply(session, actor, conversation, text, parent_message=parent)


def _pending(session: Session, actor: Actor, message_id: uuid.UUID) -> InboxMessage:
    actor.require(P.INBOX_MODERATE)
    message = load_message(session, actor, message_id)
    if message.outbound_state != OutboundState.PENDING_APPROVAL.value:
        raise Conflict("This reply is not waiting for approval.", code="not_pending_approval")
    if message.sent_by == actor.user_id and not actor.has_role(Role.OWNER):
        raise Forbidden(
            "Someone other than its author approves a reply.", code="own_reply_approval"
        )
    return message


def approve_reply(session: Session, actor: Actor, message_id: uuid.UUID) -> InboxMessage:
    """Send a reply that waited for approval."""
    message = _pending(session, actor, message_id)
    actions.release_approved(session, message, actor)
    record(
        session,
        actor,
        "inbox.reply.approved",
        "inbox_message",
        message.id,
        after={"state": message.outbound_state},
    )
    return message


def reject_reply(
    session: Session, actor: Actor, message_id: uuid.UUID, reason: str = ""
) -> InboxMessage:
    """Refuse a reply that waited for approval; its author is told why."""
    message = _pending(session, actor, message_id)
    message.outbound_state = OutboundState.REJECTED.value
    message.approved_by = actor.user_id
    message.failure_reason = reason.strip()[:500] or None
    conversation = repo.get_conversation(session, actor.workspace_id, message.conversation_id)
    if conversation is not None:
        actions.touch(conversation)
    if message.sent_by is not None:
        notify(
            session,
            actor.workspace_id,
            [message.sent_by],
            REPLY_REJECTED,
            {
                "conversation_id": str(message.conversation_id),
                "message_id": str(message.id),
                "reason": message.failure_reason or "",
                "by": str(actor.user_id),
            },
        )
    record(
        session,
        actor,
        "inbox.reply.rejected",
        "inbox_message",
        message.id,
        after={"state": message.outbound_state, "reason": message.failure_reason},
    )
    return message


def hide_message(
    session: Session, actor: Actor, message_id: uuid.UUID, hidden: bool = True
) -> InboxMessage:
    actor.require(P.INBOX_MODERATE)
    message = load_message(session, actor, message_id)
    return actions.request_hide(session, message, hidden, actor=actor)


def delete_message(session: Session, actor: Actor, message_id: uuid.UUID) -> InboxMessage:
    actor.require(P.INBOX_MODERATE)
    message = load_message(session, actor, message_id)
    return actions.request_delete(session, message, actor=actor)


def like_message(session: Session, actor: Actor, message_id: uuid.UUID) -> InboxMessage:
    actor.require(P.INBOX_REPLY)
    message = load_message(session, actor, message_id)
    return actions.request_like(session, message, actor=actor)
