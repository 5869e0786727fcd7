"""Moderation: the workspace's rules, the log of every automatic action, and crisis detection.

A rule is conditions -> actions, both stored as JSON documents that
`orchestre.moderation` validates; its log entry keeps the rule, the message, the scores
the decision saw and what was done, so a person can see why and undo it.
The crisis detector keeps its rolling baseline per workspace as a JSON state, and each
alert keeps its evidence.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class ModerationRule(IdMixin, TimestampMixin, Base):
    __tablename__ = "moderation_rules"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    # Rules run in this order; `stop` ends the run for a message once this one matched.
    position: Mapped[int] = mapped_column(Integer, default=0)
    stop: Mapped[bool] = mapped_column(default=False)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # A starter rule keeps its key so it is not installed twice.
    starter_key: Mapped[str | None] = mapped_column(String(60), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class ModerationAction(IdMixin, Base):
    """One action a rule took (or tried) on one message."""

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_workspace_at", "workspace_id", "at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    rule_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("moderation_rules.id", ondelete="SET NULL"), default=None, index=True
    )
    rule_name: Mapped[str] = mapped_column(String(200), default="")
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbox_messages.id", ondelete="CASCADE"), default=None, index=True
    )
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbox_conversations.id", ondelete="CASCADE"), default=None
    )
    action: Mapped[str] = mapped_column(String(30))  # hide, delete, tag, assign, ...
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The labels and scores the rule saw, and which conditions matched.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # done | failed | undone
    status: Mapped[str] = mapped_column(String(12), default="done")
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(default=None)
    undone_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class CrisisWatch(IdMixin, Base):
    """The detector's rolling baseline for one workspace, and how far it has read."""

    __tablename__ = "crisis_watches"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The next time bucket to feed (all before it has been observed).
    next_bucket_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CrisisAlert(IdMixin, Base):
    __tablename__ = "crisis_alerts"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # volume, negative_share, toxic_share
    key: Mapped[str] = mapped_column(String(200))  # workspace, channel:<id>, topic:<term>
    severity: Mapped[str] = mapped_column(String(12), default="warning")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # observed vs expected, score, top terms and hashtags, sample messages, channels.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # open -> acknowledged -> resolved
    status: Mapped[str] = mapped_column(String(14), default="open")
    crisis_mode_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
