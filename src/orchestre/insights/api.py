"""JSON routes of insights: the best times to post on a channel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor
from orchestre.insights import schemas, service

router = APIRouter(tags=["insights"])

BASE = "/workspaces/{workspace_id}"


def to_schema(found: service.BestTimes) -> schemas.BestTimes:
    return schemas.BestTimes(
        channel_id=found.channel_id,
        network=found.network,
        timezone=found.timezone,
        basis=found.basis,
        posts_measured=found.posts_measured,
        prior=found.prior,
        prior_weight=found.prior_weight,
        slots=[
            schemas.BestTimeSlot(
                starts_at=slot.starts_at,
                local_time=slot.local.isoformat(timespec="minutes"),
                weekday=slot.local.weekday(),
                hour=slot.local.hour,
                score=round(slot.estimate.score, 3),
                posts=slot.estimate.posts,
                nearby_posts=slot.estimate.nearby_posts,
                own_share=round(slot.estimate.own_share, 3),
                source=slot.estimate.source.value,
            )
            for slot in found.slots
        ],
    )


@router.get(
    BASE + "/channels/{channel_id}/best-times",
    response_model=schemas.BestTimes,
    responses=problems(400, 422),
)
def best_times(
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    limit: Annotated[int, Query(ge=1, le=24, description="How many slots")] = 5,
) -> schemas.BestTimes:
    """The coming week's best slots to post on this channel, from its own measured posts
    (smoothed) and the network's typical pattern where its history is thin."""
    return to_schema(service.best_times(db, actor, channel_id, limit=limit))
