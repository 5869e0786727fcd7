"""API models of the UGC board: items, rights requests with their proof, templates."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from orchestre.apischema import InputModel, LaxUUID, OutputModel


class ItemCollect(InputModel):
    """Exactly one source: an inbox message or a listening mention."""

    message_id: LaxUUID | None = None
    mention_id: LaxUUID | None = None


class ItemUpdate(InputModel):
    tags: list[str] | None = Field(default=None, max_length=20)
    media_ids: list[LaxUUID] | None = Field(
        default=None, max_length=10, description="Files of the media library copied from the post"
    )


class RightsRequestOut(OutputModel):
    id: uuid.UUID
    text: str
    language: str
    state: str = Field(description="waiting, granted, refused or expired")
    grant_keywords: list[str]
    refuse_keywords: list[str]
    conversation_id: uuid.UUID | None
    reply_message_id: uuid.UUID | None
    sent_by: uuid.UUID | None
    sent_at: datetime
    sent_external_id: str | None
    expires_at: datetime
    answer_text: str | None = Field(description="The creator's reply, as the network gave it")
    answer_at: datetime | None
    answer_url: str | None
    answer_external_id: str | None
    decided_at: datetime | None


class Item(OutputModel):
    id: uuid.UUID
    source_kind: str
    source_id: uuid.UUID
    network: str
    channel_id: uuid.UUID | None
    external_id: str
    author_handle: str
    author_name: str
    author_url: str | None
    text: str
    permalink: str | None
    media_urls: list[str]
    media_ids: list[str]
    tags: list[str]
    status: str = Field(description="collected, rights_requested, granted, refused or expired")
    collected_by: uuid.UUID | None
    collected_at: datetime
    published_at: datetime | None


class BoardItem(Item):
    latest_request: RightsRequestOut | None = None


class Board(OutputModel):
    items: list[BoardItem]
    counts: dict[str, int]


class ItemDetail(Item):
    requests: list[RightsRequestOut]
    post_ids: list[uuid.UUID]


class RightsAsk(InputModel):
    """The text as edited, or a template (by id, else the shipped one of `language`)."""

    language: str = Field(default="en", description="en or fr")
    text: str | None = Field(default=None, max_length=2000)
    template_id: LaxUUID | None = None
    wait_days: int = Field(default=14, ge=1, le=90)
    values: dict[str, str] = Field(default_factory=dict, max_length=20)


class RightsPreview(OutputModel):
    text: str


class TemplateIn(InputModel):
    name: str = Field(max_length=120)
    language: str = Field(description="en or fr")
    body: str = Field(
        max_length=2000, description="Variables: {handle}, {name}, {first_name}, {brand}"
    )
    grant_keywords: list[str] = Field(default_factory=lambda: ["#yes", "#oui"], max_length=10)
    refuse_keywords: list[str] = Field(default_factory=lambda: ["#no", "#non"], max_length=10)


class TemplateOut(OutputModel):
    id: uuid.UUID | None = Field(description="None: shipped with Orchestre (save it to edit it)")
    name: str
    language: str
    body: str
    grant_keywords: list[str]
    refuse_keywords: list[str]
    shipped: bool


class PostFromItem(InputModel):
    channel_ids: list[LaxUUID] = Field(min_length=1, max_length=50)
    text: str = Field(default="", max_length=5000)
    language: str | None = Field(default=None, description="The credit line's language (en, fr)")


class Proposal(OutputModel):
    mention_id: uuid.UUID
    network: str
    author_handle: str
    text: str
    url: str | None
    published_at: datetime
    media_urls: list[str]
