"""The KPI catalogue and its formulas (written out in docs/kpis.md).

Every formula here is a pure function of sums the repository computes in SQL. Two rules
hold throughout:

* a zero or missing denominator gives None, shown as "not available", never 0 or infinity;
* a metric a post did not report is left out of the sums (NULL in PublicationStats), and
  each sum carries how many posts reported it (its coverage); a ratio is taken over the
  posts that reported both of its sides, so a network without reach does not dilute the
  engagement rate by reach of the others.

Rates are ratios of sums (sum of engagement / sum of reach), not means of per-post rates:
a post seen by 100 people does not weigh as much as one seen by 100,000.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


def _(message: str) -> str:
    """Marks a message for the catalog (scripts/i18n.sh extracts `_`); pages translate it."""
    return message


class Unit(enum.StrEnum):
    RATIO = "ratio"  # 0.045 = 4.5 %: pages show it as a percentage
    PERCENT = "percent"  # already multiplied by 100
    COUNT = "count"
    CURRENCY = "currency"  # in the campaign results' currency
    SECONDS = "seconds"


class Source(enum.StrEnum):
    """Where a KPI's inputs come from, which decides the filters and groupings it takes."""

    POSTS = "posts"  # PublicationStats
    CAMPAIGNS = "campaigns"  # CampaignResult
    CHANNELS = "channels"  # ChannelMetricSample
    INBOX = "inbox"  # inbox messages (inbox.targets for the response figures)
    LISTENING = "listening"  # listening mentions (listening_mentions)


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str  # English, marked for translation; pages pass it through gettext
    unit: Unit
    higher_is_better: bool
    source: Source
    formula: str  # as written in docs/kpis.md
    # A total that grows with time (goals project it linearly); else a rate or a level.
    cumulative: bool = False
    available: bool = True
    why_unavailable: str = ""


ENGAGEMENT_METRICS = ("likes", "comments", "reposts", "saves")
ENGAGEMENT_FORMULA = "likes + comments + reposts + saves"


def _kpis(*items: Kpi) -> dict[str, Kpi]:
    return {k.name: k for k in items}


P, C, CH, IN = Source.POSTS, Source.CAMPAIGNS, Source.CHANNELS, Source.INBOX
CATALOGUE: dict[str, Kpi] = _kpis(
    Kpi("engagement_rate_reach", _("Engagement rate (by reach)"), Unit.RATIO, True, P,
        "sum(engagement) / sum(reach), over posts reporting reach"),
    Kpi("engagement_rate_impressions", _("Engagement rate (by impressions)"), Unit.RATIO, True, P,
        "sum(engagement) / sum(impressions), over posts reporting impressions"),
    Kpi("engagement_rate_followers", _("Engagement rate (by followers)"), Unit.RATIO, True, P,
        "sum(engagement) / sum(followers when measured), over posts reporting followers"),
    Kpi("engagement", _("Engagements"), Unit.COUNT, True, P,
        f"sum({ENGAGEMENT_FORMULA})", cumulative=True),
    Kpi("reach", _("Reach"), Unit.COUNT, True, P, "sum(reach)", cumulative=True),
    Kpi("impressions", _("Impressions"), Unit.COUNT, True, P, "sum(impressions)",
        cumulative=True),
    Kpi("clicks", _("Clicks"), Unit.COUNT, True, P,
        "sum(network clicks, else our redirector's clicks)", cumulative=True),
    Kpi("video_views", _("Video views"), Unit.COUNT, True, P, "sum(video_views)",
        cumulative=True),
    Kpi("ctr", _("Click-through rate"), Unit.RATIO, True, P,
        "sum(clicks) / sum(impressions), over posts reporting both"),
    Kpi("posts", _("Posts published"), Unit.COUNT, True, P, "count(publications)",
        cumulative=True),
    Kpi("posting_frequency", _("Posting frequency (posts per week)"), Unit.COUNT, True, P,
        "posts / days in the period * 7"),
    Kpi("spend", _("Spend"), Unit.CURRENCY, False, C, "sum(spend)", cumulative=True),
    Kpi("revenue", _("Revenue"), Unit.CURRENCY, True, C, "sum(revenue)", cumulative=True),
    Kpi("conversions", _("Conversions"), Unit.COUNT, True, C, "sum(conversions)",
        cumulative=True),
    Kpi("cpc", _("Cost per click"), Unit.CURRENCY, False, C, "sum(spend) / sum(paid clicks)"),
    Kpi("cpm", _("Cost per thousand impressions"), Unit.CURRENCY, False, C,
        "sum(spend) / sum(paid impressions) * 1000"),
    Kpi("cpa", _("Cost per acquisition"), Unit.CURRENCY, False, C,
        "sum(spend) / sum(conversions)"),
    Kpi("roi", _("Return on investment"), Unit.RATIO, True, C,
        "(sum(revenue) - sum(spend)) / sum(spend)"),
    Kpi("roas", _("Return on ad spend"), Unit.RATIO, True, C, "sum(revenue) / sum(spend)"),
    Kpi("followers", _("Followers"), Unit.COUNT, True, CH,
        "sum over channels of the last followers count in the period"),
    Kpi("follower_growth", _("Follower growth"), Unit.COUNT, True, CH,
        "sum over channels of (last - first followers count in the period)", cumulative=True),
    Kpi("follower_growth_rate", _("Follower growth rate"), Unit.RATIO, True, CH,
        "sum(last - first) / sum(first), over channels with a count in the period"),
    Kpi("response_rate", _("Response rate"), Unit.RATIO, True, IN,
        "answered requests / requests (inbox.targets)"),
    Kpi("median_first_response", _("Median first-response time"), Unit.SECONDS, False, IN,
        "median(first response - request) over answered requests (inbox.targets)"),
    Kpi("sentiment_negative", _("Negative sentiment share"), Unit.RATIO, False, IN,
        "negative / classified inbound messages"),
    Kpi("sentiment_neutral", _("Neutral sentiment share"), Unit.RATIO, True, IN,
        "neutral / classified inbound messages"),
    Kpi("sentiment_positive", _("Positive sentiment share"), Unit.RATIO, True, IN,
        "positive / classified inbound messages"),
    Kpi("share_of_voice", _("Share of voice"), Unit.RATIO, True, Source.LISTENING,
        "posts found by the brand's queries / posts found by the brand's or competitors' "
        "queries (listening; each post once)"),
    Kpi("share_of_voice_engagement", _("Share of voice by engagement"), Unit.RATIO, True,
        Source.LISTENING,
        "engagement of the posts found by the brand's queries / of the posts found by the "
        "brand's or competitors' queries (likes + reposts + comments when found; each post "
        "once)"),
)  # fmt: skip
DEFAULT_KPIS = ("engagement_rate_reach", "reach", "impressions", "engagement", "ctr", "posts")
ENGAGEMENT_BASES = {
    "reach": "engagement_rate_reach",
    "impressions": "engagement_rate_impressions",
    "followers": "engagement_rate_followers",
}


