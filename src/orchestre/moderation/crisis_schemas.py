"""API models of crisis alerts and crisis mode."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from orchestre.apischema import CursorPage, InputModel, Lax, OutputModel

Kind = Literal["volume", "negative_share", "toxic_share"]
Status = Literal["open", "acknowledged", "resolved"]
StatusFilter = Literal["active", "open", "acknowledged", "resolved"]


class CrisisAlert(OutputModel):
    id: uuid.UUID
    kind: Kind
    key: str = Field(description="workspace, channel:<id> or topic:<hashtag>")
    severity: str = Field(description="low, medium or high")
    status: Status
    started_at: datetime
    last_seen_at: datetime
    crisis_mode_at: datetime | None
    resolved_by: uuid.UUID | None


class CrisisAlertDetail(CrisisAlert):
    evidence: dict[str, Any] = Field(
        description=(
            "observed vs expected (counts for volume, shares 0..1 otherwise), score (a "
            "z-equivalent), top_terms and top_hashtags against the baseline, samples (message "
            "ids and excerpts), channels, series (the measure per bucket, for a chart), peak, "
            "first (what the alert said when raised), updates"
        )
    )


CrisisAlertPage = CursorPage[CrisisAlert]


class CrisisModeCreate(InputModel):
    """Pause publishing workspace-wide, tell the team, pin holding statements."""

    reason: str = Field("", max_length=500, description="Shown to the team on every page")
    holding_statement_ids: list[Lax[uuid.UUID]] = Field(
        default_factory=list,
        max_length=20,
        description="Saved replies the inbox offers first while the crisis lasts",
    )
