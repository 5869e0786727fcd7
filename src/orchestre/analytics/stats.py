"""Keeping `PublicationStats` (one row of latest figures per published post) in step.

A row is created when the metrics collection first sees a published publication (within
one collection run of its publication, before its first measurement, all figures NULL),
and each measurement the collection stores updates it (`record`). `rebuild` makes the
rows again from the stored samples, for data collected before the rows existed or after
a repair; it is idempotent.

Rules (docs/analytics.md):

- a figure is the latest value measured for its metric; a metric the network did not
  give stays NULL ("not available"), and a value is never replaced by NULL;
- `followers` is the account's followers taken with the same measurement;
- the post's campaign and pillar are copied again at each measurement and rebuild, so a
  post moved to another campaign after publication is counted there from then on;
- the format follows `format_of`;
- `link_clicks` (our redirector's human clicks, kept by `analytics.links`) starts from the
  clicks already counted when the row is made, and rebuild counts it again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.analytics.links import link_clicks_of
from orchestre.connectors.base import Metric
from orchestre.errors import NotFound
from orchestre.kit.clock import utcnow
from orchestre.models import Channel, Post, PostVariant, Workspace
from orchestre.models.analytics import PostFormat, PublicationStats
from orchestre.models.insights import PostMetricSample
from orchestre.models.media import MediaAsset
from orchestre.models.post import VariantMedia
from orchestre.models.publication import Publication, PublicationState

# Metrics kept on the row (the column has the metric's name).
COLUMNS: frozenset[str] = frozenset(
    m.value
    for m in (
        Metric.IMPRESSIONS,
        Metric.REACH,
        Metric.LIKES,
        Metric.COMMENTS,
        Metric.REPOSTS,
        Metric.SAVES,
        Metric.CLICKS,
        Metric.VIDEO_VIEWS,
        Metric.WATCH_TIME,
        Metric.COMPLETION,
        Metric.FOLLOWERS,
    )
)
# Short-form video: at most 3 minutes in the networks' short formats (TikTok, Reels,
# Shorts), at most 90 seconds elsewhere; vertical in both cases.
SHORT_FORM_SECONDS = 180.0
SHORT_ELSEWHERE_SECONDS = 90.0
SHORT_FORMATS = frozenset({"reel", "short"})
REBUILD_BATCH = 500

# One measurement: metric name -> (value, when it was measured).
Values = Mapping[str, tuple[float, datetime]]


@dataclass(frozen=True)
class MediaFacts:
    """What the format rule needs to know of one attached file."""

    kind: str  # image | video | gif
    width: int | None = None
    height: int | None = None
    duration: float | None = None


def format_of(
    network: str, options: Mapping[str, object], media: Sequence[MediaFacts]
) -> PostFormat:
    """What a variant was, for comparing formats.

    Two files or more: carousel. One video: short video when it is a short-form video
    (see `_short`), else video. One image (or GIF): image. Nothing attached: text.
    """
    if len(media) >= 2:
        return PostFormat.CAROUSEL
    if not media:
        return PostFormat.TEXT
    if media[0].kind != "video":
        return PostFormat.IMAGE
    return PostFormat.SHORT_VIDEO if _short(network, options, media[0]) else PostFormat.VIDEO


def _short(network: str, options: Mapping[str, object], video: MediaFacts) -> bool:
    """Vertical and at most 3 minutes in a short format (TikTok, a Reel, a Short: a single
    Instagram video is always a Reel), where an unknown shape or length counts as fitting;
    elsewhere vertical and at most 90 seconds, both known."""
    known_shape = video.width is not None and video.height is not None
    vertical = known_shape and (video.height or 0) > (video.width or 0)
    fmt = str(options.get("format") or "")
    short_form = (
        fmt in SHORT_FORMATS
        or network == "tiktok"
        or (network == "instagram" and fmt in {"", "feed"})
    )
    if short_form:
        fits = video.duration is None or video.duration <= SHORT_FORM_SECONDS
        return fits and (vertical or not known_shape)
    return vertical and video.duration is not None and video.duration <= SHORT_ELSEWHERE_SECONDS


# Rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    workspace_id: uuid.UUID
    channel_id: uuid.UUID
    network: str
    post_id: uuid.UUID
    variant_id: uuid.UUID
    campaign_id: uuid.UUID | None
    pillar_id: uuid.UUID | None
    published_at: datetime
    options: Mapping[str, object]


def _facts(session: Session, publication_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, _Facts]:
    """Who each published publication is (others are left out)."""
    rows = session.execute(
        select(
            Publication.id,
            Publication.workspace_id,
            Publication.channel_id,
            Channel.network,
            PostVariant.post_id,
            Publication.variant_id,
            Post.campaign_id,
            Post.pillar_id,
            Publication.published_at,
            PostVariant.options,
        )
        .join(PostVariant, PostVariant.id == Publication.variant_id)
        .join(Post, Post.id == PostVariant.post_id)
        .join(Channel, Channel.id == Publication.channel_id)
        .where(
            Publication.id.in_(publication_ids),
            Publication.state == PublicationState.PUBLISHED.value,
            Publication.published_at.is_not(None),
        )
    ).all()
    return {
        row[0]: _Facts(*row[1:8], published_at=row.published_at or utcnow(), options=row.options)
        for row in rows
    }


def _media(session: Session, variant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[MediaFacts]]:
    rows = session.execute(
        select(
            VariantMedia.variant_id,
            MediaAsset.kind,
            MediaAsset.width,
            MediaAsset.height,
            MediaAsset.duration_seconds,
        )
        .join(MediaAsset, MediaAsset.id == VariantMedia.media_id)
        .where(VariantMedia.variant_id.in_(set(variant_ids)))
        .order_by(VariantMedia.variant_id, VariantMedia.position)
    ).all()
    found: dict[uuid.UUID, list[MediaFacts]] = defaultdict(list)
    for variant_id, kind, width, height, duration in rows:
        found[variant_id].append(MediaFacts(kind, width, height, duration))
    return found


def prepare(
    session: Session, publication_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PublicationStats]:
    """The stats rows of these publications (those published), created where missing, with
    the post's campaign, pillar and the format copied again. Flushed."""
    if not publication_ids:
        return {}
    facts = _facts(session, publication_ids)
    media = _media(session, {f.variant_id for f in facts.values()})
    try:
        with session.begin_nested():
            rows = _fill(session, facts, media)
            session.flush()
    except IntegrityError:  # another worker created some of them just now: take theirs
        with session.begin_nested():
            rows = _fill(session, facts, media)
            session.flush()
    return rows


