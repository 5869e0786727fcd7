"""Routes of topic clusters and the inbox's trends under /workspaces/{workspace_id}/listening:
read the cached clusters, ask for a recomputation, the inbox's terms and bursts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor
from orchestre.listening import topics_schemas as s
from orchestre.listening import topics_service as service
from orchestre.listening.schemas import BurstOut, Count

router = APIRouter(tags=["listening"])

BASE = "/workspaces/{workspace_id}/listening"


def clusters_out(found: service.TopicClusters) -> s.TopicClusters:
    return s.TopicClusters.model_validate(found)


@router.get(BASE + "/topics", response_model=s.TopicClusters, responses=problems())
def topic_clusters(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> s.TopicClusters:
    """The last 7 days' topic clusters as last computed in the background (never computed
    in the request: `state` is `pending` until the first computation)."""
    return clusters_out(service.topic_clusters(db, actor))


@router.post(BASE + "/topics/refresh", response_model=s.TopicClusters, responses=problems())
def refresh_topics(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> s.TopicClusters:
    """Ask the background loop to recompute the topic clusters at its next round."""
    return clusters_out(service.request_topics(db, actor))


@router.get(BASE + "/inbox-trends", response_model=s.InboxTrends, responses=problems(422))
def inbox_trends(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    days: Annotated[int, Query(ge=1, le=366)] = service.INBOX_TREND_DAYS,
) -> s.InboxTrends:
    """Hashtags, terms, rising terms and bursts of the inbox's inbound messages."""
    found = service.inbox_trends(db, actor, days)
    return s.InboxTrends(
        days=found.days,
        total=found.total,
        top_hashtags=[Count(value=v, count=c) for v, c in found.top_hashtags],
        top_terms=[Count(value=v, count=c) for v, c in found.top_terms],
        rising=[s.TrendOut.model_validate(t) for t in found.rising],
        bursts=[BurstOut.model_validate(b) for b in found.bursts],
    )
