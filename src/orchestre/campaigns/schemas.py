"""Request and response bodies of the campaigns API (plan, pacing, results import, webhook)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from orchestre.apischema import InputModel, LaxDate, LaxUUID, OutputModel
from orchestre.calendar.schemas import ImportRowError


class BudgetIn(InputModel):
    amount: float = Field(ge=0, le=10_000_000_000)
    starts_on: LaxDate
    ends_on: LaxDate
    channel_id: LaxUUID | None = Field(default=None, description="null: the whole campaign")


class PlanIn(InputModel):
    objective: str | None = Field(
        default=None, description="awareness, traffic, engagement, leads or sales"
    )
    budgets: list[BudgetIn] = Field(
        default_factory=list, max_length=100, description="the flights; replaces all of them"
    )


class BudgetOut(OutputModel):
    id: uuid.UUID
    amount: float
    starts_on: date
    ends_on: date
    channel_id: uuid.UUID | None


class Plan(OutputModel):
    campaign_id: uuid.UUID
    objective: str | None
    currency: str
    budgets: list[BudgetOut]


class PacingDay(OutputModel):
    day: date
    planned: float = Field(description="cumulative planned spend at the end of the day")
    actual: float | None = Field(description="cumulative actual spend; null after yesterday")


class Pacing(OutputModel):
    status: str = Field(description="ahead, on_track, behind (band +-10 %) or no_plan")
    as_of: date = Field(description="the last complete local day (yesterday)")
    total: float
    planned: float = Field(description="planned spend up to as_of")
    actual: float = Field(description="actual spend up to as_of")
    pace: float | None = Field(description="actual / planned; null when nothing was planned")
    run_rate: float = Field(description="mean daily spend over the last 7 flight days")
    days_left: int = Field(description="flight days after as_of")
    projected: float = Field(description="actual + run_rate x days_left")
    alert: str | None = Field(description="over or under when projected leaves the band")
    series: list[PacingDay]


class RecordSummary(OutputModel):
    inserted: int
    updated: int
    unchanged: int


class ResultsImport(OutputModel):
    rows: int
    rejected_rows: int
    recorded: RecordSummary
    rejected: list[ImportRowError]


class HookSecret(OutputModel):
    secret: str = Field(description="shown once; sign with HMAC-SHA256 (see docs/campaigns.md)")
    secret_hint: str
    url: str


class HookReceived(OutputModel):
    duplicate: bool = Field(description="true: this signed body was taken before, ignored")
    recorded: RecordSummary
