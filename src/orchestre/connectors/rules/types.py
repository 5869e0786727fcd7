"""Plain data for each network's publishing rules: what was measured and what was broken."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Network = Literal[
    "x",
    "bluesky",
    "mastodon",
    "threads",
    "linkedin",
    "instagram",
    "facebook",
    "tiktok",
    "youtube",
]
NETWORKS: tuple[str, ...] = (
    "x",
    "bluesky",
    "mastodon",
    "threads",
    "linkedin",
    "instagram",
    "facebook",
    "tiktok",
    "youtube",
)


@dataclass(frozen=True)
class Violation:
    """One broken rule, with the network, the field, the limit and the actual value."""

    network: str
    rule: str
    field: str
    limit: Any
    actual: Any
    message: str
    severity: Literal["error", "warning"] = "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "rule": self.rule,
            "field": self.field,
            "limit": self.limit,
            "actual": self.actual,
            "message": self.message,
            "severity": self.severity,
        }


@dataclass(frozen=True)
class MediaFacts:
    """What was measured from a media file's content (never from its name)."""

    kind: Literal["image", "video", "gif"]
    content_type: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    frame_rate: float | None = None
    alt_text: str = ""


@dataclass(frozen=True)
class TextReport:
    """A text measured as the network counts it."""

    network: str
    length: int
    limit: int
    violations: list[Violation] = field(default_factory=list)
