"""API models of outgoing webhooks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from orchestre.apischema import CursorPage, InputModel, OutputModel

Event = Literal[
    "publication.failed",
    "publication.needs_attention",
    "publication.published",
    "channel.needs_reconnection",
    "inbox.response_overdue",
    "moderation.escalated",
    "crisis.alert",
]


class WebhookCreate(InputModel):
    url: str = Field(
        max_length=2048,
        description="https address (http only for localhost and 127.0.0.1)",
    )
    events: list[Event] = Field(min_length=1, max_length=10)
    description: str = Field("", max_length=200)


class WebhookUpdate(InputModel):
    """Change what is given; `enabled: true` switches a stopped endpoint back on."""

    url: str | None = Field(None, max_length=2048)
    events: list[Event] | None = Field(None, min_length=1, max_length=10)
    description: str | None = Field(None, max_length=200)
    enabled: bool | None = None


class Webhook(OutputModel):
    id: uuid.UUID
    url: str
    description: str
    events: list[str]
    enabled: bool
    secret_hint: str = Field(description="The first characters of the signing secret")
    consecutive_failures: int
    disabled_reason: str | None
    created_at: datetime


class WebhookWithSecret(Webhook):
    secret: str = Field(
        description="Signs every delivery (Orchestre-Signature); shown this once, store it now"
    )


class WebhookList(OutputModel):
    items: list[Webhook]


class Attempt(OutputModel):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    retry_in_seconds: float | None = Field(description="The wait before the next attempt")


class Delivery(OutputModel):
    id: uuid.UUID = Field(description="Sent as Orchestre-Delivery, the same on every attempt")
    endpoint_id: uuid.UUID
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: list[Attempt]
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    payload: dict[str, Any] = Field(description="The JSON body that was signed and sent")


DeliveryPage = CursorPage[Delivery]
