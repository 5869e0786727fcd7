"""All SQL of the KPI queries: sums over PublicationStats, CampaignResult,
ChannelMetricSample and inbox messages, grouped on the database (never row by row in
Python), every query scoped to one workspace."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, null, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select

from orchestre.analytics import localtime
from orchestre.analytics.kpis import (
    PAIRED_POST_FIELDS,
    CampaignSums,
    FollowerSums,
    PostSums,
    Sum,
)
from orchestre.models import Campaign, Channel, ContentPillar, InboxMessage, PostVariant
from orchestre.models.analytics import CampaignResult, ChannelMetricSample, PublicationStats
from orchestre.models.listening import ListeningQuery, Mention

S = PublicationStats
GROUPS = ("channel", "network", "campaign", "pillar", "format", "post")
Key = Any  # a group's key as read back: a UUID, a network or format name, a bucket day


@dataclass(frozen=True)
class Filters:
    """Which posts (and channels, campaigns, messages) a query covers; empty = all."""

    channel_ids: tuple[uuid.UUID, ...] = ()
    network: str | None = None
    campaign_id: uuid.UUID | None = None
    pillar_id: uuid.UUID | None = None
    format: str | None = None
    post_id: uuid.UUID | None = None

    @property
    def post_level(self) -> bool:
        """Filters that only posts carry (campaign results, channel counts and inbox
        messages cannot be cut by pillar, format or post)."""
        return any(v is not None for v in (self.pillar_id, self.format, self.post_id))


@dataclass(frozen=True)
class Span:
    """A period as the repository needs it: UTC bounds (end excluded), local days, zone."""

    start: datetime
    end: datetime
    first: date
    last: date
    timezone: str


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# --- posts -----------------------------------------------------------------------------------


ENGAGEMENT_PARTS = (S.likes, S.comments, S.reposts, S.saves)


def engagement_known() -> ColumnElement[bool]:
    """Whether a post reported any of the interactions engagement adds up."""
    return func.coalesce(*ENGAGEMENT_PARTS).is_not(None)


def engagement_expr() -> ColumnElement[Any]:
    """One post's engagement: the interactions it reported; NULL when it reported none."""
    parts = [func.coalesce(p, 0) for p in ENGAGEMENT_PARTS]
    return case((engagement_known(), sum(parts[1:], parts[0])), else_=null())


def clicks_known() -> ColumnElement[bool]:
    return or_(S.clicks.is_not(None), S.link_clicks > 0)


def clicks_expr() -> ColumnElement[Any]:
    """The network's clicks, else our redirector's when it counted any, else NULL."""
    return case((S.clicks.is_not(None), S.clicks), (S.link_clicks > 0, S.link_clicks), else_=null())


def _sum(value: Any) -> list[ColumnElement[Any]]:
    return [func.sum(value), func.count(value)]


def _pair(top: Any, bottom: Any, top_known: Any = None) -> list[ColumnElement[Any]]:
    """Σ top and Σ bottom over the rows holding both, and how many rows those are. Written
    so that each side's expression is evaluated once per row (SUM skips NULLs)."""
    known = top.is_not(None) if top_known is None else top_known
    return [
        func.sum(case((bottom.is_not(None), top))),
        func.sum(case((known, bottom))),
        func.count(case((known, bottom))),
    ]


ALL_POST_FIELDS = PostSums._fields[1:]


def _post_field_columns(name: str) -> list[ColumnElement[Any]]:
    eng, clicks = engagement_expr(), clicks_expr()
    plain: dict[str, Any] = {
        "engagement": eng,
        "reach": S.reach,
        "impressions": S.impressions,
        "clicks": clicks,
        "video_views": S.video_views,
    }
    if name in plain:
        return _sum(plain[name])
    top, bottom, known = {
        "engagement_reach": (eng, S.reach, engagement_known()),
        "engagement_impressions": (eng, S.impressions, engagement_known()),
        "engagement_followers": (eng, S.followers, engagement_known()),
        "clicks_impressions": (clicks, S.impressions, clicks_known()),
    }[name]
    return _pair(top, bottom, known)


