"""The community inbox: who writes to the brand, the conversations, and every message in them.

A message is one comment, reply, mention or direct message as a network reported it
(inbound) or as a person of the team answered it (outbound). It is stored once per
channel and network id (`uq_inbox_messages_channel_external`), so a poll and a webhook
that both bring it, or a poll repeated after a crash, never make a second row. Messages
group into a conversation: a post's comment thread, a mention's thread, or the direct
messages with one person. The team works conversations (status, assignee, priority,
first-response target); the classifiers' labels live on each message.

A message lands even when classification fails: `classified` stays False and
`classify_error` says why, so it is flagged rather than lost.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class ConversationStatus(enum.StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    WAITING = "waiting"  # answered, waiting for the person to come back
    DONE = "done"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class OutboundState(enum.StrEnum):
    """An answer of ours, from the inbox to the network."""

    PENDING_APPROVAL = "pending_approval"  # a sensitive reply waits for a reviewer
    QUEUED = "queued"  # approved (or needing none): the send job will take it
    SENDING = "sending"  # the request may have left: look before sending again
    SENT = "sent"
    FAILED = "failed"  # refused by the network, with its reason
    REJECTED = "rejected"  # refused by the reviewer


class InboxAuthor(IdMixin, TimestampMixin, Base):
    """A person (or account) who wrote to the brand on one network."""

    __tablename__ = "inbox_authors"
    __table_args__ = (UniqueConstraint("workspace_id", "network", "external_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    network: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    followers: Mapped[int | None] = mapped_column(Integer, default=None)
    # customer, vip, influencer, troll, or the team's own words.
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(IdMixin, TimestampMixin, Base):
    __tablename__ = "inbox_conversations"
    __table_args__ = (
        UniqueConstraint("channel_id", "kind", "root_external_id"),
        Index("ix_inbox_conversations_list", "workspace_id", "status", "last_message_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    # comment (a post's thread), mention (a mention's thread) or message (direct messages).
    kind: Mapped[str] = mapped_column(String(20))
    # The post's id for comments, the first mention's id, or the other person's id for DMs.
    root_external_id: Mapped[str] = mapped_column(String(200))
    # Our variant when the comments are on a post Orchestre published.
    variant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("post_variants.id", ondelete="SET NULL"), default=None, index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbox_authors.id", ondelete="SET NULL"), default=None, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=ConversationStatus.NEW.value)
    priority: Mapped[str] = mapped_column(String(16), default=Priority.NORMAL.value)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The oldest inbound message not answered yet (None: nothing waits for us).
    awaiting_since: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # First-response target for what waits now, and when it was missed.
    response_due_at: Mapped[datetime | None] = mapped_column(default=None)
    breached_at: Mapped[datetime | None] = mapped_column(default=None)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped on every change, so a page knows what to refresh.
    version: Mapped[int] = mapped_column(Integer, default=0)


class InboxMessage(IdMixin, Base):
    __tablename__ = "inbox_messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id", name="uq_inbox_messages_channel_external"),
        Index("ix_inbox_messages_conversation", "conversation_id", "created_at"),
        Index("ix_inbox_messages_workspace_received", "workspace_id", "received_at"),
        # The sweeper's look for replies still on their way (inbound rows hold NULL).
        Index("ix_inbox_messages_outbound_state", "outbound_state"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inbox_conversations.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbox_authors.id", ondelete="SET NULL"), default=None, index=True
    )
    direction: Mapped[str] = mapped_column(String(10), default=Direction.INBOUND.value)
    kind: Mapped[str] = mapped_column(String(20))  # comment / reply / mention / message
    # The network's id; for an outbound reply not sent yet, "pending:<id>".
    external_id: Mapped[str] = mapped_column(String(200))
    parent_external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    post_external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    url: Mapped[str | None] = mapped_column(String(2048), default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # the network's instant
    received_at: Mapped[datetime] = mapped_column(default=utcnow)  # when it reached us
    # How it came: poll or webhook (for outbound: inbox, rule).
    source: Mapped[str] = mapped_column(String(16), default="poll")
    hidden: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    liked: Mapped[bool] = mapped_column(default=False)

    # What the classifiers said (None until classified).
    classified: Mapped[bool] = mapped_column(default=False)
    classify_error: Mapped[str | None] = mapped_column(String(500), default=None)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    sentiment: Mapped[str | None] = mapped_column(String(10), default=None)
    sentiment_score: Mapped[float | None] = mapped_column(default=None)
    toxicity: Mapped[str | None] = mapped_column(String(10), default=None)
    toxicity_score: Mapped[float | None] = mapped_column(default=None)
    spam: Mapped[bool | None] = mapped_column(default=None)
    spam_score: Mapped[float | None] = mapped_column(default=None)
    needs_response: Mapped[bool | None] = mapped_column(default=None)
    response_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    # Every label's scores and the words that drove each decision.
    classification: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Outbound only: who wrote it, its sending state and idempotency reference.
    sent_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    outbound_state: Mapped[str | None] = mapped_column(String(20), default=None)
    client_ref: Mapped[str | None] = mapped_column(String(80), default=None)
    # A job answers for the reply until `sending_until`; after that the resender hands it
    # to a new job with a new `send_token`, and a job holding another token stands aside.
    sending_until: Mapped[datetime | None] = mapped_column(default=None)
    send_token: Mapped[str | None] = mapped_column(String(32), default=None)
    approved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    failure_reason: Mapped[str | None] = mapped_column(String(500), default=None)


class InboxCursor(IdMixin, Base):
    """Where polling of one channel's stream (comments, mentions, messages) stands."""

    __tablename__ = "inbox_cursors"
    __table_args__ = (UniqueConstraint("channel_id", "stream"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(20))
    cursor: Mapped[str | None] = mapped_column(Text, default=None)
    next_poll_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Lease so two pollers never read the same stream at once.
    leased_until: Mapped[datetime | None] = mapped_column(default=None)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    last_polled_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookReceipt(IdMixin, Base):
    """A signed webhook payload already taken: a replay of it is refused."""

    __tablename__ = "inbox_webhook_receipts"
    __table_args__ = (UniqueConstraint("network", "digest"),)

    network: Mapped[str] = mapped_column(String(40))
    # SHA-256 of the raw body (and the network's delivery id when it sends one).
    digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class InboxNote(IdMixin, Base):
    """An internal note on a conversation, never sent to the network."""

    __tablename__ = "inbox_notes"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inbox_conversations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[str]] = mapped_column(JSON, default=list)  # user ids
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedReply(IdMixin, TimestampMixin, Base):
    """A reusable answer with variables such as {first_name} or {order_id}."""

    __tablename__ = "inbox_saved_replies"
    __table_args__ = (UniqueConstraint("workspace_id", "name", "language"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8), default="en")
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A holding statement, offered first during a crisis.
    holding_statement: Mapped[bool] = mapped_column(default=False)


class ResponseTarget(IdMixin, Base):
    """First-response target: for a channel (or every channel when None) and a priority."""

    __tablename__ = "inbox_response_targets"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", "priority"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), default=None
    )
    priority: Mapped[str] = mapped_column(String(16), default=Priority.NORMAL.value)
    minutes: Mapped[int] = mapped_column(Integer)
