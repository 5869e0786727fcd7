"""KPI queries for dashboards, reports and the API: values with the previous period and the
change, time series, top and bottom posts, the best-posting-times heatmap and the format
comparison. Every figure is summed on the database (see `repository`) and turned into a
KPI by the formulas of `kpis`; periods are whole days on the workspace's wall clock.

Each query takes `kpis` by name (see `kpis.CATALOGUE`); an unknown name, group or interval
is refused with Invalid naming the rule. A KPI that cannot be cut the way asked (spend by
content pillar, share of voice before listening exists) comes back with `available` False
and a note, never a made-up number.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from orchestre.analytics import kpis as k
from orchestre.analytics import localtime
from orchestre.analytics import repository as repo
from orchestre.analytics.checks import (
    FILTER_KEYS,
    check_format,
    check_group,
    check_interval,
    check_kpis,
    filters_from,
    refuse,
)
from orchestre.analytics.periods import Period, resolve
from orchestre.analytics.repository import GROUPS, Filters
from orchestre.inbox import targets
from orchestre.kit.clock import utcnow
from orchestre.models import Workspace
from orchestre.models.analytics import PostFormat
from orchestre.workspaces.permissions import Actor, Permission

__all__ = [
    "FILTER_KEYS",
    "GROUPS",
    "Filters",
    "HeatCell",
    "Heatmap",
    "KpiGroup",
    "KpiTable",
    "KpiValue",
    "Series",
    "SeriesPoint",
    "TopPosts",
    "check_format",
    "check_group",
    "check_interval",
    "check_kpis",
    "filters_from",
    "formats",
    "heatmap",
    "kpi_table",
    "period_for",
    "series",
    "top_posts",
]

_ = k._
NOT_THIS_WAY = _("Not available for this filter or grouping.")
RANKABLE = (
    "engagement_rate_reach",
    "engagement_rate_impressions",
    "engagement_rate_followers",
    "engagement",
    "reach",
    "impressions",
    "clicks",
    "video_views",
    "ctr",
)
# Groupings each source of figures can be cut by (posts: all of GROUPS).
SOURCE_GROUPS: dict[k.Source, tuple[str, ...]] = {
    k.Source.POSTS: GROUPS,
    k.Source.CAMPAIGNS: ("campaign", "channel", "network"),
    k.Source.CHANNELS: ("channel", "network"),
    k.Source.INBOX: ("channel", "network"),
    k.Source.LISTENING: (),
}


@dataclass(frozen=True, slots=True)
class KpiValue:
    kpi: str
    value: float | None  # None: not available (zero denominator, nothing reported)
    previous: float | None  # the same KPI over the previous period of equal length
    change: k.Change
    # How many posts (campaign rows, channels, messages) reported what the value rests on.
    coverage: int | None
    available: bool = True  # False: this KPI cannot be computed for this cut at all
    note: str = ""  # why not available (English, marked for translation)


@dataclass(frozen=True)
class KpiGroup:
    key: str | None  # a channel / campaign / pillar / post id, a network or a format; None: all
    label: str
    values: list[KpiValue]

    def value(self, kpi: str) -> KpiValue:
        return next(v for v in self.values if v.kpi == kpi)


@dataclass(frozen=True)
class KpiTable:
    period: Period
    previous_period: Period
    group_by: str | None
    kpis: list[k.Kpi]
    total: KpiGroup  # the whole selection
    groups: list[KpiGroup]  # one per group (empty without group_by), best first on kpis[0]


@dataclass(frozen=True)
class SeriesPoint:
    start: date  # the first local day of the day / week (Monday) / month
    values: dict[str, float | None]
    coverage: dict[str, int | None]


@dataclass(frozen=True)
class Series:
    period: Period
    interval: str
    kpis: list[k.Kpi]
    points: list[SeriesPoint]  # every bucket of the period, empty ones included


@dataclass(frozen=True)
class TopPosts:
    period: Period
    kpi: k.Kpi
    order: str  # "top" or "bottom"
    posts: list[repo.PostRow]


@dataclass(frozen=True)
class HeatCell:
    weekday: int  # 0 = Monday
    hour: int  # 0-23 on the workspace's wall clock
    value: float | None
    posts: int  # posts published in this hour of the week
    coverage: int  # of which reported what the value needs


@dataclass(frozen=True)
class Heatmap:
    period: Period
    kpi: k.Kpi
    timezone: str
    cells: list[HeatCell]  # 168, Monday 00:00 first


def workspace_zone(session: Session, workspace_id: uuid.UUID) -> str:
    workspace = session.get(Workspace, workspace_id)
    return workspace.timezone if workspace is not None and workspace.timezone else "UTC"


def period_for(
    session: Session,
    actor: Actor,
    name: str = "last_30_days",
    first: date | None = None,
    last: date | None = None,
    now: datetime | None = None,
) -> Period:
    """The named period (or custom days) in the actor's workspace's time zone."""
    return resolve(name, workspace_zone(session, actor.workspace_id), now or utcnow(), first, last)


def _span(period: Period) -> repo.Span:
    return repo.Span(period.start, period.end, period.first, period.last, period.timezone)


# --- computing values --------------------------------------------------------------------------


def cuttable(kpi: k.Kpi, filters: Filters, group_by: str | None) -> bool:
    """Whether this KPI's source can be filtered and grouped the way asked."""
    if not kpi.available:
        return False
    if group_by is not None and group_by not in SOURCE_GROUPS[kpi.source]:
        return False
    if kpi.source is k.Source.POSTS:
        return True
    if filters.post_level:
        return False
    if kpi.source is k.Source.LISTENING:
        # Mentions are other people's posts: no channel or campaign of ours; a network, yes.
        return not filters.channel_ids and filters.campaign_id is None
    if kpi.name in ("response_rate", "median_first_response"):
        return filters.network is None and len(filters.channel_ids) <= 1 and group_by != "network"
    return kpi.source is k.Source.CAMPAIGNS or filters.campaign_id is None


