"""Request and response bodies of the reports API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from orchestre.apischema import InputModel, LaxDate, OutputModel


class ReportCreate(InputModel):
    name: str = Field(max_length=200)
    language: str = Field(default="en", max_length=8)
    period: str = Field(default="last_30_days", max_length=20)
    period_start: LaxDate | None = None
    period_end: LaxDate | None = None
    filters: dict[str, Any] = Field(default_factory=dict)
    engagement_basis: str = Field(default="reach", max_length=16)
    blocks: list[dict[str, Any]] = Field(
        default_factory=list,
        description='Ordered blocks: {"kind": "kpis"|"chart"|"top_posts"|"comments"|'
        '"text"|"goals", ...} (see docs/reports.md)',
    )
    schedule: str | None = Field(default=None, max_length=10, description="weekly, monthly")
    schedule_weekday: int = Field(default=0, description="0 = Monday")
    schedule_day: int = Field(default=1, description="1 to 28")
    schedule_hour: int = Field(default=8, description="local hour, 0 to 23")
    recipients: list[str] = Field(default_factory=list, max_length=50)


class ReportUpdate(InputModel):
    """Only the fields given change; `version` (optional) refuses a stale edit."""

    version: int | None = None
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    period: str | None = Field(default=None, max_length=20)
    period_start: LaxDate | None = None
    period_end: LaxDate | None = None
    filters: dict[str, Any] | None = None
    engagement_basis: str | None = Field(default=None, max_length=16)
    blocks: list[dict[str, Any]] | None = None
    schedule: str | None = Field(default=None, max_length=10)
    schedule_weekday: int | None = None
    schedule_day: int | None = None
    schedule_hour: int | None = None
    recipients: list[str] | None = Field(default=None, max_length=50)


class Report(OutputModel):
    id: uuid.UUID
    name: str
    language: str
    period: str
    period_start: date | None
    period_end: date | None
    filters: dict[str, Any]
    engagement_basis: str
    blocks: list[dict[str, Any]]
    schedule: str | None
    schedule_weekday: int
    schedule_day: int
    schedule_hour: int
    recipients: list[str]
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_error: str | None
    shared: bool = Field(description="A share link exists and has not expired")
    share_expires_at: datetime | None
    version: int
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ShareCreate(InputModel):
    days: int = Field(default=30, description="1 to 365")


class ShareOut(OutputModel):
    token: str = Field(description="Shown once: only its hash is kept")
    url: str
    pdf_url: str
    expires_at: datetime