# --- pure formulas --------------------------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def engagement_of(
    likes: float | None, comments: float | None, reposts: float | None, saves: float | None
) -> float | None:
    """One post's engagement: the interactions it reported; None when it reported none."""
    known = [v for v in (likes, comments, reposts, saves) if v is not None]
    return sum(known) if known else None


def cpm(spend: float | None, impressions: float | None) -> float | None:
    per_impression = ratio(spend, impressions)
    return None if per_impression is None else per_impression * 1000


def roi(revenue: float | None, spend: float | None) -> float | None:
    if revenue is None:
        return None
    return ratio(revenue - (spend or 0), spend)


def growth(first: float | None, last: float | None) -> float | None:
    if first is None or last is None:
        return None
    return last - first


def per_week(count: float | None, days: int) -> float | None:
    return None if count is None or days <= 0 else count / days * 7


class Change(NamedTuple):
    """Period-over-period change; relative is None when the previous value is 0 or missing."""

    absolute: float | None
    relative: float | None


def change(current: float | None, previous: float | None) -> Change:
    if current is None or previous is None:
        return Change(None, None)
    return Change(current - previous, ratio(current - previous, abs(previous)))


# --- sums in, values out --------------------------------------------------------------------


class Sum(NamedTuple):
    """A metric summed over the posts (or rows) that reported it; None: nobody did."""

    total: float | None = None
    reported: int = 0


class PostSums(NamedTuple):
    """What the repository sums over PublicationStats for one group and period.

    The paired sums (`engagement_reach`: engagement and reach, ...) are taken over the posts
    that reported both sides, so each rate's numerator and denominator cover the same posts.
    """

    posts: int = 0
    engagement: Sum = Sum()
    reach: Sum = Sum()
    impressions: Sum = Sum()
    clicks: Sum = Sum()
    video_views: Sum = Sum()
    # Paired sums for rates: (numerator, denominator) over posts reporting both.
    engagement_reach: tuple[Sum, Sum] = (Sum(), Sum())
    engagement_impressions: tuple[Sum, Sum] = (Sum(), Sum())
    engagement_followers: tuple[Sum, Sum] = (Sum(), Sum())
    clicks_impressions: tuple[Sum, Sum] = (Sum(), Sum())


class CampaignSums(NamedTuple):
    rows: int = 0
    spend: Sum = Sum()
    revenue: Sum = Sum()
    conversions: Sum = Sum()
    # Paired with spend: (spend, x) over rows reporting both.
    spend_clicks: tuple[Sum, Sum] = (Sum(), Sum())
    spend_impressions: tuple[Sum, Sum] = (Sum(), Sum())
    spend_conversions: tuple[Sum, Sum] = (Sum(), Sum())
    spend_revenue: tuple[Sum, Sum] = (Sum(), Sum())
    # The currencies of the rows (the lowest and highest code when there are several).
    currencies: tuple[str, ...] = ()


