"""API models of the posts domain: strict inputs (XCreate / XUpdate) and outputs (X)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, computed_field

from orchestre.apischema import (
    AwareDatetime,
    CursorPage,
    InputModel,
    LaxDate,
    LaxUUID,
    OutputModel,
)

if TYPE_CHECKING:
    from orchestre.posts.service import PostView

TEXT_MAX = 20_000
MAX_MEDIA_PER_VARIANT = 20
MAX_TAGS = 30


def _http_url(value: str) -> str | None:
    if value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("the link must be a full web address starting with http:// or https://")
    return value


def normalise_tag(raw: str) -> str:
    """Tags are labels for filtering: compared without case, '#' or extra spaces."""
    return " ".join(raw.split()).lstrip("#").casefold()


def _clean_tags(value: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for raw in value:
        tag = normalise_tag(raw)
        if not tag:
            raise ValueError("a tag cannot be empty")
        if len(tag) > 50:
            raise ValueError(f"the tag '{tag[:20]}…' is longer than 50 characters")
        seen.setdefault(tag, None)
    return list(seen)


LinkUrl = Annotated[str, Field(max_length=2048), AfterValidator(_http_url)] | None
Tags = Annotated[list[str], Field(max_length=MAX_TAGS), AfterValidator(_clean_tags)] | None
SeverityName = Literal["warning", "error"]


# --- posts --------------------------------------------------------------------------------


class VariantCreate(InputModel):
    """One channel of a new post; fields left out fall back to the post's."""

    channel_id: LaxUUID
    text: str | None = Field(default=None, max_length=TEXT_MAX)
    link_url: LinkUrl = None
    first_comment: str | None = Field(default=None, max_length=TEXT_MAX)
    options: dict[str, Any] | None = None
    media_ids: list[LaxUUID] | None = Field(default=None, max_length=MAX_MEDIA_PER_VARIANT)


class PostCreate(InputModel):
    title: str = Field(default="", max_length=200)
    base_text: str = Field(max_length=TEXT_MAX)
    channel_ids: list[LaxUUID] = Field(min_length=1, max_length=50)
    variants: list[VariantCreate] = Field(default_factory=list, max_length=50)
    campaign_id: LaxUUID | None = None
    pillar_id: LaxUUID | None = None
    tags: Tags = None
    internal_notes: str = Field(default="", max_length=TEXT_MAX)


class PostUpdate(InputModel):
    """Only the fields sent change; `version` is the one the edit was based on."""

    version: int = Field(ge=1)
    title: str | None = Field(default=None, max_length=200)
    base_text: str | None = Field(default=None, max_length=TEXT_MAX)
    campaign_id: LaxUUID | None = None
    pillar_id: LaxUUID | None = None
    tags: Tags = None
    internal_notes: str | None = Field(default=None, max_length=TEXT_MAX)


class VariantUpdate(InputModel):
    """Only the fields sent change; null clears a field."""

    version: int = Field(ge=1)
    text: str | None = Field(default=None, max_length=TEXT_MAX)
    link_url: LinkUrl = None
    first_comment: str | None = Field(default=None, max_length=TEXT_MAX)
    options: dict[str, Any] | None = None
    media_ids: list[LaxUUID] | None = Field(default=None, max_length=MAX_MEDIA_PER_VARIANT)


class PostChannelCreate(VariantCreate):
    """Add a channel (a new draft variant) to an existing post."""

    version: int = Field(ge=1)


class ScheduleCreate(InputModel):
    """When to publish: an instant with its offset, or a wall time in the workspace's zone."""

    at: AwareDatetime | None = Field(
        default=None, description="An instant with its offset; or send local_time instead"
    )
    local_time: str | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$",
        description="YYYY-MM-DDTHH:MM in the workspace's time zone",
    )
    variant_ids: list[LaxUUID] | None = None


class UnscheduleCreate(InputModel):
    variant_ids: list[LaxUUID] | None = None


class Finding(OutputModel):
    severity: SeverityName
    field: str
    rule: str
    message: str
    limit: Any = None
    actual: Any = None


class VariantChannel(OutputModel):
    id: uuid.UUID
    network: str
    handle: str
    display_name: str
    status: str


