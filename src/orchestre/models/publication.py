"""Publications: one row per time a variant goes out to its network, with its own state machine.

A variant says what to publish; a publication says when, who is sending it right now
(the claim and its lease), how many attempts it took and what the network answered.
The database is the source of truth: a worker that dies leaves a row whose lease
expires, and the next worker knows from the state whether the request may have left
(`sending`) and must be reconciled on the network before any retry.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class PublicationState(enum.StrEnum):
    SCHEDULED = "scheduled"  # waiting for its instant (or for its next attempt)
    CLAIMED = "claimed"  # a worker holds it; the request has not left
    SENDING = "sending"  # the request may have left: reconcile before any retry
    PUBLISHED = "published"
    FAILED = "failed"  # the network refused for good, or attempts ran out
    NEEDS_ATTENTION = "needs_attention"  # a person decides: missed, or credentials refused
    CANCELLED = "cancelled"  # unscheduled or edited before it went out


ACTIVE_STATES = frozenset(
    {PublicationState.SCHEDULED, PublicationState.CLAIMED, PublicationState.SENDING}
)


class Publication(IdMixin, TimestampMixin, Base):
    __tablename__ = "publications"
    __table_args__ = (
        UniqueConstraint("variant_id", "occurrence"),
        # The claim query: due rows first, by state.
        Index("ix_publications_state_due", "state", "due_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    # Indexed by the (variant_id, occurrence) unique constraint.
    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("post_variants.id", ondelete="CASCADE")
    )
    # 0 for a one-off; recurrences and evergreen recycling count up.
    occurrence: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(20), default=PublicationState.SCHEDULED.value)
    due_at: Mapped[datetime]
    # When a retry may start (None: at due_at).
    not_before: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    # The claim: who holds the row, a fencing token, and when the hold lapses.
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    sending_started_at: Mapped[datetime | None] = mapped_column(default=None)
    # A request may have reached the network without our hearing back: the next attempt
    # looks on the network first (by idempotency key, then by fingerprint).
    uncertain: Mapped[bool] = mapped_column(default=False)
    # The idempotency key sent to the network and the content's fingerprint.
    client_ref: Mapped[str] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    # The network's own handle on an unfinished attempt (TikTok's publish_id), to look it up.
    network_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    external_id: Mapped[str | None] = mapped_column(String(255), default=None)
    external_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    # Why it failed or waits, as the network said it; and the kind of failure.
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_error_kind: Mapped[str | None] = mapped_column(String(20), default=None)


class PublishingPause(IdMixin, Base):
    """A crisis pause: the whole workspace (channel_id None) or one channel holds its posts."""

    __tablename__ = "publishing_pauses"
    __table_args__ = (UniqueConstraint("workspace_id", "scope"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), default=None
    )
    # "workspace" or the channel's id: one pause per scope (NULLs would not be unique).
    scope: Mapped[str] = mapped_column(String(40))
    paused_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    paused_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateBucket(Base):
    """A token bucket shared by every worker when the database is the limiter (embedded)."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
