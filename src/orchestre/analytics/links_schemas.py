"""API models of tracked links: making one by hand, listing them, and their click counts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from orchestre.apischema import CursorPage, InputModel, LaxUUID, OutputModel

GroupBy = Literal["link", "post", "variant", "channel", "campaign", "day"]
UtmValue = Annotated[str, Field(min_length=1, max_length=200)]


class LinkCreate(InputModel):
    """A short link to `url`. Given a variant, its post, channel and campaign come with it;
    UTM tags left out are derived (source: the channel's network, medium: social, campaign:
    the campaign's utm_campaign, content: the variant's id); tags already on the URL win."""

    url: str = Field(max_length=2048, description="http(s) address the short link leads to")
    variant_id: LaxUUID | None = None
    channel_id: LaxUUID | None = None
    campaign_id: LaxUUID | None = None
    utm_source: UtmValue | None = None
    utm_medium: UtmValue | None = None
    utm_campaign: UtmValue | None = None
    utm_content: UtmValue | None = Field(default=None, description="e.g. a label of your own")
    utm_term: UtmValue | None = None


class Link(OutputModel):
    id: uuid.UUID
    code: str
    short_url: str
    source_url: str = Field(description="the address as written, before UTM tags")
    target_url: str = Field(description="where the short link leads, UTM tags included")
    utm: dict[str, str]
    post_id: uuid.UUID | None
    variant_id: uuid.UUID | None
    channel_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    publication_id: uuid.UUID | None
    clicks: int = Field(description="people's clicks so far (robots and previews left out)")
    created_at: datetime


class LinkPage(CursorPage[Link]):
    pass


class ClickCount(OutputModel):
    key: str | None = Field(
        description="the id of the link, post, variant, channel or campaign, or the local "
        "day (YYYY-MM-DD); null: clicks on links without one"
    )
    clicks: int = Field(description="people's clicks")
    bot_clicks: int = Field(description="robots, link previews, prefetches and HEAD requests")


class ClickCounts(OutputModel):
    group_by: GroupBy
    timezone: str
    first_day: date
    last_day: date
    clicks: int
    bot_clicks: int
    rows: list[ClickCount]
