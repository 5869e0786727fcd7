"""Share of voice by mentions and by engagement (docs/kpis.md): the posts found by the
brand's listening queries against those found by the brand's or its competitors' queries.

A post found by several queries counts once; it is the brand's when a brand query found
it. Its engagement is what the network showed when it was found (likes + reposts +
comments; a post that showed none counts 0)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from orchestre.listening.competitors_figures import share
from orchestre.models.listening import ListeningQuery, Mention


@dataclass(frozen=True)
class Shares:
    brand_mentions: int
    tracked_mentions: int  # the brand's and competitors' posts
    brand_engagement: int
    tracked_engagement: int

    @property
    def by_mentions(self) -> float | None:
        return share(self.brand_mentions, self.tracked_mentions)

    @property
    def by_engagement(self) -> float | None:
        return share(self.brand_engagement, self.tracked_engagement)


def shares(session: Session, workspace_id: uuid.UUID, start: datetime, end: datetime) -> Shares:
    brand = func.max(case((ListeningQuery.about == "brand", 1), else_=0)).label("brand")
    engagement = func.coalesce(func.max(Mention.engagement), 0).label("engagement")
    per_post = (
        select(brand, engagement)
        .join(ListeningQuery, ListeningQuery.id == Mention.query_id)
        .where(
            Mention.workspace_id == workspace_id,
            ListeningQuery.about.in_(("brand", "competitor")),
            Mention.published_at >= start,
            Mention.published_at < end,
        )
        .group_by(Mention.network, Mention.external_id)
        .subquery()
    )
    row = session.execute(
        select(
            func.coalesce(func.sum(per_post.c.brand), 0),
            func.count(),
            func.coalesce(func.sum(per_post.c.brand * per_post.c.engagement), 0),
            func.coalesce(func.sum(per_post.c.engagement), 0),
        ).select_from(per_post)
    ).one()
    return Shares(int(row[0]), int(row[1]), int(row[2]), int(row[3]))
