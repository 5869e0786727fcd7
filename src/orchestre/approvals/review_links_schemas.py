"""API models of the review links."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from orchestre.apischema import InputModel, LaxUUID, OutputModel


class ReviewLinkCreate(InputModel):
    post_ids: list[LaxUUID] = Field(min_length=1, max_length=50)
    reviewer_name: str = Field(min_length=1, max_length=120, examples=["Clara from Acme"])
    reviewer_email: str = Field(default="", max_length=254)
    days: int = Field(default=7, ge=1, le=90, description="How long the link works (1 to 90).")
    allow_decisions: bool = Field(default=True, description="False: the reviewer may only comment.")
    step_id: LaxUUID | None = Field(
        default=None,
        description="The review step the link's approvals decide; it must be one you may "
        "decide yourself. Without it every decision through the link is advisory.",
    )


class ReviewLink(OutputModel):
    id: uuid.UUID
    reviewer_name: str
    reviewer_email: str
    status: str = Field(description="active, expired or revoked")
    allow_decisions: bool
    step_id: uuid.UUID | None
    step_name: str
    post_ids: list[uuid.UUID]
    created_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_opened_at: datetime | None
    open_count: int
    decisions: int = Field(description="Decisions taken through the link.")
    comments: int = Field(description="Comments written through the link.")


class ReviewLinkCreated(ReviewLink):
    token: str = Field(description="Shown only in this answer; only its hash is stored.")
    url: str
