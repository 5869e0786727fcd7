"""The brand's own posts, as the weekly digest needs them: each measured post's engagement
rate, the brand's median over the last 90 days, its last post carrying a hashtag, and the
week's best post with its format.

A post's engagement rate here is its interactions (likes, comments, reposts, saves; see
`analytics.kpis.engagement_of`) over its reach, else its impressions, else the account's
followers when it was measured, in percent: one figure per post, so that one post can be
compared with the median of the others (docs/kpis.md has the workspace-level rates, which
are ratios of sums)."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.analytics.kpis import engagement_of
from orchestre.listening import digest
from orchestre.listening.trends import fold, tokens
from orchestre.models import PostVariant, PublicationStats

HISTORY = timedelta(days=90)
MIN_POSTS_FOR_MEDIAN = 3
EXCERPT = 60


@dataclass(frozen=True)
class PostRate:
    text: str
    network: str
    format: str
    published_at: datetime
    rate: float  # percent

    @property
    def hashtags(self) -> set[str]:
        return {t for t in tokens(self.text, bigrams=False) if t[0] == "#"}


def rate_of(stats: PublicationStats) -> float | None:
    """Interactions over reach (else impressions, else followers), in percent."""
    engagement = engagement_of(stats.likes, stats.comments, stats.reposts, stats.saves)
    base = stats.reach or stats.impressions or stats.followers
    if engagement is None or not base:
        return None
    return round(engagement / base * 100, 2)


def post_rates(
    session: Session, workspace_id: uuid.UUID, since: datetime, until: datetime
) -> list[PostRate]:
    """The measured posts published in [since, until), oldest first."""
    rows = session.execute(
        select(PublicationStats, PostVariant.text)
        .join(PostVariant, PostVariant.id == PublicationStats.variant_id)
        .where(
            PublicationStats.workspace_id == workspace_id,
            PublicationStats.published_at >= since,
            PublicationStats.published_at < until,
            PublicationStats.measured_at.is_not(None),
        )
        .order_by(PublicationStats.published_at, PublicationStats.publication_id)
    ).all()
    found = []
    for stats, text in rows:
        rate = rate_of(stats)
        if rate is not None:
            found.append(PostRate(text, stats.network, stats.format, stats.published_at, rate))
    return found


def median_rate(posts: list[PostRate]) -> float | None:
    if len(posts) < MIN_POSTS_FOR_MEDIAN:
        return None
    return round(statistics.median(p.rate for p in posts), 2)


def with_brand_posts(
    facts: digest.Facts, session: Session, workspace_id: uuid.UUID, end: datetime
) -> digest.Facts:
    """`facts` with each hashtag's last brand post and the week's best post filled in."""
    posts = post_rates(session, workspace_id, end - HISTORY, end)
    median = median_rate(posts)
    hashtags = []
    for fact in facts.hashtags:
        wanted = fold(fact.tag)
        last = next((p for p in reversed(posts) if wanted in p.hashtags), None)
        hashtags.append(
            digest.HashtagFact(
                fact.tag,
                fact.this_week,
                fact.last_week,
                last.rate if last else None,
                median if last else None,
            )
        )
    week = [p for p in posts if p.published_at >= end - timedelta(days=7)]
    best = max(week, key=lambda p: (p.rate, p.published_at), default=None)
    best_fact = None
    if best is not None:
        excerpt = best.text if len(best.text) <= EXCERPT else best.text[: EXCERPT - 1] + "…"
        best_fact = digest.BestPostFact(excerpt, best.network, best.format, best.rate, median)
    return digest.Facts(hashtags, facts.topics, facts.volume, best_fact, facts.bursts)