def _fill(
    session: Session,
    facts: Mapping[uuid.UUID, _Facts],
    media: Mapping[uuid.UUID, list[MediaFacts]],
) -> dict[uuid.UUID, PublicationStats]:
    rows = {
        row.publication_id: row
        for row in session.scalars(
            select(PublicationStats).where(PublicationStats.publication_id.in_(list(facts)))
        )
    }
    for publication_id, fact in facts.items():
        row = rows.get(publication_id)
        if row is None:
            row = PublicationStats(
                publication_id=publication_id,
                workspace_id=fact.workspace_id,
                channel_id=fact.channel_id,
                post_id=fact.post_id,
                variant_id=fact.variant_id,
                # Clicks on its tracked links may come before the row does.
                link_clicks=link_clicks_of(session, publication_id),
            )
            session.add(row)
            rows[publication_id] = row
        row.network = fact.network
        row.campaign_id = fact.campaign_id
        row.pillar_id = fact.pillar_id
        row.published_at = fact.published_at
        files = media.get(fact.variant_id, [])
        row.format = format_of(fact.network, fact.options or {}, files).value
    return rows


def record(row: PublicationStats, values: Values) -> None:
    """Take one measurement into the row: each metric given replaces an older value; a
    metric not given keeps its value (or stays NULL: not available)."""
    for metric, (value, at) in values.items():
        if metric not in COLUMNS:
            continue
        if row.measured_at is None or at >= row.measured_at or getattr(row, metric) is None:
            setattr(row, metric, value)
    instants = [at for metric, (_, at) in values.items() if metric in COLUMNS]
    if instants and (row.measured_at is None or max(instants) > row.measured_at):
        row.measured_at = max(instants)


