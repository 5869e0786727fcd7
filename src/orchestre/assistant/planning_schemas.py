"""API models of content planning: ask for a plan, a plan and its items, a decision."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from orchestre.apischema import InputModel, LaxDate, LaxUUID, OutputModel


class PlanCreate(InputModel):
    weeks: int = Field(default=2, ge=1, le=8, description="How many weeks to plan (1 to 8)")
    channel_ids: list[LaxUUID] = Field(
        default_factory=list, max_length=50, description="Empty: every connected channel"
    )
    pillar_ids: list[LaxUUID] = Field(
        default_factory=list, max_length=50, description="Empty: every content pillar"
    )
    posts_per_week: int | None = Field(
        default=None,
        ge=1,
        le=21,
        description="Per channel; null: each channel's pace of the last eight weeks (3 if none)",
    )
    starts_on: LaxDate | None = Field(
        default=None, description="First day planned, in the workspace's zone (default: tomorrow)"
    )


class ItemDecide(InputModel):
    schedule: bool = Field(
        default=False,
        description="Also submit the post and schedule it at the item's time when the "
        "workspace's review allows it and the caller may schedule; else it stays a draft",
    )


class PlanItem(OutputModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    position: int
    channel_id: uuid.UUID
    network: str
    handle: str
    pillar_id: uuid.UUID | None
    pillar: str | None
    slot_at: datetime
    local_slot: str = Field(description="YYYY-MM-DDTHH:MM on the workspace's clock")
    text: str
    status: str = Field(description="proposed, accepted or discarded")
    ai_draft: bool = Field(description="always true: the text was written by the assistant")
    source: str = Field(description="offline, or provider:<model>")
    prompt_id: str
    call_id: uuid.UUID | None
    fell_back: str | None = Field(description="why a provider's text was not used")
    post_id: uuid.UUID | None


class Plan(OutputModel):
    id: uuid.UUID
    weeks: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    language: str
    shares: str = Field(description="targets (pillars' target shares) or equal (none set)")
    source: str
    prompt_id: str
    call_id: uuid.UUID | None
    fell_back: str | None
    created_at: datetime
    items: list[PlanItem]


class Decision(OutputModel):
    item: PlanItem
    outcome: str = Field(
        description="discarded, draft, in_review, approved (not scheduled) or scheduled"
    )


class Decisions(OutputModel):
    decisions: list[Decision]


class PlanEvents(OutputModel):
    """The calendar's AI drafts of a period."""

    timezone: str
    events: list[PlanItem]
