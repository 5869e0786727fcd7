"""Competitor benchmarks' use cases: competitors and their accounts (each handle resolved
through a connected channel of its network when added), "collect now", and the comparison
with the brand's own channels over a period. Each checks the actor's permission
(listening.view to read, listening.manage to change)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from orchestre.analytics import query as analytics
from orchestre.analytics.periods import Period
from orchestre.analytics.repository import Filters
from orchestre.audit.service import record, snapshot
from orchestre.channels.credentials import ChannelNeedsReconnection, ChannelUnavailable
from orchestre.connectors.base import ConnectorError, PermanentError, RetryableError
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.insights.collection import Opener
from orchestre.kit.clock import utcnow
from orchestre.listening import competitors_repository as repo
from orchestre.listening import competitors_shares
from orchestre.listening.competitors_collect import (
    CompetitorReport,
    can_read,
    collect,
    read_account,
    store,
)
from orchestre.listening.competitors_figures import (
    BRAND_FORMATS,
    Side,
    SideInput,
    monday,
    side,
    weeks_of,
)
from orchestre.listening.competitors_shares import Shares
from orchestre.models.competitors import Competitor, CompetitorAccount
from orchestre.workspaces.permissions import Actor, Permission

MAX_NAME = 120
MAX_HANDLE = 200
TOP = 10
PERIODS = ("last_7_days", "last_30_days", "last_90_days")


@dataclass(frozen=True)
class CompetitorView:
    competitor: Competitor
    accounts: list[CompetitorAccount]


@dataclass(frozen=True)
class NetworkComparison:
    network: str
    sides: list[Side]  # the brand first (when it has a channel there), then competitors


@dataclass(frozen=True)
class TopPost:
    name: str  # the brand's or the competitor's name
    brand: bool
    network: str
    format: str
    text: str
    url: str | None
    published_at: datetime
    engagement: float


@dataclass(frozen=True)
class Comparison:
    period: Period
    days: list[date]
    weeks: list[date]  # the Mondays of the weeks the period's days fall in
    networks: list[NetworkComparison]
    top_posts: list[TopPost]
    shares: Shares
    brand_figures: bool  # False: the actor cannot see analytics, the brand is left out


# --- competitors and accounts ------------------------------------------------------------------


def list_competitors(session: Session, actor: Actor) -> list[CompetitorView]:
    actor.require(Permission.LISTENING_VIEW)
    by_competitor: dict[uuid.UUID, list[CompetitorAccount]] = defaultdict(list)
    for acc in repo.accounts(session, actor.workspace_id):
        by_competitor[acc.competitor_id].append(acc)
    return [
        CompetitorView(c, by_competitor.get(c.id, []))
        for c in repo.competitors(session, actor.workspace_id)
    ]


def get_competitor(session: Session, actor: Actor, competitor_id: uuid.UUID) -> Competitor:
    actor.require(Permission.LISTENING_VIEW)
    found = repo.competitor(session, actor.workspace_id, competitor_id)
    if found is None:
        raise NotFound("No such competitor in this workspace.")
    return found


def create_competitor(session: Session, actor: Actor, name: str) -> Competitor:
    actor.require(Permission.LISTENING_MANAGE)
    name = name.strip()
    if not name:
        raise Invalid(
            "The competitor is not valid.",
            errors=[FieldError("name", "required", "Give the competitor a name.")],
        )
    if len(name) > MAX_NAME:
        rule = FieldError("name", "max_length", "At most 120 characters.", MAX_NAME, len(name))
        raise Invalid("The competitor is not valid.", errors=[rule])
    if repo.name_taken(session, actor.workspace_id, name):
        raise Conflict("Another competitor already has this name.", code="duplicate_name")
    row = Competitor(workspace_id=actor.workspace_id, name=name, created_by=actor.user_id)
    session.add(row)
    session.flush()
    record(session, actor, "competitor.created", "competitor", row.id, after=snapshot(row))
    return row


def delete_competitor(session: Session, actor: Actor, competitor_id: uuid.UUID) -> None:
    actor.require(Permission.LISTENING_MANAGE)
    row = get_competitor(session, actor, competitor_id)
    before = snapshot(row)
    session.delete(row)
    session.flush()
    record(session, actor, "competitor.deleted", "competitor", competitor_id, before=before)


def _refused(error: FieldError) -> Invalid:
    return Invalid(error.message, errors=[error])


def reading_networks(session: Session, actor: Actor, opener: Opener) -> list[str]:
    """The networks of the workspace's connected channels that can read other accounts."""
    actor.require(Permission.LISTENING_VIEW)
    found = repo.connected_networks(session, actor.workspace_id)
    return [n for n in found if can_read(opener, n)]