# Rebuild ------------------------------------------------------------------------------------


@dataclass
class RebuildReport:
    publications: int = 0  # published publications seen
    measured: int = 0  # of which with at least one sample
    removed: int = 0  # rows of publications no longer published


def _latest(
    session: Session, publication_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, tuple[float, datetime]]]:
    """The latest sample of each metric of these publications."""
    last = (
        select(
            PostMetricSample.publication_id,
            PostMetricSample.metric,
            func.max(PostMetricSample.measured_at).label("at"),
        )
        .where(PostMetricSample.publication_id.in_(publication_ids))
        .group_by(PostMetricSample.publication_id, PostMetricSample.metric)
        .subquery()
    )
    rows = session.execute(
        select(
            PostMetricSample.publication_id,
            PostMetricSample.metric,
            PostMetricSample.value,
            PostMetricSample.measured_at,
        ).join(
            last,
            and_(
                PostMetricSample.publication_id == last.c.publication_id,
                PostMetricSample.metric == last.c.metric,
                PostMetricSample.measured_at == last.c.at,
            ),
        )
    ).all()
    found: dict[uuid.UUID, dict[str, tuple[float, datetime]]] = defaultdict(dict)
    for publication_id, metric, value, at in rows:
        found[publication_id][metric] = (value, at)
    return found


def rebuild(
    session: Session, *, workspace_id: uuid.UUID | None = None, batch: int = REBUILD_BATCH
) -> RebuildReport:
    """Make every published publication's row again from its samples and its tracked
    links' clicks (one workspace, or all); rows of publications no longer published are
    removed. Running it twice changes nothing the second time. The caller commits."""
    report = RebuildReport()
    after: uuid.UUID | None = None
    while True:
        stmt = (
            select(Publication.id)
            .where(
                Publication.state == PublicationState.PUBLISHED.value,
                Publication.published_at.is_not(None),
            )
            .order_by(Publication.id)
            .limit(batch)
        )
        if workspace_id is not None:
            stmt = stmt.where(Publication.workspace_id == workspace_id)
        if after is not None:
            stmt = stmt.where(Publication.id > after)
        ids = list(session.scalars(stmt))
        if not ids:
            break
        rows = prepare(session, ids)
        for publication_id, row in rows.items():
            row.link_clicks = link_clicks_of(session, publication_id)
        for publication_id, values in _latest(session, ids).items():
            if publication_id in rows:
                record(rows[publication_id], values)
                report.measured += 1
        session.flush()
        report.publications += len(rows)
        after = ids[-1]
    report.removed = _remove_unpublished(session, workspace_id)
    return report


def rebuild_command(session: Session, slug: str | None) -> RebuildReport:
    """`orchestre analytics rebuild-stats [--workspace SLUG]`: one workspace, or all."""
    if slug is None:
        return rebuild(session)
    workspace_id = session.scalar(select(Workspace.id).where(Workspace.slug == slug))
    if workspace_id is None:
        raise NotFound(f"No workspace has the slug {slug!r}.", code="workspace_not_found")
    return rebuild(session, workspace_id=workspace_id)


def _remove_unpublished(session: Session, workspace_id: uuid.UUID | None) -> int:
    published = select(Publication.id).where(
        Publication.state == PublicationState.PUBLISHED.value,
        Publication.published_at.is_not(None),
    )
    stmt = delete(PublicationStats).where(PublicationStats.publication_id.not_in(published))
    if workspace_id is not None:
        stmt = stmt.where(PublicationStats.workspace_id == workspace_id)
    result = session.execute(stmt.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