def _post_columns(fields: Sequence[str] = ALL_POST_FIELDS) -> list[ColumnElement[Any]]:
    """The number of posts, then for each PostSums field asked its (sum, count) or, for a
    pair, (sum, sum, count): only what the KPIs asked for need be computed."""
    return [func.count(), *(c for name in fields for c in _post_field_columns(name))]


def _post_sums(v: Sequence[Any], fields: Sequence[str] = ALL_POST_FIELDS) -> PostSums:
    """The PostSums of one row laid out by `_post_columns(fields)`; fields not asked stay
    empty (nothing reported)."""
    found: dict[str, Any] = {}
    i = 1
    for name in fields:
        if name in PAIRED_POST_FIELDS:
            count = int(v[i + 2])
            found[name] = (Sum(_float(v[i]), count), Sum(_float(v[i + 1]), count))
            i += 3
        else:
            found[name] = Sum(_float(v[i]), int(v[i + 1]))
            i += 2
    return PostSums(int(v[0]), **found)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _keyed(
    rows: Iterable[Any], count: int, interval: str | None
) -> Iterator[tuple[tuple[Key, ...], Sequence[Any]]]:
    """(group key, the rest) for each row whose first `count` columns are the key; a last
    key column that is an interval's bucket is read back as a date on both databases."""
    for row in rows:
        key = tuple(row[:count])
        if interval is not None:
            key = (*key[:-1], localtime.as_date(key[-1]))
        yield key, row[count:]


def group_column(group_by: str) -> Any:
    return {
        "channel": S.channel_id,
        "network": S.network,
        "campaign": S.campaign_id,
        "pillar": S.pillar_id,
        "format": S.format,
        "post": S.post_id,
    }[group_by]


def _post_filters(query: Select[Any], workspace_id: uuid.UUID, f: Filters) -> Select[Any]:
    query = query.where(S.workspace_id == workspace_id)
    if f.channel_ids:
        query = query.where(S.channel_id.in_(f.channel_ids))
    if f.network is not None:
        query = query.where(S.network == f.network)
    if f.campaign_id is not None:
        query = query.where(S.campaign_id == f.campaign_id)
    if f.pillar_id is not None:
        query = query.where(S.pillar_id == f.pillar_id)
    if f.format is not None:
        query = query.where(S.format == f.format)
    if f.post_id is not None:
        query = query.where(S.post_id == f.post_id)
    return query


def post_sums(
    session: Session,
    workspace_id: uuid.UUID,
    span: Span,
    filters: Filters,
    group_by: str | None = None,
    interval: str | None = None,
    fields: Sequence[str] = ALL_POST_FIELDS,
) -> dict[tuple[Key, ...], PostSums]:
    """The sums of the posts published in `span`, by (group key?, bucket day?)."""
    keys: list[ColumnElement[Any]] = []
    if group_by is not None:
        keys.append(group_column(group_by))
    if interval is not None:
        name = dialect(session)
        at = localtime.local(S.published_at, name, span.timezone, span.start, span.end)
        keys.append(localtime.bucket(at, name, interval))
    query = select(*keys, *_post_columns(fields)).where(
        S.published_at >= span.start, S.published_at < span.end
    )
    query = _post_filters(query, workspace_id, filters)
    if keys:
        query = query.group_by(*keys)
    rows = _keyed(session.execute(query), len(keys), interval)
    return {key: _post_sums(values, fields) for key, values in rows}


