"""API models of queueing: posting slots, "add to queue", a variant's repeat."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from orchestre.apischema import InputModel, LaxUUID, OutputModel

LOCAL = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"


class SlotCreate(InputModel):
    """The same wall time on one or more weekdays (0 = Monday ... 6 = Sunday)."""

    weekdays: list[int] = Field(min_length=1, max_length=7)
    # Checked by the service (after the permission), so a refusal says which rule failed.
    time: str = Field(max_length=5, description="HH:MM (24 h) in the workspace's time zone")


class Slot(OutputModel):
    id: uuid.UUID
    channel_id: uuid.UUID
    weekday: int = Field(description="0 = Monday ... 6 = Sunday")
    time: str = Field(description="HH:MM in the workspace's time zone")


class When(OutputModel):
    at: datetime = Field(description="The instant, in UTC")
    local_time: str = Field(description="YYYY-MM-DDTHH:MM in the workspace's time zone")
    utc_offset: str = Field(description="The zone's offset then, e.g. +01:00")


class SlotList(OutputModel):
    channel_id: uuid.UUID
    timezone: str
    items: list[Slot]
    next_free: list[When] = Field(description="The next free slots of the channel")


class QueueCreate(InputModel):
    """Queue the approved variants of the post (all, or those listed)."""

    variant_ids: list[LaxUUID] | None = None


class RepeatSet(InputModel):
    """An RFC 5545 rule from a local start, or evergreen recycling with a minimum gap."""

    kind: Literal["rrule", "evergreen"]
    rule: str | None = Field(
        default=None, max_length=500, description="e.g. FREQ=WEEKLY;BYDAY=MO (kind rrule)"
    )
    start_local: str | None = Field(
        default=None,
        pattern=LOCAL,
        description="First date, YYYY-MM-DDTHH:MM in the workspace's zone (kind rrule)",
    )
    min_gap_days: int | None = Field(
        default=None, ge=1, le=3650, description="Least days between copies (kind evergreen)"
    )


class Repeat(OutputModel):
    variant_id: uuid.UUID
    kind: Literal["rrule", "evergreen"]
    rule: str
    start_local: str
    min_gap_days: int
    timezone: str
    note: str = Field(description="Why the next copy could not be planned, if so")
    finished_at: datetime | None
    next: list[When] = Field(description="The next dates (rule) or the next copy (evergreen)")
