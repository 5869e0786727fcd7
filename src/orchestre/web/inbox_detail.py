"""The open conversation as the inbox page shows it: its timeline (with the rule that hid a
message), the author's history across channels, the saved replies in the conversation's
language first, and whether this person's replies wait for approval."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from orchestre.errors import NotFound
from orchestre.inbox import authors, replies
from orchestre.inbox import service as inbox
from orchestre.kit.clock import utcnow
from orchestre.models import Channel, Conversation, InboxAuthor, SavedReply
from orchestre.moderation import service as moderation
from orchestre.moderation.repository import ActionFilter
from orchestre.web import i18n
from orchestre.web.i18n import gettext as _
from orchestre.web.inbox_present import (
    TimelineItem,
    Timer,
    author_label,
    excerpt,
    names_of,
    timeline_of,
    timer_of,
)
from orchestre.web.session import WorkspaceView

HISTORY = 8


@dataclass(frozen=True)
class HistoryItem:
    id: uuid.UUID
    network: str
    label: str
    excerpt: str
    status: str
    when: datetime


@dataclass(frozen=True)
class Detail:
    conversation: Conversation
    channel: Channel
    author: InboxAuthor | None
    author_name: str
    kind_label: str
    timer: Timer | None
    timeline: list[TimelineItem]
    history: list[HistoryItem]
    # The same handle on other networks, and every message across them.
    other_accounts: list[InboxAuthor]
    message_count: int
    saved_replies: list[tuple[str, list[SavedReply]]]
    needs_approval: bool
    names: dict[str, str]
    # What the channel's network lets us do here: reply, hide_comment, delete_comment, like.
    allows: frozenset[str]


def detail_of(view: WorkspaceView, conversation_id: uuid.UUID) -> Detail:
    found = inbox.get_conversation(view.db, view.actor, conversation_id)
    conversation, author = found.view.conversation, found.view.author
    channel = found.view.channel
    if channel is None:  # a conversation always has its channel; this keeps mypy honest
        raise NotFound("Conversation not found.", code="conversation_not_found")
    name, _handle = author_label(author)
    card = (
        authors.author_card(view.db, view.actor, conversation.author_id)
        if conversation.author_id
        else None
    )
    return Detail(
        conversation=conversation,
        channel=channel,
        author=author,
        author_name=name,
        kind_label=names_of()["kind"].get(conversation.kind, conversation.kind),
        timer=timer_of(conversation, utcnow()),
        timeline=_with_rules(view, timeline_of(found, name)),
        history=_history(card, conversation),
        other_accounts=card.other_accounts if card else [],
        message_count=card.message_count if card else 0,
        saved_replies=_saved_replies(view, _language_of(found)),
        needs_approval=needs_approval(view),
        names={str(k): v for k, v in found.names.items()},
        allows=frozenset(found.capabilities),
    )


def _history(card: authors.AuthorCard | None, conversation: Conversation) -> list[HistoryItem]:
    """The author's other conversations, on every channel (the same handle elsewhere too)."""
    if card is None:
        return []
    kinds = names_of()["kind"]
    return [
        HistoryItem(
            id=item.conversation.id,
            network=item.channel.network if item.channel else "",
            label=kinds.get(item.conversation.kind, item.conversation.kind),
            excerpt=excerpt(item.last_message.text) if item.last_message else "",
            status=item.conversation.status,
            when=item.conversation.last_message_at,
        )
        for item in card.conversations
        if item.conversation.id != conversation.id
    ][:HISTORY]


def _saved_replies(view: WorkspaceView, language: str | None) -> list[tuple[str, list[SavedReply]]]:
    """Saved replies by language: the conversation's language first, then the reader's."""
    by_language: dict[str, list[SavedReply]] = {}
    for saved in replies.list_saved_replies(view.db, view.actor):
        by_language.setdefault(saved.language, []).append(saved)
    first = [language or "", i18n.current().locale]

    def rank(code: str) -> tuple[int, str]:
        return (first.index(code) if code in first else len(first), code)

    return sorted(by_language.items(), key=lambda item: rank(item[0]))


def _with_rules(view: WorkspaceView, items: list[TimelineItem]) -> list[TimelineItem]:
    """Name the rule that hid a hidden message (the moderation log says; undo is there)."""
    for item in items:
        m = item.message
        if m is None or not m.hidden:
            continue
        logged = moderation.list_actions(
            view.db, view.actor, ActionFilter(message_id=m.id, action="hide"), limit=1
        ).items
        if logged and logged[0].entry.status == "done":
            item.by_rule = logged[0].entry.rule_name or _("a rule")
    return items


def _language_of(found: inbox.ConversationDetail) -> str | None:
    inbound = [m for m in found.messages if m.direction == "inbound" and m.language]
    return inbound[-1].language if inbound else None


def needs_approval(view: WorkspaceView) -> bool:
    """Whether this person's replies wait for a reviewer (the workspace's sensitive roles)."""
    sensitive = set(view.workspace.reply_approval_roles or [])
    return bool(sensitive & {role.value for role in view.actor.roles})