Values = dict[tuple[Any, ...], dict[str, k.Measured]]


def _put(found: Values, key: tuple[Any, ...], name: str, measured: k.Measured) -> None:
    found.setdefault(key, {})[name] = measured


def _response_figures(
    session: Session, actor: Actor, period: Period, filters: Filters, group_by: str | None
) -> dict[tuple[Any, ...], targets.ResponseFigures]:
    if period.days > targets.MAX_PERIOD.days:
        return {}
    channel = filters.channel_ids[0] if filters.channel_ids else None
    figures = targets.response_figures(session, actor, period.start, period.end, channel)
    if group_by == "channel":
        return {(f.channel_id,): f for f in figures if f.channel_id is not None}
    return {(): figures[-1]}


def _values(
    session: Session,
    actor: Actor,
    chosen: list[k.Kpi],
    period: Period,
    filters: Filters,
    group_by: str | None,
    interval: str | None = None,
) -> Values:
    """Each group's (or bucket's) measured KPIs; KPIs that cannot be cut are left out."""
    ws, span = actor.workspace_id, _span(period)
    wanted = [kpi for kpi in chosen if cuttable(kpi, filters, group_by)]
    by_source = {src: [kpi.name for kpi in wanted if kpi.source is src] for src in k.Source}
    found: Values = {}
    if by_source[k.Source.POSTS]:
        fields = k.post_fields(by_source[k.Source.POSTS])
        found_sums = repo.post_sums(session, ws, span, filters, group_by, interval, fields)
        for key, sums in found_sums.items():
            days = period.days if interval is None else _bucket_days(key[-1], interval, period)
            found[key] = {n: k.from_posts(n, sums, days) for n in by_source[k.Source.POSTS]}
    if by_source[k.Source.CAMPAIGNS]:
        for key, c in repo.campaign_sums(session, ws, span, filters, group_by, interval).items():
            for name in by_source[k.Source.CAMPAIGNS]:
                _put(found, key, name, k.from_campaigns(name, c))
    if by_source[k.Source.CHANNELS]:
        for key, f in repo.follower_sums(session, ws, span, filters, group_by, interval).items():
            for name in by_source[k.Source.CHANNELS]:
                _put(found, key, name, k.from_followers(name, f))
    names = {kpi.name for kpi in wanted}
    if any(n.startswith("sentiment_") for n in names):
        counts = repo.sentiment_counts(session, ws, span, filters, group_by, interval)
        for key, by_label in counts.items():
            for name in names:
                if name.startswith("sentiment_"):
                    _put(found, key, name, k.sentiment_share(name, by_label))
    if "share_of_voice" in names:
        for key, (ours, tracked) in repo.mention_shares(
            session, ws, span, filters, interval
        ).items():
            _put(found, key, "share_of_voice", k.Measured(k.ratio(ours, tracked), tracked))
    if "share_of_voice_engagement" in names:
        for key, (ours, tracked, posts) in repo.mention_engagement_shares(
            session, ws, span, filters, interval
        ).items():
            _put(
                found,
                key,
                "share_of_voice_engagement",
                k.Measured(k.ratio(ours, tracked), posts),
            )
    if names & {"response_rate", "median_first_response"} and interval is None:
        for key, fig in _response_figures(session, actor, period, filters, group_by).items():
            if "response_rate" in names:
                _put(found, key, "response_rate", k.Measured(fig.response_rate, fig.requests))
            if "median_first_response" in names:
                median = k.Measured(fig.median_first_response_seconds, fig.answered)
                _put(found, key, "median_first_response", median)
    return found


