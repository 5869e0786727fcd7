"""API models of listening: queries, mentions, brand health, a collection's outcome."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from orchestre.apischema import CursorPage, InputModel, OutputModel


class QueryCreate(InputModel):
    name: str = Field(max_length=120)
    query: str = Field(
        max_length=500,
        description='Terms, "phrases", #hashtags, @accounts; AND (or a space), OR, NOT or -term, '
        "parentheses. Accents and case do not matter.",
    )
    networks: list[str] = Field(default_factory=list, description="Empty: every network")
    languages: list[str] = Field(default_factory=list, description="Two-letter codes; empty: all")
    active: bool = True
    about: str = Field(
        default="brand",
        description="brand (ours), competitor or topic: share of voice is the brand's "
        "mentions among the brand's and its competitors'",
    )


class QueryUpdate(InputModel):
    name: str | None = Field(default=None, max_length=120)
    query: str | None = Field(default=None, max_length=500)
    networks: list[str] | None = None
    languages: list[str] | None = None
    active: bool | None = None
    about: str | None = None


class QueryCheck(InputModel):
    query: str = Field(max_length=2000)


class QueryChecked(OutputModel):
    valid: bool
    search_terms: list[str] = Field(description="What the networks are asked for")
    errors: list[dict[str, object]] = Field(default_factory=list)


class Query(OutputModel):
    id: uuid.UUID
    name: str
    query: str
    networks: list[str]
    languages: list[str]
    active: bool
    about: str
    created_by: uuid.UUID | None
    created_at: datetime
    last_collected_at: datetime | None


class Mention(OutputModel):
    id: uuid.UUID
    query_id: uuid.UUID
    network: str
    external_id: str
    url: str | None
    author_handle: str
    author_name: str
    author_followers: int | None = Field(description="The author's reach, when the network says")
    text: str
    language: str | None
    sentiment: str | None
    sentiment_score: float | None
    hashtags: list[str]
    published_at: datetime
    collected_at: datetime


class MentionPage(CursorPage[Mention]):
    pass


class DayFigures(OutputModel):
    day: date
    total: int
    positive: int
    neutral: int
    negative: int


class Count(OutputModel):
    value: str
    count: int


class BurstOut(OutputModel):
    term: str
    kind: str = Field(description="hashtag, term or phrase")
    bucket_start: datetime = Field(description="Start of the hour it burst in")
    observed: int = Field(description="Mentions carrying it in that hour")
    expected: float = Field(description="Mentions its baseline expected")
    topic: str


class Health(OutputModel):
    start: date = Field(description="First day, on the workspace's clock")
    end: date = Field(description="Last day, inclusive")
    total: int
    negative_share: float | None = Field(description="Negative / judged mentions; null: none")
    sentiment: dict[str, int]
    days: list[DayFigures]
    top_hashtags: list[Count]
    top_terms: list[Count]
    bursts: list[BurstOut] = Field(description="Terms far above their baseline (trends.py)")


class Collected(OutputModel):
    searched: int = Field(description="Searches made (query x channel x search string)")
    found: int = Field(description="Posts the networks returned that were new")
    stored: int = Field(description="Mentions stored (matched, new)")
    postponed: int = Field(description="Searches that failed and will be tried again")
    errors: list[str]
