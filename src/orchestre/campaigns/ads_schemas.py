"""Request and response bodies of the ad platforms' API (links, sync, boosts)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field

from orchestre.apischema import InputModel, Lax, LaxUUID, OutputModel


class AdLinkIn(InputModel):
    channel_id: LaxUUID = Field(description="the connected channel that can read the ad account")
    ad_account_id: str = Field(min_length=1, max_length=64, examples=["act_1029384756"])
    external_campaign_id: str = Field(
        min_length=1, max_length=128, description="the campaign's id on the ad platform"
    )


class AdLink(OutputModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    channel_id: uuid.UUID
    network: str
    ad_account_id: str
    external_campaign_id: str
    next_sync_at: datetime
    last_synced_at: datetime | None
    last_error: str | None


class SyncOut(OutputModel):
    synced: int = Field(description="links read")
    rows: int = Field(description="result rows written or changed")
    postponed: int = Field(description="links waiting after a failure")
    skipped: int
    needs_reconnection: int
    errors: list[str]


def _iso_text(value: object) -> object:
    # Lax parsing would also read a bare number as a Unix time: only ISO 8601 text.
    if isinstance(value, str | datetime):
        return value
    raise ValueError("give an ISO 8601 date-time, e.g. 2030-03-15T10:00 (the workspace's zone)")


# A wall time in the workspace's zone (no offset) or an instant (with one).
WallTime = Annotated[datetime, BeforeValidator(_iso_text), Field(strict=False)]


class BoostIn(InputModel):
    ad_account_id: str = Field(min_length=1, max_length=64)
    budget: Lax[Decimal] = Field(gt=0, le=1_000_000, description="in `currency` units")
    currency: str = Field(min_length=3, max_length=3, examples=["EUR"])
    days: int | None = Field(
        default=None, ge=1, le=90, description="how long, counted from `start`; or give `end`"
    )
    start: WallTime | None = Field(
        default=None,
        description="when it starts: a wall time in the workspace's time zone (no offset, "
        "e.g. 2026-12-01T09:00) or an instant with its offset; none for now",
    )
    end: WallTime | None = Field(
        default=None, description="when it ends, like `start`; instead of `days`"
    )
    budget_kind: str = Field(default="lifetime", pattern="^(daily|lifetime)$")
    countries: list[str] = Field(default_factory=list, max_length=25, examples=[["FR", "BE"]])
    activate: bool = Field(
        default=False, description="start spending now; otherwise the boost waits, paused"
    )
    campaign_id: LaxUUID | None = Field(
        default=None, description="link the boost to this campaign so its results are synced"
    )
    authorization_code: str = Field(
        default="",
        max_length=512,
        description="TikTok: the Spark Ads code the creator generated for the post (a "
        "secret: used once, never stored nor shown)",
    )
    options: dict[str, str] = Field(
        default_factory=dict,
        max_length=10,
        description="choices one platform offers: LinkedIn `campaign_group` (an existing "
        "group's id) and `objective` (BRAND_AWARENESS, ENGAGEMENT, VIDEO_VIEWS, "
        "WEBSITE_VISITS); a platform refuses a name it does not take",
        examples=[{"objective": "VIDEO_VIEWS"}],
    )
    after_uncertain: bool = Field(
        default=False,
        description="a previous boost of this publication may have been made: you looked "
        "in the ad account and want another",
    )


class BoostOut(OutputModel):
    network: str
    ad_account_id: str
    external_campaign_id: str
    active: bool
    ends_at: datetime
    link_id: uuid.UUID | None


class AdSecretsIn(InputModel):
    values: dict[str, str] = Field(
        default_factory=dict,
        max_length=10,
        description="ads_* names and their secrets; replaces every one; {} clears them",
        examples=[{"ads_access_token": "EAAB..."}],
    )


class AdSecretsOut(OutputModel):
    channel_id: uuid.UUID
    names: list[str]
