"""Posts: a base text and one variant per target channel, each with its own state."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orchestre.kit.db import Base, IdMixin, TimestampMixin


class VariantState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"


class Post(IdMixin, TimestampMixin, Base):
    __tablename__ = "posts"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    base_text: Mapped[str] = mapped_column(Text, default="")
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), default=None, index=True
    )
    pillar_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("content_pillars.id", ondelete="SET NULL"), default=None
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    internal_notes: Mapped[str] = mapped_column(Text, default="")
    # The approval round: a request for changes starts a new round of review.
    review_round: Mapped[int] = mapped_column(default=0)
    # The first scheduled time among variants, kept for date-range filters and ordering.
    scheduled_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    version: Mapped[int] = mapped_column(default=1)

    variants: Mapped[list[PostVariant]] = relationship(
        back_populates="post",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="PostVariant.position",
    )


class PostVariant(IdMixin, TimestampMixin, Base):
    __tablename__ = "post_variants"
    __table_args__ = (UniqueConstraint("post_id", "channel_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    link_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    first_comment: Mapped[str | None] = mapped_column(Text, default=None)
    options: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=VariantState.DRAFT.value, index=True)
    state_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    scheduled_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    external_id: Mapped[str | None] = mapped_column(String(255), default=None)
    external_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)

    post: Mapped[Post] = relationship(back_populates="variants", lazy="raise")
    media: Mapped[list[VariantMedia]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="VariantMedia.position"
    )


class VariantMedia(Base):
    __tablename__ = "variant_media"

    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("post_variants.id", ondelete="CASCADE"), primary_key=True
    )
    media_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("media_assets.id", ondelete="RESTRICT"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)