class MediaAsset(OutputModel):
    id: uuid.UUID
    workspace_id: uuid.UUID
    filename: str
    kind: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    duration_seconds: float | None
    sha256: str
    alt_text: str
    created_by: uuid.UUID | None
    created_at: datetime
    video_codec: str | None = None
    audio_codec: str | None = None
    frame_rate: float | None = None
    # A file fixed for a network: its original, what it was made for, and its progress.
    source_media_id: uuid.UUID | None = None
    network: str | None = None
    format: str | None = None
    status: Literal["processing", "ready", "failed"] = "ready"
    status_reason: str | None = None
    thumbnail_key: str | None = Field(default=None, exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def file_url(self) -> str:
        return f"/api/v1/workspaces/{self.workspace_id}/media/{self.id}/file"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def thumbnail_url(self) -> str | None:
        if self.thumbnail_key is None:
            return None
        return f"/api/v1/workspaces/{self.workspace_id}/media/{self.id}/thumbnail"


class MediaFixCreate(InputModel):
    """'Fix for <network>': the network and its format (feed, reel, short, story, carousel)."""

    network: str = Field(min_length=1, max_length=32)
    format: str = Field(default="feed", min_length=1, max_length=16)


class Variant(OutputModel):
    id: uuid.UUID
    channel_id: uuid.UUID
    channel: VariantChannel
    position: int
    text: str
    link_url: str | None
    first_comment: str | None
    options: dict[str, Any]
    state: str
    state_changed_at: datetime | None
    scheduled_at: datetime | None
    published_at: datetime | None
    external_url: str | None
    last_error: str | None
    media: list[MediaAsset]
    findings: list[Finding]


class Post(OutputModel):
    id: uuid.UUID
    workspace_id: uuid.UUID
    created_by: uuid.UUID | None
    title: str
    base_text: str
    campaign_id: uuid.UUID | None
    pillar_id: uuid.UUID | None
    tags: list[str]
    internal_notes: str
    review_round: int
    scheduled_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    variants: list[Variant]


def post_out(view: PostView) -> Post:
    """The API picture of a post: its columns, and each variant with channel, media, findings."""
    variants = [
        Variant.model_validate(
            {
                **{name: getattr(item.variant, name) for name in _VARIANT_COLUMNS},
                "channel": item.channel,
                "media": item.media,
                "findings": item.findings,
            },
            from_attributes=True,
        )
        for item in view.variants
    ]
    columns = {name: getattr(view.post, name) for name in _POST_COLUMNS}
    return Post.model_validate({**columns, "variants": variants}, from_attributes=True)


_VARIANT_COLUMNS = tuple(
    name for name in Variant.model_fields if name not in ("channel", "media", "findings")
)
_POST_COLUMNS = tuple(name for name in Post.model_fields if name != "variants")


class PostPage(CursorPage[Post]):
    pass


class MediaUpdate(InputModel):
    alt_text: str = Field(max_length=1500)


class MediaPage(CursorPage[MediaAsset]):
    pass


# --- editorial line, pillars, campaigns ---------------------------------------------------


class EditorialLineUpdate(InputModel):
    """The whole editorial line (PUT replaces it); lists are de-duplicated."""

    tone_notes: str = Field(default="", max_length=5000)
    banned_words: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=500
    )
    banned_words_severity: SeverityName = "error"
    required_hashtags: list[Annotated[str, Field(pattern=r"^#?\w+$", max_length=100)]] = Field(
        default_factory=list, max_length=30
    )
    required_mentions: list[Annotated[str, Field(pattern=r"^@?\w[\w.\-]*$", max_length=100)]] = (
        Field(default_factory=list, max_length=30)
    )
    required_severity: SeverityName = "warning"


class EditorialLine(OutputModel):
    tone_notes: str
    banned_words: list[str]
    banned_words_severity: SeverityName
    required_hashtags: list[str]
    required_mentions: list[str]
    required_severity: SeverityName
    updated_at: datetime | None = None


_Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
_Name = Annotated[str, Field(min_length=1, max_length=120)]


class PillarCreate(InputModel):
    name: _Name
    description: str = Field(default="", max_length=2000)
    target_share: int = Field(default=0, ge=0, le=100, description="percent of posts")
    color: _Color = "#6366f1"


class PillarUpdate(InputModel):
    name: _Name | None = None
    description: str | None = Field(default=None, max_length=2000)
    target_share: int | None = Field(default=None, ge=0, le=100)
    color: _Color | None = None


class ContentPillar(OutputModel):
    id: uuid.UUID
    name: str
    description: str
    target_share: int
    color: str
    created_at: datetime
    updated_at: datetime


class PillarPage(CursorPage[ContentPillar]):
    pass


_Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=120)]
_Money = Annotated[float, Field(ge=0, le=10_000_000_000)]
_Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class CampaignCreate(InputModel):
    name: _Name
    description: str = Field(default="", max_length=5000)
    starts_on: LaxDate | None = None
    ends_on: LaxDate | None = None
    budget: _Money | None = None
    currency: _Currency = "EUR"
    utm_campaign: _Slug | None = Field(
        default=None, description="lower-case slug; derived from the name when left out"
    )


class CampaignUpdate(InputModel):
    name: _Name | None = None
    description: str | None = Field(default=None, max_length=5000)
    starts_on: LaxDate | None = None
    ends_on: LaxDate | None = None
    budget: _Money | None = None
    currency: _Currency | None = None
    utm_campaign: _Slug | None = None


class Campaign(OutputModel):
    id: uuid.UUID
    name: str
    description: str
    starts_on: date | None
    ends_on: date | None
    budget: float | None
    currency: str
    utm_campaign: str | None
    created_at: datetime
    updated_at: datetime


class CampaignPage(CursorPage[Campaign]):
    pass
