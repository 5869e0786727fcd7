"""The editorial line of a workspace: pillars, tone, banned words, required tags; campaigns."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.db import Base, IdMixin, TimestampMixin


class Severity(enum.StrEnum):
    WARNING = "warning"
    ERROR = "error"


class EditorialLine(TimestampMixin, Base):
    __tablename__ = "editorial_lines"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    tone_notes: Mapped[str] = mapped_column(Text, default="")
    banned_words: Mapped[list[str]] = mapped_column(JSON, default=list)
    banned_words_severity: Mapped[str] = mapped_column(String(16), default=Severity.ERROR.value)
    required_hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_mentions: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_severity: Mapped[str] = mapped_column(String(16), default=Severity.WARNING.value)


class ContentPillar(IdMixin, TimestampMixin, Base):
    __tablename__ = "content_pillars"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # Target share of published posts, in percent (0-100).
    target_share: Mapped[int] = mapped_column(default=0)
    color: Mapped[str] = mapped_column(String(16), default="#6366f1")


class Campaign(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(default=None)
    ends_on: Mapped[date | None] = mapped_column(default=None)
    budget: Mapped[float | None] = mapped_column(Numeric(12, 2, asdecimal=False), default=None)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    utm_campaign: Mapped[str | None] = mapped_column(String(120), default=None)
    # One of models.campaigns.CampaignObjective, or None when not stated.
    objective: Mapped[str | None] = mapped_column(String(16), default=None)