def _bucket_days(start: date, interval: str, period: Period) -> int:
    """Days of the bucket starting on `start` that lie inside the period."""
    end = min(localtime.next_bucket(start, interval), period.last + timedelta(days=1))
    return (end - max(start, period.first)).days


def _empty(kpi: k.Kpi, filters: Filters, group_by: str | None) -> k.Measured:
    """The value when a group holds nothing: 0 posts count as 0; other figures unknown."""
    if kpi.name == "posts" or kpi.name == "posting_frequency":
        return k.Measured(0.0, 0)
    return k.Measured(None, 0)


def _value(
    kpi: k.Kpi,
    now: dict[str, k.Measured] | None,
    before: dict[str, k.Measured] | None,
    filters: Filters,
    group_by: str | None,
) -> KpiValue:
    if not cuttable(kpi, filters, group_by):
        note = kpi.why_unavailable or NOT_THIS_WAY
        return KpiValue(kpi.name, None, None, k.Change(None, None), None, False, note)
    current = (now or {}).get(kpi.name) or _empty(kpi, filters, group_by)
    previous = (before or {}).get(kpi.name) or _empty(kpi, filters, group_by)
    return KpiValue(
        kpi.name,
        current.value,
        previous.value,
        k.change(current.value, previous.value),
        current.coverage,
        note=current.note,
    )


def _table_values(
    session: Session,
    actor: Actor,
    chosen: list[k.Kpi],
    period: Period,
    filters: Filters,
    group_by: str | None,
) -> tuple[Values, Values]:
    """(this period, the previous one): measured KPIs by key, () for the whole selection
    and (group,) for each group. Posts are summed in one pass over both periods by group,
    the whole selection being the groups added up; other sources are small and asked apart."""
    previous = period.previous()
    now: Values = {}
    before: Values = {}
    posts = [kpi.name for kpi in chosen if kpi.source is k.Source.POSTS]
    if posts:
        spans = (_span(period), _span(previous))
        fields = k.post_fields(posts)
        split = repo.post_sums_split(session, actor.workspace_id, *spans, filters, group_by, fields)
        for found, by_key, days in zip(
            (now, before), split, (period.days, previous.days), strict=True
        ):
            if group_by is not None:
                by_key[()] = k.merge_post_sums(by_key.values())
            for key, sums in by_key.items():
                found[key] = {name: k.from_posts(name, sums, days) for name in posts}
    others = [kpi for kpi in chosen if kpi.source is not k.Source.POSTS]
    for found, when in ((now, period), (before, previous)):
        for grouping in dict.fromkeys((None, group_by)) if others else ():
            for key, measured in _values(session, actor, others, when, filters, grouping).items():
                found.setdefault(key, {}).update(measured)
    return now, before


