"""API models of the KPI engine: KPI tables, series, top posts, heatmap, goals."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from orchestre.apischema import InputModel, LaxDate, LaxUUID, OutputModel

Number = Annotated[float, Field(strict=False, allow_inf_nan=False)]


class KpiDefinition(OutputModel):
    name: str
    label: str
    unit: str = Field(description="ratio (0.045 = 4.5 %), percent, count, currency or seconds")
    higher_is_better: bool
    source: str = Field(description="posts, campaigns, channels, inbox or listening")
    formula: str = Field(description="As written in docs/kpis.md")
    cumulative: bool = Field(description="A total that grows over the period (else a rate)")
    available: bool
    why_unavailable: str


class PeriodOut(OutputModel):
    name: str
    first: date = Field(description="First day, inclusive, on the workspace's clock")
    last: date = Field(description="Last day, inclusive")
    timezone: str
    start: datetime = Field(description="UTC instant the first day starts")
    end: datetime = Field(description="UTC instant the day after the last day starts")
    days: int


class ChangeOut(OutputModel):
    absolute: float | None
    relative: float | None = Field(description="null when the previous value is 0 or unknown")


class KpiValueOut(OutputModel):
    kpi: str
    value: float | None = Field(description="null: not available")
    previous: float | None = Field(description="Over the previous period of equal length")
    change: ChangeOut
    coverage: int | None = Field(
        description="How many posts (campaign rows, channels, messages) the value rests on"
    )
    available: bool = Field(description="false: this KPI cannot be cut this way")
    note: str


class KpiGroupOut(OutputModel):
    key: str | None = Field(description="The group's id or name; null for the whole selection")
    label: str
    values: list[KpiValueOut]


class KpiTableOut(OutputModel):
    period: PeriodOut
    previous_period: PeriodOut
    group_by: str | None
    kpis: list[KpiDefinition]
    total: KpiGroupOut
    groups: list[KpiGroupOut]


class SeriesPointOut(OutputModel):
    start: date = Field(description="First day of the day / week / month")
    values: dict[str, float | None]
    coverage: dict[str, int | None]


class SeriesOut(OutputModel):
    period: PeriodOut
    interval: str
    kpis: list[KpiDefinition]
    points: list[SeriesPointOut]


class PostRowOut(OutputModel):
    publication_id: uuid.UUID
    post_id: uuid.UUID
    variant_id: uuid.UUID
    channel_id: uuid.UUID
    network: str
    format: str
    published_at: datetime
    campaign_id: uuid.UUID | None
    pillar_id: uuid.UUID | None
    text: str
    value: float
    metrics: dict[str, float | None] = Field(description="Latest figures; null: not available")


class TopPostsOut(OutputModel):
    period: PeriodOut
    kpi: KpiDefinition
    order: str
    posts: list[PostRowOut]


class HeatCellOut(OutputModel):
    weekday: int = Field(description="0 = Monday ... 6 = Sunday, on the workspace's clock")
    hour: int
    value: float | None
    posts: int
    coverage: int


class HeatmapOut(OutputModel):
    period: PeriodOut
    kpi: KpiDefinition
    timezone: str
    cells: list[HeatCellOut]


class GoalCreate(InputModel):
    kpi: str = Field(max_length=40)
    target: Number
    period_start: LaxDate
    period_end: LaxDate
    channel_id: LaxUUID | None = None
    network: str | None = Field(default=None, max_length=32)
    campaign_id: LaxUUID | None = None
    note: str = Field(default="", max_length=500)


class GoalUpdate(InputModel):
    target: Number | None = None
    period_start: LaxDate | None = None
    period_end: LaxDate | None = None
    note: str | None = Field(default=None, max_length=500)


class Goal(OutputModel):
    id: uuid.UUID
    kpi: str
    channel_id: uuid.UUID | None
    network: str | None
    campaign_id: uuid.UUID | None
    period_start: date
    period_end: date
    target: float
    note: str
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class GoalProgressOut(OutputModel):
    goal: Goal
    kpi: KpiDefinition
    current: float | None
    target: float
    projected: float | None = Field(description="Expected at the end of the period")
    elapsed_share: float
    status: str = Field(
        description="met, on_track, at_risk, off_track, not_started or not_available"
    )
    coverage: int | None
