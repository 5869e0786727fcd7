"""Content plans the assistant proposes: a plan for the next weeks and its items.

An item is one proposed post: a channel, a pillar, a time slot (UTC) and a draft text,
with what produced the text (the offline assistant or a provider, the prompt, the logged
call). It stays a proposal until a person accepts it (a draft post is created through the
posts service, `post_id`) or discards it.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.db import Base, IdMixin, TimestampMixin


class PlanItemStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DISCARDED = "discarded"


class AssistantPlan(IdMixin, TimestampMixin, Base):
    __tablename__ = "assistant_plans"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    weeks: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column()  # UTC, the first local midnight planned
    ends_at: Mapped[datetime] = mapped_column()  # UTC, excluded
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    # How the pillars were weighed: "targets" (their target shares) or "equal" (no target set).
    shares: Mapped[str] = mapped_column(String(16))
    # What produced the texts: the gateway's source and prompt, and its logged call if any.
    source: Mapped[str] = mapped_column(String(120))
    prompt_id: Mapped[str] = mapped_column(String(120))
    call_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    fell_back: Mapped[str | None] = mapped_column(Text, default=None)
    # The inputs as asked (channels, pillars, posts per week), for the record.
    inputs: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class AssistantPlanItem(IdMixin, TimestampMixin, Base):
    __tablename__ = "assistant_plan_items"
    __table_args__ = (Index("ix_assistant_plan_items_workspace_slot", "workspace_id", "slot_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistant_plans.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    pillar_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("content_pillars.id", ondelete="SET NULL"), default=None
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    slot_at: Mapped[datetime] = mapped_column()  # UTC
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=PlanItemStatus.PROPOSED.value)
    # The text's origin: "offline" or "provider:<model>", its prompt, the logged call.
    source: Mapped[str] = mapped_column(String(120))
    prompt_id: Mapped[str] = mapped_column(String(120))
    call_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # Why a provider's text for this item was not used (then the offline text is).
    fell_back: Mapped[str | None] = mapped_column(Text, default=None)
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None
    )
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
