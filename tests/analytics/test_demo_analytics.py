"""The demo's analytics history: dashboards have ninety days of measured posts, follower
series and a campaign's paid results on first run, made by the real collectors."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestre import demo
from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock
from orchestre.models import Workspace
from orchestre.models.analytics import (
    CampaignResult,
    ChannelMetricSample,
    PostFormat,
    PublicationStats,
)
from orchestre.models.insights import PostMetricSample
from orchestre.models.publication import Publication, PublicationState


def test_the_demo_has_ninety_days_of_figures(
    db: Session, settings: Settings, clock: FrozenClock
) -> None:
    demo.fill(db, settings)
    now = clock.now()
    ws = db.scalars(select(Workspace).where(Workspace.name == "Maison Lumière")).one()
    published = db.scalar(
        select(func.count())
        .select_from(Publication)
        .where(
            Publication.workspace_id == ws.id,
            Publication.state == PublicationState.PUBLISHED.value,
        )
    )
    rows = list(db.scalars(select(PublicationStats).where(PublicationStats.workspace_id == ws.id)))
    # Every published post is in the figures, the stories' ones included.
    assert len(rows) == published
    assert published is not None
    assert published >= 30
    oldest = min(r.published_at for r in rows)
    assert now - timedelta(days=91) < oldest < now - timedelta(days=80)
    # Measured by the collectors: the row holds the latest sample of each metric.
    measured = [r for r in rows if r.measured_at is not None]
    assert len(measured) >= len(rows) - 2  # the last day's posts may wait for their hour
    for row in measured[:5]:
        latest = db.scalar(
            select(PostMetricSample.value)
            .where(
                PostMetricSample.publication_id == row.publication_id,
                PostMetricSample.metric == "impressions",
            )
            .order_by(PostMetricSample.measured_at.desc())
            .limit(1)
        )
        assert row.impressions == latest
        assert row.followers is not None
        assert row.followers > 0
    formats = Counter(r.format for r in rows)
    assert {PostFormat.TEXT, PostFormat.IMAGE, PostFormat.CAROUSEL} <= set(formats)
    if shutil.which("ffmpeg"):
        assert {PostFormat.SHORT_VIDEO, PostFormat.VIDEO} <= set(formats)
        videos = [r for r in measured if r.format == PostFormat.SHORT_VIDEO]
        assert all(r.watch_time and 0 < (r.completion or 0) < 1 for r in videos)
    assert all(r.video_views is None for r in rows if r.format == PostFormat.TEXT)
    assert any(r.campaign_id is not None for r in rows)

    # Each channel's followers, day by day, growing.
    followers = list(
        db.execute(
            select(ChannelMetricSample.channel_id, ChannelMetricSample.value)
            .where(
                ChannelMetricSample.workspace_id == ws.id, ChannelMetricSample.metric == "followers"
            )
            .order_by(ChannelMetricSample.measured_at)
        )
    )
    by_channel: dict[object, list[float]] = {}
    for channel_id, value in followers:
        by_channel.setdefault(channel_id, []).append(value)
    assert len(by_channel) == 3
    for series in by_channel.values():
        assert len(series) >= 85
        assert series == sorted(series)
        assert series[-1] > series[0]
    visits = db.scalar(
        select(func.count())
        .select_from(ChannelMetricSample)
        .where(
            ChannelMetricSample.workspace_id == ws.id,
            ChannelMetricSample.metric == "profile_visits",
        )
    )
    assert visits is not None
    assert visits >= 3 * 85

    # The running campaign's paid results, day by day up to yesterday.
    results = list(db.scalars(select(CampaignResult).where(CampaignResult.workspace_id == ws.id)))
    assert len(results) >= 10
    assert all(r.spend and r.spend > 0 and r.revenue is not None for r in results)
    assert max(r.day for r in results) < now.date()
