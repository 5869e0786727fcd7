"""Competitor benchmark figures: the formulas (docs/kpis.md, "Competitor benchmarks") and
one side's figures over a period, from its daily follower counts and its posts.

The same formulas serve the brand (its channels' counts and posts from analytics) and
each competitor (their snapshots and public posts), so both sides compare like with like.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

FORMATS = ("text", "image", "video", "carousel", "link")
# Analytics' formats of our own posts, in the words of public posts.
BRAND_FORMATS = {"short_video": "video", "video": "video", "image": "image",
                 "carousel": "carousel", "text": "text"}  # fmt: skip


def growth(first: int | None, last: int | None) -> int | None:
    """last - first followers count in the period; None without two counts."""
    return None if first is None or last is None else last - first


def growth_rate(first: int | None, last: int | None) -> float | None:
    """(last - first) / first."""
    if first is None or last is None or first == 0:
        return None
    return (last - first) / first


def posts_per_week(posts: int, days: int) -> float | None:
    """posts / days in the period * 7."""
    return None if days <= 0 else posts / days * 7


def average(total: float | None, count: int) -> float | None:
    """Average engagements per post: engagements / posts."""
    return None if total is None or count == 0 else total / count


def engagement_rate(average_engagement: float | None, followers: int | None) -> float | None:
    """Average engagements per post / followers (the last count in the period)."""
    if average_engagement is None or not followers:
        return None
    return average_engagement / followers


def format_mix(formats: Iterable[str]) -> dict[str, int]:
    """Posts per format, every format listed (0 when none)."""
    counts = Counter(formats)
    return {f: counts.get(f, 0) for f in FORMATS}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_of(days: Sequence[date]) -> list[date]:
    """The Mondays of the weeks the period's days fall in, in order."""
    return sorted({monday(d) for d in days})


def share(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole


@dataclass(frozen=True)
class SideInput:
    """What one side (the brand or a competitor) brings, on one network, for the period."""

    key: str  # "brand" or the competitor's id
    name: str
    network: str
    brand: bool
    handle: str = ""
    url: str | None = None
    # The last followers count of each day that has one (brand: its channels' sum).
    followers_by_day: dict[date, int] = field(default_factory=dict)
    formats: Sequence[str] = ()  # one per post published in the period
    engagement: float | None = None  # sum over those posts; None: none reported
    # (posts, engagement) per week of the period, by its Monday.
    weekly: dict[date, tuple[int, float | None]] = field(default_factory=dict)
    last_error: str | None = None
    last_collected_at: datetime | None = None


@dataclass(frozen=True)
class Side:
    key: str
    name: str
    network: str
    brand: bool
    handle: str
    url: str | None
    followers: int | None
    growth: int | None
    growth_rate: float | None
    posts: int
    posts_per_week: float | None
    engagement: float | None
    average_engagement: float | None
    engagement_rate: float | None
    formats: dict[str, int]
    trend: list[int | None]  # followers on each day of the period (None: no count)
    # Engagements per post in each week of the period (None: no post or none reported).
    weekly_engagement: list[float | None]
    last_error: str | None = None
    last_collected_at: datetime | None = None


def side(data: SideInput, days: Sequence[date]) -> Side:
    """One side's figures over `days` (and the weeks they fall in)."""
    counted = [data.followers_by_day[d] for d in days if d in data.followers_by_day]
    # Growth needs two counts: one count alone (an account added today) says nothing yet.
    first = counted[0] if len(counted) > 1 else None
    last = counted[-1] if counted else None
    posts = len(data.formats)
    avg = average(data.engagement, posts)
    return Side(
        key=data.key,
        name=data.name,
        network=data.network,
        brand=data.brand,
        handle=data.handle,
        url=data.url,
        followers=last,
        growth=growth(first, last),
        growth_rate=growth_rate(first, last),
        posts=posts,
        posts_per_week=posts_per_week(posts, len(days)),
        engagement=data.engagement,
        average_engagement=avg,
        engagement_rate=engagement_rate(avg, last),
        formats=format_mix(data.formats),
        trend=[data.followers_by_day.get(d) for d in days],
        weekly_engagement=[_week_average(data, w) for w in weeks_of(days)],
        last_error=data.last_error,
        last_collected_at=data.last_collected_at,
    )


def _week_average(data: SideInput, week: date) -> float | None:
    posts, engagement = data.weekly.get(week, (0, None))
    return average(engagement, posts)
