"""Competitor benchmarks: the competitors a workspace follows, their accounts per network,
a daily snapshot of each account's counts, and their recent posts with the latest counts.

An account is one handle on one network (`uq_competitor_accounts_workspace_network_external`:
a workspace follows an account once). Snapshots are one per account and UTC day, posts one
per account and network id: collecting again updates them in place.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class Competitor(IdMixin, TimestampMixin, Base):
    __tablename__ = "competitors"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class CompetitorAccount(IdMixin, TimestampMixin, Base):
    """One competitor's account on one network, as resolved when it was added."""

    __tablename__ = "competitor_accounts"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id",
            "network",
            "external_id",
            name="uq_competitor_accounts_workspace_network_external",
        ),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    competitor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("competitors.id", ondelete="CASCADE"), index=True
    )
    network: Mapped[str] = mapped_column(String(40))
    handle: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    # What the connector needs to read the posts again (YouTube's uploads playlist).
    extra: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    followers: Mapped[int | None] = mapped_column(Integer, default=None)
    next_collect_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    last_collected_at: Mapped[datetime | None] = mapped_column(default=None)


class CompetitorSnapshot(IdMixin, Base):
    """An account's public counts on one UTC day (the last reading of that day)."""

    __tablename__ = "competitor_snapshots"
    __table_args__ = (UniqueConstraint("account_id", "day"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("competitor_accounts.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column()
    at: Mapped[datetime] = mapped_column()
    followers: Mapped[int | None] = mapped_column(Integer, default=None)
    following: Mapped[int | None] = mapped_column(Integer, default=None)
    posts_count: Mapped[int | None] = mapped_column(Integer, default=None)


class CompetitorPost(IdMixin, Base):
    """A competitor's post with its latest public counts (None: the network hides it)."""

    __tablename__ = "competitor_posts"
    __table_args__ = (
        UniqueConstraint("account_id", "external_id"),
        Index("ix_competitor_posts_workspace_published", "workspace_id", "published_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("competitor_accounts.id", ondelete="CASCADE")
    )
    external_id: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column()
    format: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    likes: Mapped[int | None] = mapped_column(Integer, default=None)
    reposts: Mapped[int | None] = mapped_column(Integer, default=None)
    replies: Mapped[int | None] = mapped_column(Integer, default=None)
    quotes: Mapped[int | None] = mapped_column(Integer, default=None)
    views: Mapped[int | None] = mapped_column(Integer, default=None)
    # likes + reposts + replies + quotes (the counts the network shows), kept to rank by.
    engagement: Mapped[int] = mapped_column(Integer, default=0)
    measured_at: Mapped[datetime] = mapped_column(default=utcnow)
