"""Listening: the queries a workspace follows, the posts they found, where collection stands.

A mention is one public post found by one query: the same post found by two queries is
two mentions (one per query), the same post found twice by one query is one
(`uq_listening_mentions_query_network_external`). A cursor remembers, per query, channel
and search string, the newest post already seen, so each collection reads only what is new.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class ListeningQuery(IdMixin, TimestampMixin, Base):
    """Keywords, phrases, #hashtags and @accounts a workspace follows (see listening/query.py)."""

    __tablename__ = "listening_queries"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(Text)
    # Empty = every network a connected channel can search; else only these.
    networks: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Empty = every language; else keep only posts in these (ISO 639-1) languages.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # What the query follows: "brand" (ours), "competitor" or "topic". Share of voice is
    # the brand's mentions among the brand's and its competitors' (docs/kpis.md).
    about: Mapped[str] = mapped_column(String(12), default="brand", server_default="brand")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    last_collected_at: Mapped[datetime | None] = mapped_column(default=None)


class Mention(IdMixin, Base):
    """A public post that a query found, classified, with its author's reach when known."""

    __tablename__ = "listening_mentions"
    __table_args__ = (
        UniqueConstraint(
            "query_id",
            "network",
            "external_id",
            name="uq_listening_mentions_query_network_external",
        ),
        Index("ix_listening_mentions_workspace_published", "workspace_id", "published_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    query_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listening_queries.id", ondelete="CASCADE"), index=True
    )
    network: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_followers: Mapped[int | None] = mapped_column(Integer, default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    sentiment: Mapped[str | None] = mapped_column(String(10), default=None)
    sentiment_score: Mapped[float | None] = mapped_column(default=None)
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # likes + reposts + comments the network showed when the post was found (share of
    # voice by engagement); None when it showed none.
    engagement: Mapped[int | None] = mapped_column(Integer, default=None)
    published_at: Mapped[datetime] = mapped_column()
    collected_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListeningCursor(IdMixin, Base):
    """Where collection of one query on one channel, for one search string, stands."""

    __tablename__ = "listening_cursors"
    __table_args__ = (UniqueConstraint("query_id", "channel_id", "search"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    query_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listening_queries.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(40))
    search: Mapped[str] = mapped_column(String(500))
    # The newest post already read: a later run stops paging when it reaches it.
    newest_at: Mapped[datetime | None] = mapped_column(default=None)
    newest_external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    next_collect_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    last_collected_at: Mapped[datetime | None] = mapped_column(default=None)
