"""API models of contests: contests, entries with the team's votes, winners, announcement."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from orchestre.apischema import AwareDatetime, InputModel, LaxUUID, OutputModel


class ContestCreate(InputModel):
    kind: str = Field(description="hashtag_contest or call_for_contributions", max_length=30)
    title: str = Field(max_length=160)
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    hashtag: str = Field(default="", max_length=100, description="#tag; required for a contest")
    keywords: list[str] = Field(default_factory=list, max_length=20)
    networks: list[str] = Field(default_factory=list, description="Empty: every network")
    rules_en: str = Field(default="", max_length=5000)
    rules_fr: str = Field(default="", max_length=5000)
    consent_en: str = Field(default="", max_length=5000, description="Empty: the default text")
    consent_fr: str = Field(default="", max_length=5000, description="Empty: the default text")
    public_enabled: bool = True


class ContestUpdate(InputModel):
    title: str | None = Field(default=None, max_length=160)
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    hashtag: str | None = Field(default=None, max_length=100)
    keywords: list[str] | None = Field(default=None, max_length=20)
    networks: list[str] | None = None
    rules_en: str | None = Field(default=None, max_length=5000)
    rules_fr: str | None = Field(default=None, max_length=5000)
    consent_en: str | None = Field(default=None, max_length=5000)
    consent_fr: str | None = Field(default=None, max_length=5000)
    public_enabled: bool | None = None
    status: str | None = Field(
        default=None, max_length=16, description="draft -> open -> closed (-> open again)"
    )


class Contest(OutputModel):
    id: uuid.UUID
    kind: str
    title: str
    hashtag: str
    keywords: list[str]
    networks: list[str]
    opens_at: datetime
    closes_at: datetime
    rules_en: str
    rules_fr: str
    status: str
    slug: str = Field(description="The public submission page is /c/<slug>")
    public_enabled: bool
    consent_en: str
    consent_fr: str
    consent_version: int
    listening_query_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime
    last_collected_at: datetime | None
    announced_at: datetime | None
    announcement_post_id: uuid.UUID | None


class Entry(OutputModel):
    id: uuid.UUID
    contest_id: uuid.UUID
    source: str = Field(description="mention, inbox or public")
    network: str
    external_id: str
    author_handle: str
    author_name: str
    author_email: str | None
    text: str
    media_ids: list[str]
    permalink: str | None
    language: str | None
    submitted_at: datetime
    review_status: str
    shortlisted: bool
    winner_rank: int | None
    consent_version: int | None
    consent_text: str | None
    consent_language: str | None
    consent_at: datetime | None
    votes: int = 0
    average_score: float | None = None
    my_score: int | None = None


class Review(InputModel):
    status: str = Field(max_length=16, description="pending, accepted or rejected")


class VoteIn(InputModel):
    score: int = Field(ge=1, le=5)


class ShortlistIn(InputModel):
    shortlisted: bool


class WinnersIn(InputModel):
    entry_ids: list[LaxUUID] = Field(max_length=20, description="First prize first")


class AnnounceIn(InputModel):
    channel_ids: list[LaxUUID] = Field(min_length=1, max_length=50)
    language: str = Field(default="en", max_length=2, description="en or fr")


class PollIn(InputModel):
    channel_ids: list[LaxUUID] = Field(min_length=1, max_length=50)
    language: str = Field(default="en", max_length=2, description="en or fr")
    duration_minutes: int = Field(
        default=1440, ge=5, le=43_829, description="How long the poll stays open"
    )


class Announced(OutputModel):
    post_id: uuid.UUID


class Collected(OutputModel):
    read: int = Field(description="Posts of the window looked at")
    added: int = Field(description="New entries")
