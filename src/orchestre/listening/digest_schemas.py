"""API models of the weekly digest: its settings and the digests kept."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from orchestre.apischema import InputModel, OutputModel


class DigestSettingsIn(InputModel):
    enabled: bool = True
    weekday: int = Field(default=0, description="0 = Monday ... 6 = Sunday")
    hour: int = Field(default=8, description="0 to 23, on the workspace's clock")
    email: bool = Field(default=True, description="Also email it to the members who see listening")


class DigestSettingsOut(OutputModel):
    enabled: bool
    weekday: int
    hour: int
    email: bool
    timezone: str
    next_at: datetime = Field(description="The next digest's instant (UTC)")


class Recommendation(OutputModel):
    kind: str = Field(description="hashtag, topic, volume, negative, best_post or burst")
    figures: dict[str, Any] = Field(description="Every number the sentences say")
    en: str
    fr: str


class DigestSummary(OutputModel):
    id: uuid.UUID
    week_start: date
    period_start: datetime
    period_end: datetime
    created_at: datetime
    lines: int
    emailed_at: datetime | None


class DigestOut(DigestSummary):
    recommendations: list[Recommendation]
    facts: dict[str, Any]
    email_error: str | None
