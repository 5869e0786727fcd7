"""Experiments: A/B and A/B/n tests of creatives or formats, organic or paid.

An `Experiment` compares arms on one rate metric (CTR, engagement rate by reach or by
impressions, conversion rate) with its planning figures (alpha, power, minimum detectable
effect). Each `ExperimentArm` points at a post variant (organic: its publications'
figures) and/or a campaign (paid: its results); the arm at position 0 is the control.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.db import Base, IdMixin, TimestampMixin


class ExperimentStatus(enum.StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    STOPPED = "stopped"


class Experiment(IdMixin, TimestampMixin, Base):
    __tablename__ = "experiments"
    __table_args__ = (Index("ix_experiments_workspace_status", "workspace_id", "status"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    metric: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=ExperimentStatus.DRAFT.value)
    alpha: Mapped[float] = mapped_column(default=0.05)
    power: Mapped[float] = mapped_column(default=0.8)
    # The minimum detectable effect, relative to the baseline rate (0.1 = +10 %).
    mde: Mapped[float] = mapped_column(default=0.1)
    # The planner's inputs: the control's expected rate and trials per arm and day.
    baseline: Mapped[float | None] = mapped_column(default=None)
    daily_per_arm: Mapped[float | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    stopped_at: Mapped[datetime | None] = mapped_column(default=None)


class ExperimentArm(IdMixin, Base):
    __tablename__ = "experiment_arms"
    __table_args__ = (UniqueConstraint("experiment_id", "position"),)

    experiment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)  # 0 is the control
    name: Mapped[str] = mapped_column(String(80))
    variant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("post_variants.id", ondelete="SET NULL"), default=None
    )
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), default=None
    )
