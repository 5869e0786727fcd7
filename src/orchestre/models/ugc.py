"""User-generated content: the posts of others the team wants to share, the creators' rights.

A UGC item is one post by someone else (an inbox message or a listening mention) put on
the workspace's board, once per source (`uq_ugc_items_source`). Its status follows the
rights: collected -> rights_requested -> granted | refused | expired (an expired or
collected item may be asked again). A rights request is the message we sent to the creator
(through the inbox's reply path, so it is the outbound `InboxMessage` `reply_message_id`)
and, once the creator answered in that thread, the proof: their words, when, the link and
the network's id of their message. Only a granted item may go into a post
(`UgcPostLink`), and the post's variants must keep the creator's credit.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class UgcStatus(enum.StrEnum):
    COLLECTED = "collected"
    RIGHTS_REQUESTED = "rights_requested"
    GRANTED = "granted"
    REFUSED = "refused"
    EXPIRED = "expired"


class RightsState(enum.StrEnum):
    WAITING = "waiting"
    GRANTED = "granted"
    REFUSED = "refused"
    EXPIRED = "expired"


class UgcItem(IdMixin, TimestampMixin, Base):
    """A creator's post on the board, with who made it and where it lives."""

    __tablename__ = "ugc_items"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source_kind", "source_id", name="uq_ugc_items_source"),
        Index("ix_ugc_items_board", "workspace_id", "status", "collected_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    # inbox_message or mention; source_id is that row's id (kept when the row is gone).
    source_kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[uuid.UUID] = mapped_column()
    network: Mapped[str] = mapped_column(String(40))
    # The channel that answers the creator (and whose inbox hears their reply).
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), default=None
    )
    external_id: Mapped[str] = mapped_column(String(200), default="")
    # The creator: the network's id when known (inbox), always the handle.
    author_external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    permalink: Mapped[str | None] = mapped_column(String(2048), default=None)
    # Links to the creator's photos or videos found in the post, and the files the team
    # copied into the media library (asset ids), attached to posts made from the item.
    media_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    media_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=UgcStatus.COLLECTED.value)
    collected_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    collected_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)  # the creator's post


class RightsTemplate(IdMixin, TimestampMixin, Base):
    """A saved rights request in one language, with the words that grant or refuse."""

    __tablename__ = "ugc_rights_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "language", "name"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    grant_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    refuse_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)


class RightsRequest(IdMixin, TimestampMixin, Base):
    """What we asked the creator, and their answer kept as proof."""

    __tablename__ = "ugc_rights_requests"
    __table_args__ = (Index("ix_ugc_rights_requests_waiting", "conversation_id", "state"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ugc_items.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    # Copied from the template when sent: a later edit of it changes no pending request.
    grant_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    refuse_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbox_conversations.id", ondelete="SET NULL"), default=None
    )
    reply_message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbox_messages.id", ondelete="SET NULL"), default=None
    )
    sent_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The network's id of our message, once the send job knows it.
    sent_external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    expires_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default=RightsState.WAITING.value)
    # The proof: the creator's reply as the network gave it.
    answer_text: Mapped[str | None] = mapped_column(Text, default=None)
    answer_at: Mapped[datetime | None] = mapped_column(default=None)
    answer_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    answer_external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    answer_message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbox_messages.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class UgcPostLink(IdMixin, Base):
    """A post made from a UGC item: it may be scheduled only while the rights are granted."""

    __tablename__ = "ugc_post_links"
    __table_args__ = (UniqueConstraint("post_id", "item_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ugc_items.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
