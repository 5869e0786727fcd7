"""API models of competitor benchmarks: competitors, their accounts, the comparison."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from orchestre.apischema import InputModel, OutputModel


class CompetitorCreate(InputModel):
    name: str = Field(max_length=120)


class AccountCreate(InputModel):
    network: str = Field(max_length=40, description="A network with a connected channel")
    handle: str = Field(
        max_length=200, description="The account's handle (@ optional); YouTube: @handle"
    )


class Account(OutputModel):
    id: uuid.UUID
    competitor_id: uuid.UUID
    network: str
    handle: str
    external_id: str
    display_name: str
    url: str | None
    followers: int | None
    last_collected_at: datetime | None
    next_collect_at: datetime
    last_error: str | None


class Competitor(OutputModel):
    id: uuid.UUID
    name: str
    created_at: datetime
    accounts: list[Account]


class Collected(OutputModel):
    read: int
    posts: int
    postponed: int
    errors: list[str]


class Side(OutputModel):
    key: str = Field(description='"brand" or the competitor\'s id')
    name: str
    network: str
    brand: bool
    handle: str
    url: str | None
    followers: int | None = Field(description="The last count in the period")
    growth: int | None = Field(description="last - first followers count in the period")
    growth_rate: float | None = Field(description="(last - first) / first")
    posts: int
    posts_per_week: float | None = Field(description="posts / days * 7")
    engagement: float | None = Field(description="likes + reposts + replies + quotes, summed")
    average_engagement: float | None = Field(description="engagement / posts")
    engagement_rate: float | None = Field(description="average_engagement / followers")
    formats: dict[str, int]
    trend: list[int | None] = Field(description="Followers on each day of the period")
    weekly_engagement: list[float | None] = Field(
        description="Engagements per post in each of the period's weeks (see `weeks`)"
    )
    last_error: str | None
    last_collected_at: datetime | None


class NetworkComparison(OutputModel):
    network: str
    sides: list[Side]


class TopPost(OutputModel):
    name: str
    brand: bool
    network: str
    format: str
    text: str
    url: str | None
    published_at: datetime
    engagement: float


class ShareOfVoice(OutputModel):
    brand_mentions: int
    tracked_mentions: int
    by_mentions: float | None = Field(description="brand mentions / brand + competitor mentions")
    brand_engagement: int
    tracked_engagement: int
    by_engagement: float | None = Field(
        description="engagement of brand mentions / of brand + competitor mentions"
    )


class Comparison(OutputModel):
    first: date
    last: date
    days: list[date]
    weeks: list[date] = Field(description="The Mondays of the weeks the period's days fall in")
    networks: list[NetworkComparison]
    top_posts: list[TopPost]
    share_of_voice: ShareOfVoice
    brand_figures: bool = Field(description="False: analytics.view is missing, no brand side")
