"""API models of topic clusters and the inbox's trends."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from orchestre.apischema import OutputModel
from orchestre.listening.schemas import BurstOut, Count


class TopicSample(OutputModel):
    source: str = Field(description="mention or inbox")
    ref: str
    text: str


class TopicOut(OutputModel):
    label: str = Field(description="Its key phrases (c-TF-IDF), joined by ' · '")
    phrases: list[str]
    status: str = Field(description="new, rising, falling or steady against the period before")
    size: int = Field(description="Messages of the period in the embedded sample")
    previous_size: int
    estimated: float = Field(description="Messages of the period: its share of the sample x volume")
    previous_estimated: float
    ratio: float | None = Field(description="estimated / previous_estimated; null when new")
    negative: int
    judged: int
    negative_share: float | None
    sources: dict[str, int]
    samples: list[TopicSample]


class TopicClusters(OutputModel):
    state: str = Field(description="ready, pending (not computed yet) or failed")
    days: int
    period_start: datetime | None
    period_end: datetime | None
    computed_at: datetime | None
    volume: int = Field(description="Mentions and inbound inbox messages of the period")
    previous_volume: int
    embedded: int
    seconds: float = Field(description="How long the last computation took")
    topics: list[TopicOut]
    error: str | None


class TrendOut(OutputModel):
    term: str
    kind: str
    status: str
    recent: float
    baseline: float
    ratio: float


class InboxTrends(OutputModel):
    days: int
    total: int
    top_hashtags: list[Count]
    top_terms: list[Count]
    rising: list[TrendOut]
    bursts: list[BurstOut]