def add_account(
    session: Session,
    actor: Actor,
    opener: Opener,
    competitor_id: uuid.UUID,
    network: str,
    handle: str,
) -> CompetitorAccount:
    """Follow the competitor's account named `handle` on `network`: looked up now through a
    connected channel of that network (its credentials), and its first figures stored."""
    actor.require(Permission.LISTENING_MANAGE)
    competitor = get_competitor(session, actor, competitor_id)
    handle = handle.strip().removeprefix("@")
    if not handle or len(handle) > MAX_HANDLE:
        raise _refused(
            FieldError("handle", "required", "Give the account's handle (1 to 200 characters).")
        )
    if not can_read(opener, network):
        raise _refused(
            FieldError("network", "capability", "Orchestre cannot read other accounts there.")
        )
    channel = repo.reading_channel(session, actor.workspace_id, network)
    if channel is None:
        raise _refused(
            FieldError(
                "network",
                "channel_required",
                "Connect a channel of this network first: its access reads the accounts.",
            )
        )
    try:
        found, posts = read_account(opener.open(session, channel), network, handle)
    except PermanentError as exc:
        field = "handle" if exc.code == "not_found" else "network"
        raise _refused(FieldError(field, exc.code or "refused", exc.reason)) from exc
    except RetryableError as exc:
        raise Conflict(
            "The network could not be reached; try again in a moment.",
            code="network_unavailable",
        ) from exc
    except ConnectorError as exc:
        raise Conflict("The network refused to show this account.", code="network_refused") from exc
    except (ChannelNeedsReconnection, ChannelUnavailable) as exc:
        raise Conflict(
            "The channel of this network cannot be used now; reconnect it and try again.",
            code="channel_unavailable",
        ) from exc
    if repo.followed(session, actor.workspace_id, network, found.external_id) is not None:
        raise Conflict(
            "This account is already followed in this workspace.",
            code="duplicate_account",
        )
    now = utcnow()
    row = CompetitorAccount(
        workspace_id=actor.workspace_id,
        competitor_id=competitor.id,
        network=network,
        handle=found.handle[:MAX_HANDLE],
        external_id=found.external_id[:200],
        display_name=found.display_name[:200],
        url=found.url,
        extra=dict(found.extra),
        next_collect_at=now,
    )
    session.add(row)
    session.flush()
    store(session, row, found, posts, now)
    row.last_collected_at = now
    row.next_collect_at = now + timedelta(days=1)
    record(
        session,
        actor,
        "competitor.account_added",
        "competitor",
        competitor.id,
        after={"network": network, "handle": row.handle},
    )
    return row


def remove_account(session: Session, actor: Actor, account_id: uuid.UUID) -> None:
    actor.require(Permission.LISTENING_MANAGE)
    row = repo.account(session, actor.workspace_id, account_id)
    if row is None:
        raise NotFound("No such competitor account in this workspace.")
    before = {"network": row.network, "handle": row.handle}
    session.delete(row)
    session.flush()
    record(
        session, actor, "competitor.account_removed", "competitor", row.competitor_id, before=before
    )


def collect_now(session: Session, actor: Actor, opener: Opener) -> CompetitorReport:
    """Read every competitor account of the workspace now, in this transaction."""
    actor.require(Permission.LISTENING_MANAGE)
    report = collect(session, opener, workspace_id=actor.workspace_id, commit=False)
    record(
        session,
        actor,
        "competitor.collected",
        "workspace",
        actor.workspace_id,
        after={"read": report.read, "posts": report.posts},
    )
    return report


# --- the comparison ----------------------------------------------------------------------------


def period_of(session: Session, actor: Actor, name: str) -> Period:
    """The last 7, 30 or 90 days of the workspace's calendar, today included (today's
    snapshot is the latest count)."""
    if name not in PERIODS:
        raise Invalid(
            "Unknown period.",
            errors=[
                FieldError(
                    "period",
                    "choice",
                    "One of last_7_days, last_30_days, last_90_days.",
                    list(PERIODS),
                    name,
                )
            ],
        )
    count = int(name.split("_")[1])
    zone = ZoneInfo(analytics.workspace_zone(session, actor.workspace_id))
    today = utcnow().astimezone(zone).date()
    first = today - timedelta(days=count - 1)
    return analytics.period_for(session, actor, "custom", first, today)


def comparison(session: Session, actor: Actor, period_name: str = "last_30_days") -> Comparison:
    """The brand beside each competitor, network by network, over the period."""
    actor.require(Permission.LISTENING_VIEW)
    period = period_of(session, actor, period_name)
    days = [period.first + timedelta(days=i) for i in range(period.days)]
    views = list_competitors(session, actor)
    accounts = [a for v in views for a in v.accounts]
    inputs: dict[str, list[SideInput]] = defaultdict(list)
    tops: list[TopPost] = []
    brand_allowed = actor.can(Permission.ANALYTICS_VIEW)
    if brand_allowed:
        for network in sorted({a.network for a in accounts}):
            brand, brand_tops = _brand(session, actor, period, network)
            if brand is not None:
                inputs[network].append(brand)
            tops.extend(brand_tops)
    names = {v.competitor.id: v.competitor.name for v in views}
    theirs, their_tops = _competitors(session, actor, period, days, accounts, names)
    for data in theirs:
        inputs[data.network].append(data)
    tops = sorted(tops + their_tops, key=lambda t: (-t.engagement, t.published_at))
    return Comparison(
        period=period,
        days=days,
        weeks=weeks_of(days),
        networks=[NetworkComparison(n, [side(i, days) for i in inputs[n]]) for n in sorted(inputs)],
        top_posts=tops[:TOP],
        shares=competitors_shares.shares(session, actor.workspace_id, period.start, period.end),
        brand_figures=brand_allowed,
    )