def kpi_table(
    session: Session,
    actor: Actor,
    *,
    kpis: Sequence[str] = k.DEFAULT_KPIS,
    period: Period,
    filters: Filters | None = None,
    group_by: str | None = None,
) -> KpiTable:
    """The chosen KPIs over the period and the previous one, for the whole selection and,
    with `group_by`, for each channel / network / campaign / pillar / format / post."""
    actor.require(Permission.ANALYTICS_VIEW)
    chosen = check_kpis(kpis)
    check_group(group_by)
    f = filters or Filters()
    check_format(f.format)
    previous = period.previous()
    now, before = _table_values(session, actor, chosen, period, f, group_by)
    total = KpiGroup(
        None, "", [_value(kpi, now.get(()), before.get(()), f, None) for kpi in chosen]
    )
    groups: list[KpiGroup] = []
    if group_by is not None:
        keys = [key[0] for key in now if key and key[0] is not None]
        names = repo.labels(session, actor.workspace_id, group_by, keys)
        for key in keys:
            values = [
                _value(kpi, now.get((key,)), before.get((key,)), f, group_by) for kpi in chosen
            ]
            groups.append(KpiGroup(str(key), names.get(key, str(key)), values))
        groups.sort(key=lambda g: _rank(g.values[0].value), reverse=True)
    return KpiTable(period, previous, group_by, chosen, total, groups)


def totals(
    session: Session,
    actor: Actor,
    *,
    kpis: Sequence[str],
    period: Period,
    filters: Filters | None = None,
) -> dict[str, KpiValue]:
    """The chosen KPIs over the period alone, for the whole selection: no previous period
    and no groups (what goals read; half the work of `kpi_table` for its total)."""
    actor.require(Permission.ANALYTICS_VIEW)
    chosen = check_kpis(kpis)
    f = filters or Filters()
    measured = _values(session, actor, chosen, period, f, None).get(())
    return {kpi.name: _value(kpi, measured, None, f, None) for kpi in chosen}


def _rank(value: float | None) -> tuple[bool, float]:
    return (value is not None, value or 0.0)


def formats(
    session: Session,
    actor: Actor,
    *,
    kpis: Sequence[str] = ("engagement_rate_reach", "reach", "posts"),
    period: Period,
    filters: Filters | None = None,
) -> KpiTable:
    """The format comparison: the KPIs per format, every format listed (those without
    posts show 0 posts and values not available)."""
    table = kpi_table(session, actor, kpis=kpis, period=period, filters=filters, group_by="format")
    f = filters or Filters()
    present = {g.key for g in table.groups}
    missing = [
        KpiGroup(fmt.value, fmt.value, [_value(kpi, None, None, f, "format") for kpi in table.kpis])
        for fmt in PostFormat
        if fmt.value not in present
    ]
    return KpiTable(
        table.period,
        table.previous_period,
        table.group_by,
        table.kpis,
        table.total,
        [*table.groups, *missing],
    )


def series(
    session: Session,
    actor: Actor,
    *,
    kpis: Sequence[str] = ("engagement_rate_reach",),
    period: Period,
    interval: str = "day",
    filters: Filters | None = None,
) -> Series:
    """The KPIs day by day (week by week from Mondays, month by month) on the workspace's
    wall clock. Response figures come by day or week from the inbox (by month: per month)."""
    actor.require(Permission.ANALYTICS_VIEW)
    chosen = check_kpis(kpis)
    check_interval(interval)
    f = filters or Filters()
    check_format(f.format)
    found = _values(session, actor, chosen, period, f, None, interval)
    responses = _response_buckets(session, actor, chosen, period, f, interval)
    points = []
    for start in localtime.buckets(period.first, period.last, interval):
        measured = {**found.get((start,), {}), **responses.get(start, {})}
        values: dict[str, float | None] = {}
        coverage: dict[str, int | None] = {}
        for kpi in chosen:
            if not cuttable(kpi, f, None):
                values[kpi.name], coverage[kpi.name] = None, None
                continue
            m = measured.get(kpi.name)
            if m is None:
                days = _bucket_days(start, interval, period)
                m = k.Measured(0.0, 0) if kpi.name in ("posts",) else _empty(kpi, f, None)
                if kpi.name == "posting_frequency":
                    m = k.Measured(k.per_week(0.0, days), 0)
            values[kpi.name], coverage[kpi.name] = m.value, m.coverage
        points.append(SeriesPoint(start, values, coverage))
    return Series(period, interval, chosen, points)


