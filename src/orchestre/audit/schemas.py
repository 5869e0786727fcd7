"""API models of the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from orchestre.apischema import CursorPage, OutputModel


class AuditEntry(OutputModel):
    id: uuid.UUID
    actor_user_id: uuid.UUID | None = Field(description="Who acted; null for the system.")
    actor_name: str | None
    actor_token_id: uuid.UUID | None = Field(
        description="The API token used, when the change came through the API with a token."
    )
    action: str = Field(examples=["post.approved"])
    entity_type: str = Field(examples=["post"])
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


class AuditPage(CursorPage[AuditEntry]):
    pass
