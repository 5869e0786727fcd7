"""Listening's computed views: topic clusters cached per workspace and period, and the
weekly digest (its settings, and each week's digest kept so past ones can be read).

Topic clusters take seconds to compute (sentence embeddings), so a background loop
computes them and keeps the latest per (workspace, period length); pages only read it.
A digest is unique per (workspace, week): two workers that build the same week race on
that constraint and only one wins (see listening/digest_service.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin


class TopicSnapshot(IdMixin, Base):
    """The latest topic clusters of a workspace over its last `days` days."""

    __tablename__ = "listening_topic_snapshots"
    __table_args__ = (UniqueConstraint("workspace_id", "days"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    days: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[datetime | None] = mapped_column(default=None)
    period_end: Mapped[datetime | None] = mapped_column(default=None)
    computed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when a recomputation is wanted (new messages, a first request); cleared after.
    requested_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    # A worker computing it holds it until then (two workers never embed the same period).
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    volume: Mapped[int] = mapped_column(Integer, default=0)
    previous_volume: Mapped[int] = mapped_column(Integer, default=0)
    embedded: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    topics: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(String(500), default=None)


class DigestSettings(IdMixin, Base):
    """When a workspace's weekly digest is made: a weekday and hour of its time zone."""

    __tablename__ = "listening_digest_settings"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday
    hour: Mapped[int] = mapped_column(Integer, default=8)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Digest(IdMixin, Base):
    """One week's digest of a workspace: its facts and recommendations, with their figures."""

    __tablename__ = "listening_digests"
    __table_args__ = (UniqueConstraint("workspace_id", "week_start"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    week_start: Mapped[date] = mapped_column(Date)  # the Monday of the week it covers
    period_start: Mapped[datetime] = mapped_column()
    period_end: Mapped[datetime] = mapped_column()
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"kind", "figures": {...}, "en": "...", "fr": "..."}]
    recommendations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    # The emails: sent once; a sender holds the digest until `email_claimed_until`, and a
    # failure (no SMTP, server down) is kept and retried by the next rounds.
    emailed_at: Mapped[datetime | None] = mapped_column(default=None)
    emailed: Mapped[int] = mapped_column(Integer, default=0)
    email_claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    email_error: Mapped[str | None] = mapped_column(String(500), default=None)