def _response_buckets(
    session: Session,
    actor: Actor,
    chosen: list[k.Kpi],
    period: Period,
    filters: Filters,
    interval: str,
) -> dict[date, dict[str, k.Measured]]:
    """Response rate and median first response per bucket, from the inbox's own figures."""
    names = {kpi.name for kpi in chosen} & {"response_rate", "median_first_response"}
    if not names or not cuttable(k.CATALOGUE["response_rate"], filters, None):
        return {}
    found: dict[date, dict[str, k.Measured]] = {}
    for start in localtime.buckets(period.first, period.last, interval):
        first = max(start, period.first)
        last = min(localtime.next_bucket(start, interval), period.last + timedelta(days=1))
        sub = Period("bucket", first, last - timedelta(days=1), period.timezone)
        figures = _response_figures(session, actor, sub, filters, None).get(())
        if figures is None:
            continue
        found[start] = {
            "response_rate": k.Measured(figures.response_rate, figures.requests),
            "median_first_response": k.Measured(
                figures.median_first_response_seconds, figures.answered
            ),
        }
    return found


def post_value(kpi: str) -> Any:
    """One publication's value of a rankable KPI, as an SQL expression (NULL: unknown)."""
    s = repo.S
    eng, clicks = repo.engagement_expr(), repo.clicks_expr()
    plain: dict[str, Any] = {
        "engagement": eng,
        "clicks": clicks,
        "reach": s.reach,
        "impressions": s.impressions,
        "video_views": s.video_views,
    }
    rates: dict[str, tuple[Any, Any]] = {
        "engagement_rate_reach": (eng, s.reach),
        "engagement_rate_impressions": (eng, s.impressions),
        "engagement_rate_followers": (eng, s.followers),
        "ctr": (clicks, s.impressions),
    }
    if kpi in rates:
        top, bottom = rates[kpi]
        return top / repo.nullif_zero(bottom)
    return plain[kpi]


def top_posts(
    session: Session,
    actor: Actor,
    *,
    kpi: str = "engagement_rate_reach",
    period: Period,
    filters: Filters | None = None,
    order: str = "top",
    limit: int = 10,
) -> TopPosts:
    """The publications with the highest (order "top") or lowest ("bottom") value of a
    per-post KPI; those that did not report what it needs are left out."""
    actor.require(Permission.ANALYTICS_VIEW)
    (chosen,) = check_kpis([kpi], RANKABLE, field="kpi")
    if order not in ("top", "bottom"):
        refuse("order", "enum", _("The order is top or bottom."), actual=order)
    if not 1 <= limit <= 100:
        refuse("limit", "range", _("Between 1 and 100 posts."), limit=100, actual=limit)
    f = filters or Filters()
    check_format(f.format)
    rows = repo.ranked_posts(
        session,
        actor.workspace_id,
        _span(period),
        f,
        post_value(kpi),
        descending=order == "top",
        limit=limit,
    )
    return TopPosts(period, chosen, order, rows)


HEATMAP_KPIS = (
    "engagement_rate_reach",
    "engagement_rate_impressions",
    "engagement_rate_followers",
    "ctr",
)


def heatmap(
    session: Session,
    actor: Actor,
    *,
    kpi: str = "engagement_rate_reach",
    period: Period,
    filters: Filters | None = None,
) -> Heatmap:
    """Best posting times: the KPI of the posts published in each hour of the week (7 x 24,
    on the workspace's wall clock), with the number of posts behind each cell."""
    actor.require(Permission.ANALYTICS_VIEW)
    (chosen,) = check_kpis([kpi], HEATMAP_KPIS, field="kpi")
    f = filters or Filters()
    check_format(f.format)
    fields = k.post_fields([kpi])
    sums = repo.hour_of_week_sums(session, actor.workspace_id, _span(period), f, fields)
    cells = []
    for day in range(7):
        for hour in range(24):
            found = sums.get((day, hour))
            if found is None:
                cells.append(HeatCell(day, hour, None, 0, 0))
                continue
            measured = k.from_posts(kpi, found, period.days)
            cells.append(HeatCell(day, hour, measured.value, found.posts, measured.coverage or 0))
    return Heatmap(period, chosen, period.timezone, cells)
