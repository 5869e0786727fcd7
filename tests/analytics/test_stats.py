"""PublicationStats upkeep: a row per published post from its first collection run, the
latest figures of each measurement, "not available" kept apart from zero, and rebuild."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from orchestre.analytics import stats
from orchestre.analytics.stats import MediaFacts, format_of
from orchestre.connectors.base import Installation, MetricSample
from orchestre.errors import NotFound
from orchestre.kit.clock import FrozenClock
from orchestre.models.analytics import LinkClick, PostFormat, PublicationStats, TrackedLink
from orchestre.models.editorial import Campaign, ContentPillar
from orchestre.models.media import MediaAsset
from orchestre.models.post import Post, VariantMedia
from orchestre.models.publication import Publication, PublicationState
from tests.insights.conftest import HOUR, World, build_world

VERTICAL = {"width": 1080, "height": 1920}
WIDE = {"width": 1920, "height": 1080}


def video(seconds: float | None, shape: dict[str, int] | None = None) -> MediaFacts:
    return MediaFacts("video", duration=seconds, **(shape or {}))


@pytest.mark.parametrize(
    ("network", "options", "media", "expected"),
    [
        ("sandbox", {}, [], PostFormat.TEXT),
        ("x", {}, [MediaFacts("image", 1200, 800)], PostFormat.IMAGE),
        ("x", {}, [MediaFacts("gif", 400, 400)], PostFormat.IMAGE),
        ("instagram", {}, [MediaFacts("image"), video(20, VERTICAL)], PostFormat.CAROUSEL),
        ("tiktok", {}, [video(170, VERTICAL)], PostFormat.SHORT_VIDEO),
        ("tiktok", {}, [video(240, VERTICAL)], PostFormat.VIDEO),  # past 3 minutes
        ("tiktok", {}, [video(30, WIDE)], PostFormat.VIDEO),  # not vertical
        ("tiktok", {}, [video(None)], PostFormat.SHORT_VIDEO),  # unknown: fits
        ("instagram", {}, [video(60, VERTICAL)], PostFormat.SHORT_VIDEO),  # a Reel
        ("facebook", {"format": "reel"}, [video(150, VERTICAL)], PostFormat.SHORT_VIDEO),
        ("youtube", {"format": "short"}, [video(175, VERTICAL)], PostFormat.SHORT_VIDEO),
        ("youtube", {}, [video(175, VERTICAL)], PostFormat.VIDEO),  # no Short, past 90 s
        ("youtube", {}, [video(600, WIDE)], PostFormat.VIDEO),
        ("linkedin", {}, [video(45, VERTICAL)], PostFormat.SHORT_VIDEO),  # vertical, 90 s
        ("linkedin", {}, [video(45)], PostFormat.VIDEO),  # shape unknown outside short formats
        ("facebook", {"format": "feed"}, [video(91, VERTICAL)], PostFormat.VIDEO),
    ],
)
def test_the_format_rule(
    network: str, options: dict[str, object], media: list[MediaFacts], expected: PostFormat
) -> None:
    assert format_of(network, options, media) is expected


@pytest.fixture
def world(db: Session, clock: FrozenClock) -> World:
    return build_world(db, clock)


def _row(world: World, publication: Publication) -> PublicationStats:
    world.db.expire_all()
    row = world.db.get(PublicationStats, publication.id)
    assert row is not None
    return row


def _latest(world: World, publication: Publication) -> dict[str, float]:
    return {s.metric: s.value for s in world.samples(publication)}  # ordered by time


def test_a_published_post_counts_before_its_first_measurement(world: World) -> None:
    publication = world.publish_now()
    world.collect()
    row = _row(world, publication)
    variant = world.db.get_one(Publication, publication.id).variant_id
    assert (row.workspace_id, row.channel_id, row.variant_id) == (
        world.workspace.id,
        world.channel.id,
        variant,
    )
    assert row.network == "sandbox"
    assert row.format == PostFormat.TEXT.value
    assert row.published_at == publication.published_at
    assert row.measured_at is None
    assert (row.impressions, row.likes, row.followers) == (None, None, None)
    assert row.link_clicks == 0


def test_each_measurement_brings_the_latest_figures_and_the_followers(world: World) -> None:
    publication = world.publish_now(link="https://example.com/a")
    world.collect()
    world.later(hours=1)
    world.collect()
    first = _row(world, publication)
    latest = _latest(world, publication)
    assert first.measured_at == world.clock.now()
    assert first.impressions == latest["impressions"] > 0
    assert first.clicks == latest["clicks"]
    assert first.followers == latest["followers"] > 0
    impressions = first.impressions
    world.later(hours=5)
    world.collect()
    later = _row(world, publication)
    assert later.impressions == _latest(world, publication)["impressions"] > impressions
    assert later.measured_at == world.clock.now()


def test_a_metric_the_network_does_not_give_is_not_zero(world: World) -> None:
    publication = world.publish_now()  # no link, no video on the sandbox
    world.collect()
    world.later(hours=1)
    world.collect()
    row = _row(world, publication)
    assert row.likes is not None
    assert row.clicks is None
    assert (row.video_views, row.watch_time, row.completion) == (None, None, None)


class _WithoutLikes:
    """The network stops giving likes (a permission lost, an API change)."""

    def __init__(self, inner: Installation) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def read_metrics(self, ids: Sequence[str]) -> list[MetricSample]:
        return [s for s in self.inner.read_metrics(ids) if s.metric != "likes"]


def test_a_value_is_never_replaced_by_nothing(world: World) -> None:
    publication = world.publish_now()
    world.collect()
    world.later(hours=1)
    world.collect()
    likes = _row(world, publication).likes
    assert likes is not None
    world.opener.wrap = _WithoutLikes  # type: ignore[assignment]
    world.later(hours=5)
    world.collect()
    row = _row(world, publication)
    assert row.likes == likes
    assert row.impressions == _latest(world, publication)["impressions"]


def test_campaign_and_pillar_follow_the_post_after_publication(world: World) -> None:
    publication = world.publish_now()
    world.collect()
    row = _row(world, publication)
    assert (row.campaign_id, row.pillar_id) == (None, None)
    campaign = Campaign(workspace_id=world.workspace.id, name="Printemps")
    pillar = ContentPillar(workspace_id=world.workspace.id, name="Recettes")
    world.db.add_all([campaign, pillar])
    world.db.flush()
    post = world.db.get_one(Post, row.post_id)
    post.campaign_id, post.pillar_id = campaign.id, pillar.id
    world.db.flush()
    world.later(hours=1)
    world.collect()
    row = _row(world, publication)
    assert (row.campaign_id, row.pillar_id) == (campaign.id, pillar.id)


def _attach(world: World, publication: Publication, kind: str, **facts: float) -> None:
    asset = MediaAsset(
        workspace_id=world.workspace.id,
        filename=f"clip.{kind}",
        kind=kind,
        content_type=f"{kind}/mp4",
        size_bytes=1000,
        sha256="0" * 64,
        storage_key=f"test/{uuid.uuid4().hex}",
        **facts,
    )
    world.db.add(asset)
    world.db.flush()
    world.db.add(VariantMedia(variant_id=publication.variant_id, media_id=asset.id))
    world.db.flush()


def test_the_row_says_the_variant_format(world: World) -> None:
    publication = world.publish_now()
    _attach(world, publication, "video", width=1080, height=1920, duration_seconds=42.0)
    world.collect()
    assert _row(world, publication).format == PostFormat.SHORT_VIDEO.value


def _snapshot(world: World) -> dict[uuid.UUID, tuple[object, ...]]:
    world.db.expire_all()
    return {
        r.publication_id: (r.measured_at, r.impressions, r.likes, r.clicks, r.followers, r.format)
        for r in world.db.scalars(
            select(PublicationStats).where(PublicationStats.workspace_id == world.workspace.id)
        )
    }


def test_rebuild_makes_the_rows_again_from_the_samples(db: Session, clock: FrozenClock) -> None:
    world = build_world(db, clock)
    other = build_world(db, clock, seed=12)
    first = world.publish_now(link="https://example.com/a")
    world.later(hours=2)
    second = world.publish_now()
    world.collect()
    world.events_until(world.clock.now() + timedelta(days=2))
    foreign = other.publish_now()
    other.collect()
    before = _snapshot(world)
    assert set(before) == {first.id, second.id}
    assert all(values[0] is not None for values in before.values())

    # Two people and a crawler followed the first post's link before its row was lost.
    link = TrackedLink(
        workspace_id=world.workspace.id,
        code="Rb8kQ2xZ",
        target_url="https://example.com/a?utm_source=sandbox",
        publication_id=first.id,
        clicks=2,
    )
    world.db.add(link)
    world.db.flush()
    world.db.add_all(
        LinkClick(link_id=link.id, workspace_id=world.workspace.id, bot=bot)
        for bot in (False, False, True)
    )
    world.db.execute(delete(PublicationStats).where(PublicationStats.publication_id == first.id))
    world.db.get_one(PublicationStats, second.id).likes = None
    report = stats.rebuild(world.db, workspace_id=world.workspace.id)
    assert (report.publications, report.measured, report.removed) == (2, 2, 0)
    assert _snapshot(world) == before
    assert world.db.get_one(PublicationStats, first.id).link_clicks == 2
    stats.rebuild(world.db, workspace_id=world.workspace.id)  # idempotent
    assert _snapshot(world) == before

    # A publication no longer published leaves the figures; other workspaces are untouched.
    world.db.get_one(Publication, second.id).state = PublicationState.FAILED.value
    world.db.flush()
    report = stats.rebuild(world.db, workspace_id=world.workspace.id)
    assert report.removed == 1
    assert set(_snapshot(world)) == {first.id}
    assert world.db.get(PublicationStats, foreign.id) is not None


def test_a_late_older_measurement_only_fills_what_is_missing() -> None:
    t0 = datetime(2030, 1, 1, tzinfo=UTC)
    row = PublicationStats(likes=None, impressions=None, saves=None, measured_at=None)
    stats.record(row, {"impressions": (500.0, t0 + HOUR), "likes": (9.0, t0 + HOUR)})
    stats.record(row, {"impressions": (300.0, t0), "saves": (2.0, t0), "likes": (7.0, t0)})
    assert (row.impressions, row.likes, row.saves) == (500.0, 9.0, 2.0)
    assert row.measured_at == t0 + HOUR
    # A figure that is not the post's (an account's) neither lands nor moves the instant.
    stats.record(row, {"profile_visits": (4.0, t0 + 2 * HOUR)})
    assert row.measured_at == t0 + HOUR


def test_the_command_rebuilds_one_workspace_by_its_slug(world: World) -> None:
    publication = world.publish_now()
    world.collect()
    world.db.execute(delete(PublicationStats))
    report = stats.rebuild_command(world.db, world.workspace.slug)
    assert report.publications == 1
    assert world.db.get(PublicationStats, publication.id) is not None
    with pytest.raises(NotFound, match="No workspace has the slug 'nowhere'"):
        stats.rebuild_command(world.db, "nowhere")
    assert stats.rebuild_command(world.db, None).publications >= 1