def post_sums_split(
    session: Session,
    workspace_id: uuid.UUID,
    span: Span,
    previous: Span,
    filters: Filters,
    group_by: str | None = None,
    fields: Sequence[str] = ALL_POST_FIELDS,
) -> tuple[dict[tuple[Key, ...], PostSums], dict[tuple[Key, ...], PostSums]]:
    """The sums of `span` and of the `previous` span that ends where it starts, in one pass
    over the rows of both, by group key (empty key without group_by)."""
    current = case((S.published_at >= span.start, 1), else_=0).label("current")
    keys: list[Any] = [current]
    if group_by is not None:
        keys.append(group_column(group_by))
    query = select(*keys, *_post_columns(fields)).where(
        S.published_at >= previous.start, S.published_at < span.end
    )
    query = _post_filters(query, workspace_id, filters).group_by(*keys)
    now: dict[tuple[Key, ...], PostSums] = {}
    before: dict[tuple[Key, ...], PostSums] = {}
    for key, values in _keyed(session.execute(query), len(keys), None):
        (now if key[0] == 1 else before)[key[1:]] = _post_sums(values, fields)
    return now, before


def hour_of_week_sums(
    session: Session,
    workspace_id: uuid.UUID,
    span: Span,
    filters: Filters,
    fields: Sequence[str] = ALL_POST_FIELDS,
) -> dict[tuple[int, int], PostSums]:
    """The sums by (weekday, hour) of publication on the workspace's wall clock."""
    name = dialect(session)
    at = localtime.local(S.published_at, name, span.timezone, span.start, span.end)
    keys = [localtime.weekday(at, name), localtime.hour(at, name)]
    query = select(*keys, *_post_columns(fields)).where(
        S.published_at >= span.start, S.published_at < span.end
    )
    query = _post_filters(query, workspace_id, filters).group_by(*keys)
    rows = session.execute(query)
    return {(int(r[0]), int(r[1])): _post_sums(r[2:], fields) for r in rows}


@dataclass(frozen=True)
class PostRow:
    """One publication's figures, for top and bottom posts."""

    publication_id: uuid.UUID
    post_id: uuid.UUID
    variant_id: uuid.UUID
    channel_id: uuid.UUID
    network: str
    format: str
    published_at: datetime
    campaign_id: uuid.UUID | None
    pillar_id: uuid.UUID | None
    text: str
    value: float
    metrics: dict[str, float | None]


METRIC_COLUMNS = (
    "impressions",
    "reach",
    "likes",
    "comments",
    "reposts",
    "saves",
    "clicks",
    "link_clicks",
    "video_views",
    "watch_time",
    "completion",
    "followers",
)


def ranked_posts(
    session: Session,
    workspace_id: uuid.UUID,
    span: Span,
    filters: Filters,
    value: ColumnElement[Any],
    *,
    descending: bool,
    limit: int,
) -> list[PostRow]:
    """The publications with the highest (or lowest) `value`, those without one left out."""
    order = value.desc() if descending else value.asc()
    query = (
        select(S, PostVariant.text, value.label("value"))
        .join(PostVariant, PostVariant.id == S.variant_id)
        .where(S.published_at >= span.start, S.published_at < span.end, value.is_not(None))
        .order_by(order, S.published_at.desc(), S.publication_id)
        .limit(limit)
    )
    query = _post_filters(query, workspace_id, filters)
    return [
        PostRow(
            publication_id=stats.publication_id,
            post_id=stats.post_id,
            variant_id=stats.variant_id,
            channel_id=stats.channel_id,
            network=stats.network,
            format=stats.format,
            published_at=stats.published_at,
            campaign_id=stats.campaign_id,
            pillar_id=stats.pillar_id,
            text=text,
            value=float(found),
            metrics={m: _float(getattr(stats, m)) for m in METRIC_COLUMNS},
        )
        for stats, text, found in session.execute(query)
    ]


# --- campaigns -------------------------------------------------------------------------------

R = CampaignResult


