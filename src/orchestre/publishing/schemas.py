"""API models of publishing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from orchestre.apischema import CursorPage, InputModel, Lax, OutputModel

State = Literal[
    "scheduled", "claimed", "sending", "published", "failed", "needs_attention", "cancelled"
]


class PauseCreate(InputModel):
    """Pause the whole workspace (no channel_id) or one channel."""

    channel_id: Lax[uuid.UUID] | None = None
    reason: str = Field("", max_length=500, description="Shown to the team on every page")


class ResumeCreate(InputModel):
    channel_id: Lax[uuid.UUID] | None = None


class Pause(OutputModel):
    id: uuid.UUID
    channel_id: uuid.UUID | None
    reason: str
    paused_by: uuid.UUID | None
    paused_at: datetime


class Status(OutputModel):
    paused: Pause | None = Field(description="The workspace-wide pause, if any")
    channel_pauses: list[Pause]
    counts: dict[str, int] = Field(description="Publications by state")
    next_due_at: datetime | None


class Publication(OutputModel):
    id: uuid.UUID
    variant_id: uuid.UUID
    channel_id: uuid.UUID
    occurrence: int
    state: State
    due_at: datetime
    not_before: datetime | None = Field(description="When the next attempt may start")
    attempts: int
    uncertain: bool = Field(description="An attempt may have reached the network unanswered")
    published_at: datetime | None
    external_id: str | None
    external_url: str | None
    last_error: str | None
    last_error_kind: str | None


PublicationPage = CursorPage[Publication]
