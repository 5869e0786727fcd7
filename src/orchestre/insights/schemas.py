"""API models of insights."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from orchestre.apischema import OutputModel

Source = Literal["own_history", "network_prior", "blend"]


class BestTimeSlot(OutputModel):
    starts_at: datetime = Field(description="The slot's start (UTC)")
    local_time: str = Field(description="The same instant on the workspace's wall clock")
    weekday: int = Field(description="0 = Monday ... 6 = Sunday (workspace's time zone)")
    hour: int = Field(description="0 to 23 (workspace's time zone)")
    score: float = Field(
        description=(
            "Expected engagement relative to the channel's average post (1.0 = average); "
            "with the network prior alone (prior_weight null), relative to the network's "
            "average hour of the week"
        )
    )
    posts: int = Field(description="The channel's measured posts published at this very hour")
    nearby_posts: int = Field(description="Its measured posts within two hours of it")
    own_share: float = Field(
        description="Share of the channel's own history in the score (0: network prior alone)"
    )
    source: Source


class BestTimes(OutputModel):
    channel_id: uuid.UUID
    network: str
    timezone: str
    basis: Literal["impressions", "followers", "engagement"] = Field(
        description="What the engagement rates are relative to"
    )
    posts_measured: int = Field(description="Posts measured at least 24 hours after publication")
    prior: Literal["network", "generic"] = Field(
        description="The fallback pattern: the network's own or a generic one"
    )
    prior_weight: float | None = Field(
        description="How many posts the prior counts for in each hour (null: prior alone)"
    )
    slots: list[BestTimeSlot] = Field(description="The coming week's best slots, best first")