def _campaign_rows(workspace_id: uuid.UUID, span: Span, filters: Filters, by_channel: bool) -> Any:
    """Which CampaignResult rows count: per-channel rows when channels are asked for (by
    filter or grouping); else a whole-campaign row ("" key) where the source gave one for
    that day, else its channels'."""
    where = [R.workspace_id == workspace_id, R.day >= span.first, R.day <= span.last]
    if filters.campaign_id is not None:
        where.append(R.campaign_id == filters.campaign_id)
    if by_channel or filters.channel_ids or filters.network is not None:
        where.append(R.channel_id.is_not(None))
        if filters.channel_ids:
            where.append(R.channel_id.in_(filters.channel_ids))
        if filters.network is not None:
            networks = select(Channel.id).where(Channel.network == filters.network)
            where.append(R.channel_id.in_(networks))
        return and_(*where)
    whole = aliased(R)
    has_whole = exists().where(
        whole.campaign_id == R.campaign_id,
        whole.day == R.day,
        whole.source == R.source,
        whole.channel_key == "",
    )
    return and_(*where, or_(R.channel_key == "", ~has_whole))


def campaign_sums(
    session: Session,
    workspace_id: uuid.UUID,
    span: Span,
    filters: Filters,
    group_by: str | None = None,
    interval: str | None = None,
) -> dict[tuple[Key, ...], CampaignSums]:
    keys: list[Any] = []
    if group_by == "campaign":
        keys.append(R.campaign_id)
    elif group_by == "channel":
        keys.append(R.channel_id)
    elif group_by == "network":
        keys.append(Channel.network)
    if interval is not None:
        keys.append(localtime.bucket(R.day, dialect(session), interval))
    columns = [
        func.count(),
        *_sum(R.spend),
        *_sum(R.revenue),
        *_sum(R.conversions),
        *_pair(R.spend, R.clicks),
        *_pair(R.spend, R.impressions),
        *_pair(R.spend, R.conversions),
        *_pair(R.spend, R.revenue),
        func.min(R.currency),
        func.max(R.currency),
    ]
    by_channel = group_by in ("channel", "network")
    rows = _campaign_rows(workspace_id, span, filters, by_channel)
    query = select(*keys, *columns).where(rows)
    if group_by == "network":
        query = query.join(Channel, Channel.id == R.channel_id)
    if keys:
        query = query.group_by(*keys)
    found = {}
    for key, v in _keyed(session.execute(query), len(keys), interval):

        def pair(i: int, v: Sequence[Any] = v) -> tuple[Sum, Sum]:
            return Sum(_float(v[i]), int(v[i + 2])), Sum(_float(v[i + 1]), int(v[i + 2]))

        found[key] = CampaignSums(
            rows=int(v[0]),
            spend=Sum(_float(v[1]), int(v[2])),
            revenue=Sum(_float(v[3]), int(v[4])),
            conversions=Sum(_float(v[5]), int(v[6])),
            spend_clicks=pair(7),
            spend_impressions=pair(10),
            spend_conversions=pair(13),
            spend_revenue=pair(16),
            currencies=tuple(dict.fromkeys(c for c in (v[19], v[20]) if c is not None)),
        )
    return found


# --- channels' follower counts ---------------------------------------------------------------

M = ChannelMetricSample


