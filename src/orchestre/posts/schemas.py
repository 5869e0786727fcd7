"""API models of the posts domain: strict inputs (XCreate / XUpdate) and outputs (X)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, computed_field

if TYPE_CHECKING:
    from orchestre.posts.service import PostView

TEXT_MAX = 20_000
MAX_MEDIA_PER_VARIANT = 20
MAX_TAGS = 30


def _iso_text_only(value: object) -> object:
    # Lax datetime parsing would also take a bare number as a Unix time: refuse it.
    if isinstance(value, str | datetime):
        return value
    raise ValueError("give an ISO 8601 date-time with its offset, e.g. 2030-03-15T10:00:00+01:00")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            "this date-time has no time zone: add an offset such as +01:00 or Z "
            "(or send local_time to use the workspace's time zone)"
        )
    return value


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


# FastAPI validates bodies in Python mode, where strict UUIDs, dates and datetimes would
# refuse every JSON string; these fields alone parse their text form.
LaxUUID = Annotated[uuid.UUID, Field(strict=False)]
LaxDate = Annotated[date, Field(strict=False)]
AwareDatetime = Annotated[
    datetime, BeforeValidator(_iso_text_only), Field(strict=False), AfterValidator(_aware)
]
LinkUrl = Annotated[str, Field(max_length=2048), AfterValidator(_http_url)] | None
Tags = Annotated[list[str], Field(max_length=MAX_TAGS), AfterValidator(_clean_tags)] | None
SeverityName = Literal["warning", "error"]


_PROBLEM_DESCRIPTIONS = {
    401: "Not signed in",
    403: "Your role does not allow this",
    404: "Not found in this workspace (foreign ids look the same)",
    409: "Conflicts with the current state (stale version, refused transition, duplicate)",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input: 'errors' lists each broken rule",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem-details answers a route can give (401/403/404 always)."""
    return {
        status: {
            "description": _PROBLEM_DESCRIPTIONS[status],
            "content": {"application/problem+json": {}},
        }
        for status in (401, 403, 404, *statuses)
    }


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- posts --------------------------------------------------------------------------------


class VariantCreate(_Input):
    """One channel of a new post; fields left out fall back to the post's."""

    channel_id: LaxUUID
    text: str | None = Field(default=None, max_length=TEXT_MAX)
    link_url: LinkUrl = None
    first_comment: str | None = Field(default=None, max_length=TEXT_MAX)
    options: dict[str, Any] | None = None
    media_ids: list[LaxUUID] | None = Field(default=None, max_length=MAX_MEDIA_PER_VARIANT)


class PostCreate(_Input):
    title: str = Field(default="", max_length=200)
    base_text: str = Field(max_length=TEXT_MAX)
    channel_ids: list[LaxUUID] = Field(min_length=1, max_length=50)
    variants: list[VariantCreate] = Field(default_factory=list, max_length=50)
    campaign_id: LaxUUID | None = None
    pillar_id: LaxUUID | None = None
    tags: Tags = None
    internal_notes: str = Field(default="", max_length=TEXT_MAX)


class PostUpdate(_Input):
    """Only the fields sent change; `version` is the one the edit was based on."""

    version: int = Field(ge=1)
    title: str | None = Field(default=None, max_length=200)
    base_text: str | None = Field(default=None, max_length=TEXT_MAX)
    campaign_id: LaxUUID | None = None
    pillar_id: LaxUUID | None = None
    tags: Tags = None
    internal_notes: str | None = Field(default=None, max_length=TEXT_MAX)


class VariantUpdate(_Input):
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


class ScheduleCreate(_Input):
    """When to publish: an instant with its offset, or a wall time in the workspace's zone."""

    at: AwareDatetime | None = None
    local_time: str | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$",
        description="YYYY-MM-DDTHH:MM in the workspace's time zone",
    )
    variant_ids: list[LaxUUID] | None = None


class UnscheduleCreate(_Input):
    variant_ids: list[LaxUUID] | None = None


class Finding(_Output):
    severity: SeverityName
    field: str
    rule: str
    message: str
    limit: Any = None
    actual: Any = None


class VariantChannel(_Output):
    id: uuid.UUID
    network: str
    handle: str
    display_name: str
    status: str


class MediaAsset(_Output):
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

    @computed_field  # type: ignore[prop-decorator]
    @property
    def file_url(self) -> str:
        return f"/api/v1/workspaces/{self.workspace_id}/media/{self.id}/file"


class Variant(_Output):
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


class Post(_Output):
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


class PostPage(BaseModel):
    items: list[Post]
    next_cursor: str | None


class MediaUpdate(_Input):
    alt_text: str = Field(max_length=1500)


class MediaPage(BaseModel):
    items: list[MediaAsset]
    next_cursor: str | None


# --- editorial line, pillars, campaigns ---------------------------------------------------


class EditorialLineUpdate(_Input):
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


class EditorialLine(_Output):
    tone_notes: str
    banned_words: list[str]
    banned_words_severity: SeverityName
    required_hashtags: list[str]
    required_mentions: list[str]
    required_severity: SeverityName
    updated_at: datetime | None = None


_Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
_Name = Annotated[str, Field(min_length=1, max_length=120)]


class PillarCreate(_Input):
    name: _Name
    description: str = Field(default="", max_length=2000)
    target_share: int = Field(default=0, ge=0, le=100, description="percent of posts")
    color: _Color = "#6366f1"


class PillarUpdate(_Input):
    name: _Name | None = None
    description: str | None = Field(default=None, max_length=2000)
    target_share: int | None = Field(default=None, ge=0, le=100)
    color: _Color | None = None


class ContentPillar(_Output):
    id: uuid.UUID
    name: str
    description: str
    target_share: int
    color: str
    created_at: datetime
    updated_at: datetime


class PillarPage(BaseModel):
    items: list[ContentPillar]
    next_cursor: str | None


_Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=120)]
_Money = Annotated[float, Field(ge=0, le=10_000_000_000)]
_Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class CampaignCreate(_Input):
    name: _Name
    description: str = Field(default="", max_length=5000)
    starts_on: LaxDate | None = None
    ends_on: LaxDate | None = None
    budget: _Money | None = None
    currency: _Currency = "EUR"
    utm_campaign: _Slug | None = Field(
        default=None, description="lower-case slug; derived from the name when left out"
    )


class CampaignUpdate(_Input):
    name: _Name | None = None
    description: str | None = Field(default=None, max_length=5000)
    starts_on: LaxDate | None = None
    ends_on: LaxDate | None = None
    budget: _Money | None = None
    currency: _Currency | None = None
    utm_campaign: _Slug | None = None


class Campaign(_Output):
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


class CampaignPage(BaseModel):
    items: list[Campaign]
    next_cursor: str | None