class FollowerSums(NamedTuple):
    channels: int = 0  # channels with at least one count in the period
    first: float | None = None
    last: float | None = None


class Measured(NamedTuple):
    """A KPI's value with how many posts / rows / channels it rests on (None: not counted)."""

    value: float | None
    coverage: int | None = None
    note: str = ""  # why the value is not available, when the data says (marked for translation)


def _add(a: Sum, b: Sum) -> Sum:
    if a.total is None or b.total is None:
        return Sum(b.total if a.total is None else a.total, a.reported + b.reported)
    return Sum(a.total + b.total, a.reported + b.reported)


def _add_pair(a: tuple[Sum, Sum], b: tuple[Sum, Sum]) -> tuple[Sum, Sum]:
    return _add(a[0], b[0]), _add(a[1], b[1])


def merge_post_sums(parts: Iterable[PostSums]) -> PostSums:
    """The sums of several groups together (every sum and count adds up)."""
    m = PostSums()
    for p in parts:
        m = PostSums(
            m.posts + p.posts,
            _add(m.engagement, p.engagement),
            _add(m.reach, p.reach),
            _add(m.impressions, p.impressions),
            _add(m.clicks, p.clicks),
            _add(m.video_views, p.video_views),
            _add_pair(m.engagement_reach, p.engagement_reach),
            _add_pair(m.engagement_impressions, p.engagement_impressions),
            _add_pair(m.engagement_followers, p.engagement_followers),
            _add_pair(m.clicks_impressions, p.clicks_impressions),
        )
    return m


def _paired(pair: tuple[Sum, Sum]) -> Measured:
    top, bottom = pair
    return Measured(ratio(top.total, bottom.total), bottom.reported)


_POST_TOTALS = ("engagement", "reach", "impressions", "clicks", "video_views")
_POST_RATES = {
    "engagement_rate_reach": "engagement_reach",
    "engagement_rate_impressions": "engagement_impressions",
    "engagement_rate_followers": "engagement_followers",
    "ctr": "clicks_impressions",
}


PAIRED_POST_FIELDS = frozenset(_POST_RATES.values())


def post_fields(names: Iterable[str]) -> tuple[str, ...]:
    """The PostSums fields the posts KPIs `names` read (the number of posts always comes)."""
    wanted = {_POST_RATES.get(n, n) for n in names}
    return tuple(f for f in PostSums._fields[1:] if f in wanted)


def from_posts(name: str, sums: PostSums, days: int) -> Measured:
    """The value of a posts KPI from its sums (see the catalogue's formulas)."""
    if name in _POST_TOTALS:
        found: Sum = getattr(sums, name)
        return Measured(found.total, found.reported)
    if name in _POST_RATES:
        return _paired(getattr(sums, _POST_RATES[name]))
    if name == "posts":
        return Measured(float(sums.posts), sums.posts)
    if name == "posting_frequency":
        return Measured(per_week(float(sums.posts), days), sums.posts)
    raise KeyError(name)


MIXED_CURRENCIES = _(
    "These campaign results are in more than one currency, which cannot be added up: "
    "choose one campaign."
)


def from_campaigns(name: str, sums: CampaignSums) -> Measured:
    if len(sums.currencies) > 1 and name != "conversions":
        # Spend in euros plus spend in dollars is no amount, and neither is a ratio of such
        # sums (ROI, ROAS, CPC...): not available, and the reason says what to do.
        return Measured(None, sums.rows, MIXED_CURRENCIES)
    simple = {"spend": sums.spend, "revenue": sums.revenue, "conversions": sums.conversions}
    if name in simple:
        return Measured(simple[name].total, simple[name].reported)
    if name == "cpc":
        return _paired(sums.spend_clicks)
    if name == "cpa":
        return _paired(sums.spend_conversions)
    if name == "cpm":
        spend, impressions = sums.spend_impressions
        return Measured(cpm(spend.total, impressions.total), impressions.reported)
    spend, revenue = sums.spend_revenue
    if name == "roas":
        return Measured(ratio(revenue.total, spend.total), spend.reported)
    if name == "roi":
        return Measured(roi(revenue.total, spend.total), spend.reported)
    raise KeyError(name)


def from_followers(name: str, sums: FollowerSums) -> Measured:
    if name == "followers":
        return Measured(sums.last, sums.channels)
    if name == "follower_growth":
        return Measured(growth(sums.first, sums.last), sums.channels)
    if name == "follower_growth_rate":
        return Measured(ratio(growth(sums.first, sums.last), sums.first), sums.channels)
    raise KeyError(name)


def sentiment_share(name: str, counts: dict[str, int]) -> Measured:
    """Share of one sentiment among the classified inbound messages counted by label."""
    label = name.removeprefix("sentiment_")
    total = sum(counts.values())
    return Measured(ratio(counts.get(label, 0), total), total)


def unknown(names: list[str]) -> list[str]:
    return [n for n in names if n not in CATALOGUE]