def follower_sums(
    session: Session,
    workspace_id: uuid.UUID,
    span: Span,
    filters: Filters,
    group_by: str | None = None,
    interval: str | None = None,
) -> dict[tuple[Key, ...], FollowerSums]:
    """Per channel, its first and last followers count within the span (or each bucket),
    then summed over the channels of each group."""
    name = dialect(session)
    bucket: list[ColumnElement[Any]] = []
    if interval is not None:
        at = localtime.local(M.measured_at, name, span.timezone, span.start, span.end)
        bucket.append(localtime.bucket(at, name, interval).label("bucket"))
    where = [
        M.workspace_id == workspace_id,
        M.metric == "followers",
        M.measured_at >= span.start,
        M.measured_at < span.end,
    ]
    if filters.channel_ids:
        where.append(M.channel_id.in_(filters.channel_ids))
    bounds = (
        select(
            M.channel_id,
            *bucket,
            func.min(M.measured_at).label("first_at"),
            func.max(M.measured_at).label("last_at"),
        )
        .where(*where)
        .group_by(M.channel_id, *bucket)
        .subquery()
    )
    first, last = aliased(M), aliased(M)
    keys: list[Any] = []
    if group_by == "channel":
        keys.append(bounds.c.channel_id)
    elif group_by == "network":
        keys.append(Channel.network)
    if interval is not None:
        keys.append(bounds.c.bucket)
    query = (
        select(*keys, func.count(), func.sum(first.value), func.sum(last.value))
        .select_from(bounds)
        .join(first, and_(first.channel_id == bounds.c.channel_id, first.metric == "followers",
                          first.measured_at == bounds.c.first_at))
        .join(last, and_(last.channel_id == bounds.c.channel_id, last.metric == "followers",
                         last.measured_at == bounds.c.last_at))
        .join(Channel, Channel.id == bounds.c.channel_id)
    )  # fmt: skip
    if filters.network is not None:
        query = query.where(Channel.network == filters.network)
    if keys:
        query = query.group_by(*keys)
    return {
        key: FollowerSums(int(count), _float(first_sum), _float(last_sum))
        for key, (count, first_sum, last_sum) in _keyed(session.execute(query), len(keys), interval)
    }


# --- inbox sentiment -------------------------------------------------------------------------

I = InboxMessage  # noqa: E741


def sentiment_counts(
    session: Session,
    workspace_id: uuid.UUID,
    span: Span,
    filters: Filters,
    group_by: str | None = None,
    interval: str | None = None,
) -> dict[tuple[Key, ...], dict[str, int]]:
    """Classified inbound messages received in the span, counted by sentiment label."""
    keys: list[Any] = []
    if group_by == "channel":
        keys.append(I.channel_id)
    elif group_by == "network":
        keys.append(Channel.network)
    if interval is not None:
        name = dialect(session)
        at = localtime.local(I.created_at, name, span.timezone, span.start, span.end)
        keys.append(localtime.bucket(at, name, interval))
    query = (
        select(*keys, I.sentiment, func.count())
        .join(Channel, Channel.id == I.channel_id)
        .where(
            I.workspace_id == workspace_id,
            I.direction == "inbound",
            I.sentiment.is_not(None),
            I.created_at >= span.start,
            I.created_at < span.end,
        )
        .group_by(*keys, I.sentiment)
    )
    if filters.channel_ids:
        query = query.where(I.channel_id.in_(filters.channel_ids))
    if filters.network is not None:
        query = query.where(Channel.network == filters.network)
    found: dict[tuple[Key, ...], dict[str, int]] = {}
    for key, (sentiment, count) in _keyed(session.execute(query), len(keys), interval):
        found.setdefault(key, {})[str(sentiment)] = int(count)
    return found


# --- listening mentions ---------------------------------------------------------------------


def mention_shares(
    session: Session,
    workspace_id: uuid.UUID,
    span: Span,
    filters: Filters,
    interval: str | None = None,
) -> dict[tuple[Key, ...], tuple[int, int]]:
    """(posts found by the brand's queries, posts found by the brand's or competitors'
    queries) published in the span, by bucket; a post found by several queries counts once
    on each side."""
    post = Mention.network + ":" + Mention.external_id
    keys: list[Any] = []
    if interval is not None:
        name = dialect(session)
        at = localtime.local(Mention.published_at, name, span.timezone, span.start, span.end)
        keys.append(localtime.bucket(at, name, interval))
    ours = func.count(distinct(case((ListeningQuery.about == "brand", post))))
    query = (
        select(*keys, ours, func.count(distinct(post)))
        .join(ListeningQuery, ListeningQuery.id == Mention.query_id)
        .where(
            Mention.workspace_id == workspace_id,
            ListeningQuery.about.in_(("brand", "competitor")),
            Mention.published_at >= span.start,
            Mention.published_at < span.end,
        )
    )
    if filters.network is not None:
        query = query.where(Mention.network == filters.network)
    if keys:
        query = query.group_by(*keys)
    found: dict[tuple[Key, ...], tuple[int, int]] = {}
    for key, (brand, tracked) in _keyed(session.execute(query), len(keys), interval):
        if tracked:
            found[key] = (int(brand), int(tracked))
    return found


