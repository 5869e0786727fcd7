"""Review steps of a workspace, the decisions taken on posts, and comments on drafts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class ApprovalStep(IdMixin, TimestampMixin, Base):
    __tablename__ = "approval_steps"
    __table_args__ = (UniqueConstraint("workspace_id", "position"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    # The role a member must hold to decide this step (owners may always decide).
    role: Mapped[str] = mapped_column(String(40))


class ApprovalDecision(IdMixin, Base):
    __tablename__ = "approval_decisions"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("approval_steps.id", ondelete="SET NULL"), default=None
    )
    step_name: Mapped[str] = mapped_column(String(120))
    round: Mapped[int]
    decision: Mapped[str] = mapped_column(String(20))  # approved | changes_requested
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A decision taken through a review link by someone without an account: who they said
    # they are, and whether it only advises (it then decides no step; docs/review-links.md).
    review_link_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    reviewer_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    reviewer_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    advisory: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PostComment(IdMixin, Base):
    __tablename__ = "post_comments"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    body: Mapped[str] = mapped_column(Text)
    mentioned_user_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A comment written through a review link: the reviewer's name stands for the author.
    review_link_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    author_label: Mapped[str] = mapped_column(String(160), default="", server_default="")
