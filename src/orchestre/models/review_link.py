"""Review links: a signed, expiring address through which someone without an account
sees a set of posts and approves them or comments (approvals/review_links.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.db import Base, IdMixin, TimestampMixin


class ReviewLink(IdMixin, TimestampMixin, Base):
    __tablename__ = "review_links"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reviewer_name: Mapped[str] = mapped_column(String(120))
    reviewer_email: Mapped[str] = mapped_column(String(254), default="")
    # SHA-256 of the whole signed token: the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # False: the reviewer may only comment.
    allow_decisions: Mapped[bool] = mapped_column(Boolean, default=True)
    # The review step the link was made to decide; its approvals count for that step only
    # (see docs/review-links.md). None: every decision is advisory.
    step_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("approval_steps.id", ondelete="SET NULL"), default=None
    )
    step_name: Mapped[str] = mapped_column(String(120), default="")
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    last_opened_at: Mapped[datetime | None] = mapped_column(default=None)
    open_count: Mapped[int] = mapped_column(Integer, default=0)


class ReviewLinkPost(Base):
    """One post of a link's set; deleting the post (or removing it) takes it out."""

    __tablename__ = "review_link_posts"

    link_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("review_links.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