def mention_engagement_shares(
    session: Session,
    workspace_id: uuid.UUID,
    span: Span,
    filters: Filters,
    interval: str | None = None,
) -> dict[tuple[Key, ...], tuple[int, int, int]]:
    """(engagement of the posts found by the brand's queries, engagement of the posts found
    by the brand's or competitors' queries, those posts) published in the span, by bucket;
    each post once (by network and id), the brand's when a brand query found it."""
    keys: list[Any] = []
    if interval is not None:
        name = dialect(session)
        at = localtime.local(Mention.published_at, name, span.timezone, span.start, span.end)
        keys.append(localtime.bucket(at, name, interval).label("bucket"))
    brand = func.max(case((ListeningQuery.about == "brand", 1), else_=0)).label("brand")
    engagement = func.coalesce(func.max(Mention.engagement), 0).label("engagement")
    per_post = (
        select(*keys, brand, engagement)
        .join(ListeningQuery, ListeningQuery.id == Mention.query_id)
        .where(
            Mention.workspace_id == workspace_id,
            ListeningQuery.about.in_(("brand", "competitor")),
            Mention.published_at >= span.start,
            Mention.published_at < span.end,
        )
        .group_by(*keys, Mention.network, Mention.external_id)
    )
    if filters.network is not None:
        per_post = per_post.where(Mention.network == filters.network)
    posts = per_post.subquery()
    outer_keys = [posts.c.bucket] if keys else []
    query = select(
        *outer_keys,
        func.coalesce(func.sum(posts.c.brand * posts.c.engagement), 0),
        func.coalesce(func.sum(posts.c.engagement), 0),
        func.count(),
    ).select_from(posts)
    if outer_keys:
        query = query.group_by(*outer_keys)
    found: dict[tuple[Key, ...], tuple[int, int, int]] = {}
    for key, (ours, tracked, count) in _keyed(session.execute(query), len(outer_keys), interval):
        if count:
            found[key] = (int(ours), int(tracked), int(count))
    return found


# --- names for group keys --------------------------------------------------------------------


def labels(
    session: Session, workspace_id: uuid.UUID, group_by: str, keys: list[Key]
) -> dict[Key, str]:
    """What to call each group: a channel's name and handle, a campaign's or pillar's name."""
    ids = [k for k in keys if isinstance(k, uuid.UUID)]
    if not ids:
        return {k: str(k) for k in keys if k is not None}
    if group_by == "channel":
        channels = session.execute(
            select(Channel.id, Channel.display_name, Channel.handle).where(
                Channel.workspace_id == workspace_id, Channel.id.in_(ids)
            )
        )
        return {i: f"{name} ({handle})" for i, name, handle in channels}
    table: Any = {"campaign": Campaign, "pillar": ContentPillar}.get(group_by)
    if table is not None:
        rows = session.execute(
            select(table.id, table.name).where(
                table.workspace_id == workspace_id, table.id.in_(ids)
            )
        )
        return {row.id: row.name for row in rows}
    if group_by == "post":
        rows = session.execute(
            select(PostVariant.post_id, func.min(PostVariant.text))
            .where(PostVariant.workspace_id == workspace_id, PostVariant.post_id.in_(ids))
            .group_by(PostVariant.post_id)
        )
        return {i: (t or "")[:80] for i, t in rows}
    return {k: str(k) for k in keys}


def nullif_zero(value: Any) -> ColumnElement[Any]:
    return func.nullif(value, 0)
