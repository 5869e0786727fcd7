"""API models of the media library: a file with its library fields, edits, usage, filters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field, field_validator

from orchestre.apischema import AwareDatetime, CursorPage, InputModel, OutputModel
from orchestre.kit.clock import utcnow
from orchestre.posts.media_library import EXPIRY_WARNING_DAYS
from orchestre.posts.schemas import MediaAsset

Orientation = Literal["portrait", "landscape", "square"]
MediaKind = Literal["image", "video", "gif"]
ExpiryFilter = Literal["expired", "expiring", "valid"]


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part for part in value.split(",") if part]
    if value is None:
        return []
    return value


class LibraryAsset(MediaAsset):
    """A file of the library: what was measured, what people wrote, where it fits."""

    title: str = ""
    description: str = ""
    folder: str = ""
    tags: list[str] = Field(default_factory=list)
    licence_source: str = ""
    licensor: str = ""
    licence_expires_at: datetime | None = None
    orientation: Orientation | None = None
    fits: list[str] = Field(
        default_factory=list,
        description="The networks one of whose formats takes this file as it is.",
    )

    _split_tags = field_validator("tags", "fits", mode="before")(_split)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def expiry(self) -> Literal["expired", "expiring", "valid"] | None:
        """Whether the licence is over, ends within 14 days, or holds (None: no expiry)."""
        if self.licence_expires_at is None:
            return None
        left = (self.licence_expires_at - utcnow()).total_seconds()
        if left <= 0:
            return "expired"
        return "expiring" if left <= EXPIRY_WARNING_DAYS * 86400 else "valid"


class LibraryPage(CursorPage[LibraryAsset]):
    pass


class LibraryUpdate(InputModel):
    """The fields to change; those left out stay. `licence_expires_at: null` clears it."""

    alt_text: str | None = Field(default=None, max_length=1500)
    title: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=5000)
    folder: str | None = Field(default=None, max_length=255)
    tags: list[str] | None = Field(default=None, max_length=30)
    licence_source: str | None = Field(default=None, max_length=255)
    licensor: str | None = Field(default=None, max_length=255)
    licence_expires_at: AwareDatetime | None = None


class MediaUsage(OutputModel):
    """One variant that attached the file (or a file fixed from it)."""

    post_id: uuid.UUID
    post_title: str
    variant_id: uuid.UUID
    channel_id: uuid.UUID
    network: str
    channel_handle: str
    state: str
    scheduled_at: datetime | None
    published_at: datetime | None
    media_id: uuid.UUID = Field(description="The file attached: this one or a fix of it.")


class MediaUsageList(BaseModel):
    items: list[MediaUsage]


class FolderCount(BaseModel):
    folder: str
    count: int


class TagCount(BaseModel):
    tag: str
    count: int


class LibraryFacets(BaseModel):
    """What the library's filters offer: folders and tags in use."""

    folders: list[FolderCount]
    tags: list[TagCount]
