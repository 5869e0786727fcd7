"""Request and response bodies of the calendar API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from orchestre.apischema import OutputModel


class CalendarEvent(OutputModel):
    """One variant on the calendar: `start` is the UTC instant, `local_start` the workspace's
    wall time (YYYY-MM-DDTHH:MM) at which people planned it."""

    id: str = Field(description="the event's stable id: the variant's, '-n' for a repeat's copy")
    variant_id: uuid.UUID
    occurrence: int = Field(description="0, or n for the n-th copy of a repeating variant")
    post_id: uuid.UUID
    channel_id: uuid.UUID
    network: str
    handle: str
    title: str = Field(description="channel handle and an excerpt of the text")
    status: str = Field(description="scheduled, publishing, published or failed")
    start: datetime
    local_start: str
    attention: bool = Field(description="a publication waits for a person (missed, credentials)")
    movable: bool = Field(description="the caller may drag it to another time")
    campaign_id: uuid.UUID | None
    pillar_id: uuid.UUID | None


class CalendarEvents(OutputModel):
    timezone: str
    events: list[CalendarEvent]
    truncated: bool = Field(description="more variants than one answer holds: narrow the range")


class CalendarFeed(OutputModel):
    """The caller's feed; `url` is only given when it is made or rotated."""

    exists: bool
    prefix: str | None = None
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    url: str | None = None


class ImportRowResult(OutputModel):
    row: int
    outcome: str = Field(description="scheduled, in_review or approved (not yet scheduled)")
    post_id: uuid.UUID | None = Field(description="null in a dry run")
    channel: str
    local_time: str


class ImportRowError(OutputModel):
    row: int = Field(description="the row as a spreadsheet numbers it (the header is row 1)")
    column: str
    rule: str
    message: str
    value: str = Field(description="what the rule measured: the cell, or the wall time")


class ImportReport(OutputModel):
    dry_run: bool
    rows: int
    rejected_rows: int = Field(description="rows refused; each may break several rules")
    accepted: list[ImportRowResult]
    rejected: list[ImportRowError]
