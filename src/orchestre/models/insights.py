"""Post metrics: what the networks said about our published posts, sample by sample.

A `PostMetricSample` is one value of one metric (a `connectors.base.Metric` name) for one
publication at one instant, as a total so far (never an increment). The followers of
the channel's account at that instant are stored as the `followers` metric of the same
publication, so an engagement rate can be computed without another table.

A `MetricCollection` is the schedule of one publication's measurements: the next stage
(1 h, 6 h, 24 h, 3 days, 7 days and 30 days after publication), when it is due, and the
last failure. It is created by the collection job for each published publication it finds.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.db import Base, IdMixin


class PostMetricSample(IdMixin, Base):
    __tablename__ = "post_metric_samples"
    __table_args__ = (
        UniqueConstraint("publication_id", "metric", "measured_at"),
        # Best times read a channel's samples.
        Index("ix_post_metric_samples_channel_metric", "channel_id", "metric"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    # Indexed by the unique constraint (publication_id first).
    publication_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE")
    )
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float]
    measured_at: Mapped[datetime]
    # Which collection stage took it (0: the first, 1 h after publication).
    stage: Mapped[int] = mapped_column(default=0)


class MetricCollection(Base):
    __tablename__ = "metric_collections"
    __table_args__ = (Index("ix_metric_collections_done_next_at", "done", "next_at"),)

    publication_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    # The next stage to measure (an index into the schedule) and when it is due.
    stage: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[datetime]
    done: Mapped[bool] = mapped_column(default=False)
    # Failed attempts at the current stage, and the last failure's reason (never a secret).
    failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_collected_at: Mapped[datetime | None] = mapped_column(default=None)
