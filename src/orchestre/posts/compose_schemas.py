"""API models of the composer: live checks and on-demand adaptations of a variant's text."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from orchestre.apischema import InputModel, LaxUUID, OutputModel
from orchestre.posts.schemas import MAX_MEDIA_PER_VARIANT, TEXT_MAX, SeverityName

AdaptAction = Literal[
    "split_thread",
    "shorten",
    "hashtags_to_end",
    "hashtags_to_first_comment",
    "trim_hashtags",
    "add_utm",
]
MAX_THREAD_PARTS = 25

_NETWORK = Field(
    default=None,
    max_length=32,
    description="The network (x, bluesky, mastodon...); or give channel_id instead",
)
_CHANNEL = Field(
    default=None,
    description="A channel of the workspace: its network, and its instance's limits (Mastodon)",
)


class ComposeCheck(InputModel):
    """A variant as it is being written, to measure against its network's rules."""

    network: str | None = _NETWORK
    channel_id: LaxUUID | None = _CHANNEL
    text: str = Field(default="", max_length=TEXT_MAX)
    first_comment: str | None = Field(default=None, max_length=TEXT_MAX)
    link_url: str | None = Field(default=None, max_length=2048)
    options: dict[str, Any] = Field(default_factory=dict)
    media_ids: list[LaxUUID] = Field(default_factory=list, max_length=MAX_MEDIA_PER_VARIANT)
    thread: list[str] = Field(
        default_factory=list,
        max_length=MAX_THREAD_PARTS,
        description="The following posts of a thread, each checked like the text",
    )


class ComposeAdapt(InputModel):
    """One adaptation of a variant's text; the result replaces the text (and first comment)."""

    action: AdaptAction
    network: str | None = _NETWORK
    channel_id: LaxUUID | None = _CHANNEL
    text: str = Field(default="", max_length=TEXT_MAX)
    first_comment: str | None = Field(default=None, max_length=TEXT_MAX)
    link_url: str | None = Field(default=None, max_length=2048)
    options: dict[str, Any] = Field(default_factory=dict)
    limit: int | None = Field(
        default=None, ge=1, le=TEXT_MAX, description="shorten/split_thread: below the network's"
    )
    numbering: Literal["suffix", "prefix"] = "suffix"
    max_hashtags: int | None = Field(
        default=None, ge=0, le=100, description="trim_hashtags: default the network's maximum"
    )
    campaign: str | None = Field(
        default=None, max_length=120, description="add_utm: utm_campaign (slugified)"
    )
    campaign_id: LaxUUID | None = Field(
        default=None, description="add_utm: take utm_campaign from this campaign"
    )


class Violation(OutputModel):
    """One broken rule, shaped like `orchestre validate`'s."""

    network: str
    rule: str
    field: str
    limit: Any = None
    actual: Any = None
    message: str
    severity: SeverityName


class Counter(OutputModel):
    """One length as the network counts it, with the limit and what is left."""

    unit: Literal["weighted_characters", "characters", "bytes"]
    length: int
    limit: int
    remaining: int


class CheckResult(OutputModel):
    network: str
    ok: bool = Field(description="No error (warnings allowed)")
    length: int
    limit: int | None
    violations: list[Violation]
    counters: list[Counter]


class AdaptResult(OutputModel):
    action: AdaptAction
    changed: bool
    text: str
    first_comment: str | None
    link_url: str | None
    thread: list[str] = Field(description="split_thread: the following posts, after `text`")
