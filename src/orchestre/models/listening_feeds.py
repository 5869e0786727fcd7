"""Listening feeds: the RSS and Atom feeds a workspace follows, and the entries already seen.

A feed is read on its own clock (conditional GET: its `etag` and `last_modified` make an
unchanged feed a 304); each entry it lists becomes a mention of every active query that
matches it (network "rss", see listening/feeds_collect.py). `FeedEntry` remembers the
entries already seen, so "entries seen" counts each article once however often it is read.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class ListeningFeed(IdMixin, TimestampMixin, Base):
    """A news site's or blog's feed (RSS 0.9x/1.0/2.0, Atom 1.0) read by listening."""

    __tablename__ = "listening_feeds"
    __table_args__ = (UniqueConstraint("workspace_id", "url"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    # Given by the person, else the feed's own title when it was added.
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # The validators of the last full read, sent back so an unchanged feed answers 304.
    etag: Mapped[str | None] = mapped_column(String(500), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    # A fingerprint of the workspace's active queries when the entries were last matched:
    # when they differ (a query added or changed), the next read ignores the validators, so
    # a new query sees what the feed lists even if the feed itself has not changed.
    matched_queries: Mapped[str | None] = mapped_column(String(64), default=None)
    next_read_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_read_at: Mapped[datetime | None] = mapped_column(default=None)
    entries_seen: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # The broken rule of the last failed read (`unreachable`, `not_a_feed`...), None after a
    # good one; `last_error_detail` says more (an HTTP status, never a secret).
    last_error: Mapped[str | None] = mapped_column(String(40), default=None)
    last_error_detail: Mapped[str | None] = mapped_column(String(500), default=None)


class FeedEntry(IdMixin, Base):
    """One entry of a feed, seen at least once (its key: the entry's id, else its link)."""

    __tablename__ = "listening_feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "key"),)

    feed_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listening_feeds.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