def _competitors(
    session: Session,
    actor: Actor,
    period: Period,
    days: list[date],
    accounts: list[CompetitorAccount],
    names: dict[uuid.UUID, str],
) -> tuple[list[SideInput], list[TopPost]]:
    """Each competitor account's side (its daily followers, its posts' formats and
    engagement in the period) and the period's top competitor posts."""
    posts = repo.posts(session, actor.workspace_id, period.start, period.end)
    zone = ZoneInfo(period.timezone)
    by_account: dict[uuid.UUID, list[tuple[str, int, date]]] = defaultdict(list)
    for p in posts:
        week = monday(p.published_at.astimezone(zone).date())
        by_account[p.account_id].append((p.format, p.engagement, week))
    follower_days: dict[uuid.UUID, dict[date, int]] = defaultdict(dict)
    for snap in repo.snapshots(session, actor.workspace_id, days[0], days[-1]):
        if snap.followers is not None:
            follower_days[snap.account_id][snap.day] = snap.followers
    sides = []
    for acc in accounts:
        mine = by_account.get(acc.id, [])
        sides.append(
            SideInput(
                key=str(acc.competitor_id),
                name=names[acc.competitor_id],
                network=acc.network,
                brand=False,
                handle=acc.handle,
                url=acc.url,
                followers_by_day=follower_days.get(acc.id, {}),
                formats=[f for f, _, _ in mine],
                engagement=float(sum(e for _, e, _ in mine)) if mine else None,
                weekly=_by_week(mine),
                last_error=acc.last_error,
                last_collected_at=acc.last_collected_at,
            )
        )
    account_of = {a.id: a for a in accounts}
    tops = [
        TopPost(
            names[account_of[p.account_id].competitor_id],
            False,
            account_of[p.account_id].network,
            p.format,
            p.text,
            p.url,
            p.published_at,
            float(p.engagement),
        )
        for p in sorted(posts, key=lambda p: (-p.engagement, p.published_at))[:TOP]
    ]
    return sides, tops


def _by_week(posts: list[tuple[str, int, date]]) -> dict[date, tuple[int, float | None]]:
    weeks: dict[date, tuple[int, float | None]] = {}
    for _, engagement, week in posts:
        count, total = weeks.get(week, (0, 0.0))
        weeks[week] = (count + 1, (total or 0.0) + engagement)
    return weeks


def _brand(
    session: Session, actor: Actor, period: Period, network: str
) -> tuple[SideInput | None, list[TopPost]]:
    """The brand's channels on this network, from analytics (None: no channel there)."""
    if repo.reading_channel(session, actor.workspace_id, network) is None:
        return None, []
    filters = Filters(network=network)
    trend = analytics.series(
        session, actor, kpis=("followers",), period=period, interval="day", filters=filters
    )
    # A day counts when every channel that reports followers in the period reported that
    # day: the sum over fewer channels (today before each is measured) would draw a drop.
    full = max((p.coverage.get("followers") or 0 for p in trend.points), default=0)
    followers = {
        p.start: int(v)
        for p in trend.points
        if (v := p.values.get("followers")) is not None
        and (p.coverage.get("followers") or 0) == full
    }
    table = analytics.kpi_table(
        session,
        actor,
        kpis=("posts", "engagement"),
        period=period,
        filters=filters,
        group_by="format",
    )
    formats: list[str] = []
    for group in table.groups:
        count = int(group.value("posts").value or 0)
        formats.extend([BRAND_FORMATS.get(group.key or "", "text")] * count)
    engagement = table.total.value("engagement").value
    by_week = analytics.series(
        session,
        actor,
        kpis=("posts", "engagement"),
        period=period,
        interval="week",
        filters=filters,
    )
    weekly = {
        monday(p.start): (int(p.values.get("posts") or 0), p.values.get("engagement"))
        for p in by_week.points
    }
    top = analytics.top_posts(
        session, actor, kpi="engagement", period=period, filters=filters, limit=TOP
    )
    tops = [
        TopPost(
            _("Your brand"),
            True,
            network,
            BRAND_FORMATS.get(r.format, r.format),
            r.text,
            None,
            r.published_at,
            r.value,
        )
        for r in top.posts
    ]
    data = SideInput(
        key="brand",
        name=_("Your brand"),
        network=network,
        brand=True,
        followers_by_day=followers,
        formats=formats,
        engagement=engagement,
        weekly=weekly,
    )
    return data, tops


def _(message: str) -> str:
    """Marks a label for translation; the page translates it when it shows it."""
    return message
