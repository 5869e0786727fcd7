"""API models of experiments: the experiment and its arms, the planner, the analysis."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from orchestre.apischema import InputModel, LaxUUID, OutputModel

Number = Annotated[float, Field(strict=False, allow_inf_nan=False)]
Metric = Literal["ctr", "engagement_rate_reach", "engagement_rate_impressions", "conversion_rate"]


class ArmIn(InputModel):
    name: str = Field(min_length=1, max_length=80)
    variant_id: LaxUUID | None = Field(default=None, description="Organic: a post variant")
    campaign_id: LaxUUID | None = Field(default=None, description="Paid: a campaign")


class ExperimentCreate(InputModel):
    name: str = Field(min_length=1, max_length=120)
    hypothesis: str = Field(default="", max_length=2000)
    metric: Metric
    baseline: Number = Field(description="The control's expected rate, 0 to 1 (0.02 = 2 %)")
    mde: Number = Field(
        default=0.1, description="Minimum detectable effect, relative (0.1 = +10 %)"
    )
    alpha: Number = Field(default=0.05, description="Two-sided, for the whole experiment")
    power: Number = 0.8
    daily_per_arm: Number | None = Field(
        default=None, description="Expected trials (impressions, reach, clicks) per arm and day"
    )
    # 2 to 8, checked by the service (after the permission, so a refusal says which).
    arms: list[ArmIn] = Field(max_length=8, description="2 to 8 arms; the first is the control")


class ExperimentUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    hypothesis: str | None = Field(default=None, max_length=2000)
    metric: Metric | None = None
    baseline: Number | None = None
    mde: Number | None = None
    alpha: Number | None = None
    power: Number | None = None
    daily_per_arm: Number | None = None
    arms: list[ArmIn] | None = Field(default=None, max_length=8)


class Arm(OutputModel):
    id: uuid.UUID
    position: int = Field(description="0 is the control")
    name: str
    variant_id: uuid.UUID | None
    campaign_id: uuid.UUID | None


class Experiment(OutputModel):
    id: uuid.UUID
    name: str
    hypothesis: str
    metric: str
    status: str = Field(description="draft, running or stopped")
    baseline: float | None
    mde: float
    alpha: float
    power: float
    daily_per_arm: float | None
    started_at: datetime | None
    stopped_at: datetime | None
    created_at: datetime
    updated_at: datetime
    arms: list[Arm]


class PlanIn(InputModel):
    baseline: Number = Field(description="The control's expected rate, 0 to 1")
    mde: Number = Field(description="Minimum detectable effect, relative (0.1 = +10 %)")
    alpha: Number = 0.05
    power: Number = 0.8
    arms: int = Field(default=2, ge=2, le=8)
    daily_per_arm: Number | None = None


class PlanOut(OutputModel):
    per_arm: int = Field(description="Trials needed in each arm")
    total: int
    days: int | None = Field(description="At the daily sample given; null without it")
    alpha_per_comparison: float = Field(description="alpha / (arms - 1), Bonferroni")
    target_rate: float = Field(description="The rate the planner aims to detect")


class ArmFiguresOut(OutputModel):
    arm_id: uuid.UUID
    name: str
    trials: int = Field(description="Impressions (CTR), reach, or clicks (conversion rate)")
    successes: int = Field(description="Clicks, engagements or conversions")
    rate: float | None
    budget_share: float = Field(description="Suggested share of the budget (Thompson sampling)")
    probability_best: float


class VerdictOut(OutputModel):
    arm_id: uuid.UUID
    outcome: str = Field(
        description="wins, loses, no_difference_yet, no_difference or not_enough_data"
    )
    sentence: str
    lift: float = Field(description="Absolute: variant rate - control rate")
    lift_low: float
    lift_high: float
    relative: float | None = Field(description="variant rate / control rate - 1")
    relative_low: float | None
    relative_high: float | None
    p_value: float = Field(description="Always valid (mSPRT), against alpha_per_comparison")
    days_needed: int | None = Field(description="About how many more days; null if unknown")


class AnalysisOut(OutputModel):
    experiment_id: uuid.UUID
    status: str
    metric: str
    alpha_per_comparison: float
    days_running: float
    summary: str
    arms: list[ArmFiguresOut]
    verdicts: list[VerdictOut]
