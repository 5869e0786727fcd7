"""Best times of a channel: its posts' measured engagement turned into the coming week's
best slots (see `besttime` for the statistics and `priors` for the fallback).

Which numbers: each post's metrics as first measured at least 24 hours after publication
(`REFERENCE_STAGE`), so that a post from yesterday and one from last month are compared
at the same age; younger posts wait. Engagement is likes + comments + reposts + saves +
clicks; the rate divides it by the post's impressions when the network reports them
for most posts, else by the account's followers at the time, else the raw engagement
is used (the lifts that `besttime` works with are relative, so any of the three will do
as long as one channel sticks to one).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels import repository as channels
from orchestre.connectors.base import Metric
from orchestre.insights import besttime
from orchestre.insights.priors import has_own_prior, network_prior
from orchestre.kit.clock import utcnow
from orchestre.models import Channel, Workspace
from orchestre.models.insights import PostMetricSample
from orchestre.models.publication import Publication
from orchestre.workspaces.permissions import Actor, Permission

REFERENCE_STAGE = 2  # the 24 h measurement (collection.STAGES[2])
LOOKBACK = timedelta(days=365)
ENGAGEMENT = (
    Metric.LIKES.value,
    Metric.COMMENTS.value,
    Metric.REPOSTS.value,
    Metric.SAVES.value,
    Metric.CLICKS.value,
)
BASES = (Metric.IMPRESSIONS.value, Metric.FOLLOWERS.value)


@dataclass(frozen=True)
class BestTimes:
    channel_id: uuid.UUID
    network: str
    timezone: str
    basis: str  # impressions | followers | engagement: what the rates are relative to
    posts_measured: int
    prior: str  # network (the network's own pattern) | generic
    prior_weight: float | None
    slots: list[besttime.Slot]
    hours: list[besttime.HourEstimate]  # all 168, Monday 00:00 first


@dataclass(frozen=True)
class _Post:
    published_at: datetime
    values: dict[str, float]

    @property
    def engagement(self) -> float:
        return sum(self.values.get(name, 0.0) for name in ENGAGEMENT)


def _measured(session: Session, channel_id: uuid.UUID, since: datetime) -> list[_Post]:
    """Each post's values at its first measurement from REFERENCE_STAGE on."""
    rows = session.execute(
        select(
            PostMetricSample.publication_id,
            Publication.published_at,
            PostMetricSample.stage,
            PostMetricSample.measured_at,
            PostMetricSample.metric,
            PostMetricSample.value,
        )
        .join(Publication, Publication.id == PostMetricSample.publication_id)
        .where(
            PostMetricSample.channel_id == channel_id,
            PostMetricSample.stage >= REFERENCE_STAGE,
            Publication.published_at >= since,
        )
        .order_by(PostMetricSample.publication_id, PostMetricSample.measured_at)
    ).all()
    first_stage: dict[uuid.UUID, int] = {}
    for publication_id, _, stage, _, _, _ in rows:
        first_stage[publication_id] = min(stage, first_stage.get(publication_id, stage))
    values: dict[uuid.UUID, dict[str, float]] = defaultdict(dict)
    published: dict[uuid.UUID, datetime] = {}
    for publication_id, published_at, stage, _, metric, value in rows:
        if stage != first_stage[publication_id] or published_at is None:
            continue
        values[publication_id][metric] = value  # ordered by time: the latest of the stage wins
        published[publication_id] = published_at
    return [_Post(published[p], v) for p, v in values.items()]


def rates(posts: list[_Post]) -> tuple[list[besttime.PostRate], str]:
    """Each post's engagement rate, on the basis most posts allow (see module docstring)."""
    for basis in BASES:
        known = [p for p in posts if p.values.get(basis, 0.0) > 0]
        if posts and len(known) * 2 >= len(posts):
            return [
                besttime.PostRate(p.published_at, p.engagement / p.values[basis]) for p in known
            ], basis
    return [besttime.PostRate(p.published_at, p.engagement) for p in posts], "engagement"


def channel_best_times(
    session: Session, channel: Channel, zone_name: str, now: datetime, *, limit: int = 5
) -> BestTimes:
    posts = _measured(session, channel.id, now - LOOKBACK)
    post_rates, basis = rates(posts)
    estimates = besttime.estimate(
        besttime.lifts(post_rates, zone_name), network_prior(channel.network)
    )
    slots = besttime.upcoming_slots(estimates.hours, now, zone_name, limit=limit)
    return BestTimes(
        channel_id=channel.id,
        network=channel.network,
        timezone=zone_name,
        basis=basis,
        posts_measured=estimates.posts,
        prior="network" if has_own_prior(channel.network) else "generic",
        prior_weight=estimates.prior_weight,
        slots=slots,
        hours=estimates.hours,
    )


def best_times(
    session: Session, actor: Actor, channel_id: uuid.UUID, *, limit: int = 5
) -> BestTimes:
    """The channel's best slots of the coming week, in the workspace's time zone."""
    actor.require(Permission.ANALYTICS_VIEW)
    channel = channels.get(session, actor.workspace_id, channel_id)
    workspace = session.get(Workspace, actor.workspace_id)
    zone_name = workspace.timezone if workspace is not None else "UTC"
    return channel_best_times(session, channel, zone_name, utcnow(), limit=limit)
