"""Queueing: weekly posting slots per channel, and how a variant repeats (RRULE or evergreen).

A slot is a wall-clock time on a weekday in the workspace's time zone (Monday 09:00); the
UTC instant of each slot is computed when it is used, so 09:00 stays 09:00 across a
daylight saving change. A repeat belongs to one variant: either an RFC 5545 rule expanded
in the workspace's wall time from `start_local`, or evergreen recycling that puts the
variant back in its channel's queue no sooner than `min_gap_days` after it went out.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.db import Base, IdMixin, TimestampMixin


class PostingSlot(IdMixin, Base):
    __tablename__ = "posting_slots"
    __table_args__ = (UniqueConstraint("channel_id", "weekday", "minute"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    # Indexed by the unique constraint (channel first).
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    # 0 = Monday ... 6 = Sunday, as datetime.weekday().
    weekday: Mapped[int] = mapped_column(SmallInteger)
    # Minutes after local midnight (09:00 -> 540).
    minute: Mapped[int] = mapped_column(SmallInteger)


class RepeatKind(enum.StrEnum):
    RRULE = "rrule"
    EVERGREEN = "evergreen"


class VariantRepeat(IdMixin, TimestampMixin, Base):
    """A variant that goes out more than once: occurrences 1, 2, ... are its publications."""

    __tablename__ = "variant_repeats"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("post_variants.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    # RRULE: the rule's text (without DTSTART) and its first wall time, YYYY-MM-DDTHH:MM.
    rule: Mapped[str] = mapped_column(String(500), default="")
    start_local: Mapped[str] = mapped_column(String(16), default="")
    # EVERGREEN: the least number of days between two copies on the channel.
    min_gap_days: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # Why the next occurrence could not be planned (no slot, rule ended), for the team.
    note: Mapped[str] = mapped_column(String(500), default="")
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
