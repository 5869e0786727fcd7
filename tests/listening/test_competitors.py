"""Competitor benchmarks: the formulas, adding accounts (resolved on the network, refusals
with their rule), the daily collection (snapshots, posts upserted, failures) and the
comparison with the brand and share of voice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from orchestre.analytics import query as analytics
from orchestre.analytics.channel_metrics import collect_channels
from orchestre.connectors.base import Capability, PermanentError, RetryableError
from orchestre.errors import Conflict, Forbidden, Invalid
from orchestre.listening import competitors as service
from orchestre.listening import competitors_figures as fig
from orchestre.listening.competitors_collect import collect
from orchestre.listening.competitors_runtime import CompetitorsLoop
from orchestre.models import ChannelStatus
from orchestre.models.analytics import ChannelMetricSample
from orchestre.models.competitors import CompetitorPost, CompetitorSnapshot
from orchestre.models.listening import ListeningQuery, Mention
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_channel
from tests.listening.conftest import Listening

SECOND = timedelta(seconds=1)


def test_formulas() -> None:
    assert fig.growth(1000, 1100) == 100
    assert fig.growth(None, 1100) is None
    assert fig.growth_rate(1000, 1100) == pytest.approx(0.1)
    assert fig.growth_rate(0, 10) is None
    assert fig.posts_per_week(9, 30) == pytest.approx(2.1)
    assert fig.average(300.0, 3) == 100
    assert fig.average(None, 0) is None
    assert fig.engagement_rate(100.0, 5000) == pytest.approx(0.02)
    assert fig.engagement_rate(100.0, 0) is None
    assert fig.format_mix(["image", "video", "image"]) == {
        "text": 0,
        "image": 2,
        "video": 1,
        "carousel": 0,
        "link": 0,
    }
    days = [date(2030, 3, 1) + timedelta(days=i) for i in range(4)]
    one = fig.side(
        fig.SideInput(
            "c",
            "Rival",
            "sandbox",
            False,
            followers_by_day={days[1]: 200, days[3]: 250},
            formats=["image", "link"],
            engagement=30.0,
        ),
        days,
    )
    assert (one.followers, one.growth, one.posts, one.average_engagement) == (250, 50, 2, 15)
    assert one.engagement_rate == pytest.approx(15 / 250)
    assert one.trend == [None, 200, None, 250]
    # 2030-03-01 is a Friday: the four days fall in two weeks (Mondays Feb 25 and Mar 4).
    assert fig.weeks_of(days) == [date(2030, 2, 25), date(2030, 3, 4)]
    weekly = fig.SideInput("c", "W", "sandbox", False, weekly={date(2030, 2, 25): (4, 100.0)})
    assert fig.side(weekly, days).weekly_engagement == [25.0, None]
    alone = fig.side(
        fig.SideInput("c", "New", "sandbox", False, followers_by_day={days[3]: 90}), days
    )
    assert (alone.followers, alone.growth, alone.growth_rate) == (90, None, None)
    assert one.posts_per_week == pytest.approx(3.5)


def test_add_account_resolves_the_handle_and_stores_first_figures(listening: Listening) -> None:
    db, actor, opener = listening.db, listening.actor, listening.world.opener
    rival = service.create_competitor(db, actor, "Rival Cycles")
    account = service.add_account(db, actor, opener, rival.id, "sandbox", "@Rival_Cycles")
    assert (account.handle, account.external_id) == ("rival_cycles", "pub_rival_cycles")
    assert account.followers
    assert account.followers > 0
    assert db.query(CompetitorSnapshot).filter_by(account_id=account.id).count() == 1
    stored = db.query(CompetitorPost).filter_by(account_id=account.id).all()
    assert stored
    assert all(p.engagement >= 0 for p in stored)
    assert {p.format for p in stored} <= set(fig.FORMATS)

    with pytest.raises(Conflict) as twice:
        service.add_account(db, actor, opener, rival.id, "sandbox", "rival_cycles")
    assert twice.value.code == "duplicate_account"
    with pytest.raises(Invalid) as unknown:
        service.add_account(db, actor, opener, rival.id, "sandbox", "no such!")
    assert unknown.value.errors[0].field == "handle"
    assert unknown.value.errors[0].rule == "not_found"
    with pytest.raises(Invalid) as no_channel:
        service.add_account(db, actor, opener, rival.id, "mastodon", "rival@example.social")
    assert no_channel.value.errors[0].rule in {"channel_required", "capability"}
    with pytest.raises(Conflict):
        service.create_competitor(db, actor, "rival cycles")


def test_refusals_name_the_rule(listening: Listening) -> None:
    db, actor, world = listening.db, listening.actor, listening.world
    rival = service.create_competitor(db, actor, "Rival")
    world.opener.capabilities_of["sandbox"] = frozenset(Capability) - {
        Capability.READ_PUBLIC_ACCOUNTS
    }
    with pytest.raises(Invalid) as cannot:
        service.add_account(db, actor, world.opener, rival.id, "sandbox", "rival")
    assert cannot.value.errors[0].rule == "capability"
    world.opener.capabilities_of.clear()
    world.channel.status = ChannelStatus.NEEDS_RECONNECTION.value
    with pytest.raises(Invalid) as none:
        service.add_account(db, actor, world.opener, rival.id, "sandbox", "rival")
    assert none.value.errors[0].rule == "channel_required"
    world.channel.status = ChannelStatus.CONNECTED.value
    world.sandbox.fail_next(RetryableError("slow down", retry_after=30, network="sandbox"))
    with pytest.raises(Conflict) as busy:
        service.add_account(db, actor, world.opener, rival.id, "sandbox", "rival")
    assert busy.value.code == "network_unavailable"
    with pytest.raises(Invalid):
        service.create_competitor(db, actor, "  ")
    viewer = Actor(actor.user_id, actor.workspace_id, frozenset({Role.ANALYST}))
    with pytest.raises(Forbidden):
        service.create_competitor(db, viewer, "Other")


def test_daily_collection_snapshots_and_upserts(listening: Listening) -> None:
    db, actor, world = listening.db, listening.actor, listening.world
    rival = service.create_competitor(db, actor, "Rival")
    account = service.add_account(db, actor, world.opener, rival.id, "sandbox", "rival")
    first_count = db.query(CompetitorPost).filter_by(account_id=account.id).count()
    assert collect(db, world.opener, clock=world.clock.now, commit=False).read == 0  # not due
    world.clock.advance(days=1)
    report = collect(db, world.opener, clock=world.clock.now, commit=False)
    assert report.read == 1
    snaps = db.query(CompetitorSnapshot).filter_by(account_id=account.id).all()
    assert len(snaps) == 2
    assert snaps[1].followers is not None
    assert snaps[0].followers is not None
    assert snaps[1].followers >= snaps[0].followers
    ids = [p.external_id for p in db.query(CompetitorPost).filter_by(account_id=account.id)]
    assert len(ids) == len(set(ids))
    assert len(ids) >= first_count

    world.clock.advance(days=1)
    world.sandbox.fail_next(RetryableError("rate limited", retry_after=7200, network="sandbox"))
    failed = collect(db, world.opener, clock=world.clock.now, commit=False)
    assert failed.postponed == 1
    assert account.last_error == "rate limited"
    assert account.next_collect_at == world.clock.now() + timedelta(hours=2)
    assert world.channel.status == ChannelStatus.CONNECTED.value

    world.clock.advance(hours=3)
    world.sandbox.fail_next(PermanentError("gone", network="sandbox"))
    collect(db, world.opener, clock=world.clock.now, commit=False)
    assert world.channel.status == ChannelStatus.CONNECTED.value  # never disconnected


def test_a_snapshot_is_kept_under_the_day_of_the_workspace_calendar(
    listening: Listening,
) -> None:
    """The comparison reads followers by the workspace's days: at 21:00 UTC it is already
    tomorrow in Auckland, and the snapshot is tomorrow's there."""
    db, actor, world = listening.db, listening.actor, listening.world
    world.workspace.timezone = "Pacific/Auckland"
    world.clock.advance(hours=12)
    now = world.clock.now()
    rival = service.create_competitor(db, actor, "Rival")
    account = service.add_account(db, actor, world.opener, rival.id, "sandbox", "rival")
    days = [s.day for s in db.query(CompetitorSnapshot).filter_by(account_id=account.id)]
    assert now.date() == date(2030, 3, 15)
    assert days == [date(2030, 3, 16)]


def test_comparison_and_share_of_voice(listening: Listening) -> None:
    db, actor, world = listening.db, listening.actor, listening.world
    rival = service.create_competitor(db, actor, "Rival")
    service.add_account(db, actor, world.opener, rival.id, "sandbox", "rival")
    _mentions(
        listening,
        2,
        [
            ("brand", "1", 30),
            ("competitor", "2", 60),
            ("competitor", "3", 10),
            ("competitor", "1", 30),
        ],
    )
    db.flush()

    # Our channel's followers, as the channel metrics loop measures them (first due at once).
    collect_channels(db, world.opener, clock=world.clock.now, every=SECOND, commit=False)
    world.clock.advance(seconds=2)
    assert collect_channels(db, world.opener, clock=world.clock.now, commit=False).measured
    found = service.comparison(db, actor, "last_30_days")
    assert [n.network for n in found.networks] == ["sandbox"]
    sides = found.networks[0].sides
    assert [s.brand for s in sides] == [True, False]
    brand = sides[0]
    assert brand.followers == world.sandbox.profile(world.channel.external_id).followers
    assert brand.trend[-1] == brand.followers
    competitor = sides[1]
    assert competitor.name == "Rival"
    assert competitor.posts > 0
    assert competitor.followers is not None
    assert competitor.average_engagement == pytest.approx(competitor.engagement / competitor.posts)
    assert competitor.engagement_rate == pytest.approx(
        competitor.average_engagement / competitor.followers
    )
    assert len(competitor.trend) == len(found.days) == 30
    assert len(competitor.weekly_engagement) == len(found.weeks)
    assert all(w.weekday() == 0 for w in found.weeks)
    counts = _posts_per_week(db, found)
    total = sum(
        w * n for w, n in zip(competitor.weekly_engagement, counts, strict=True) if w is not None
    )
    assert any(w is not None for w in competitor.weekly_engagement)
    assert total == pytest.approx(competitor.engagement)
    assert sum(competitor.formats.values()) == competitor.posts
    engagements = [t.engagement for t in found.top_posts]
    assert engagements == sorted(engagements, reverse=True)
    assert engagements
    assert found.shares.by_mentions == pytest.approx(1 / 3)  # post "1" once, the brand's
    assert found.shares.by_engagement == pytest.approx(30 / 100)
    with pytest.raises(Invalid):
        service.comparison(db, actor, "forever")


def test_the_brand_line_leaves_out_a_day_not_every_channel_reported(
    listening: Listening,
) -> None:
    """Two channels, 1,000 and 500 followers: the day only the first was measured (today,
    before the second's turn) is left out, not drawn as a fall to 1,000."""
    db, actor, world = listening.db, listening.actor, listening.world
    rival = service.create_competitor(db, actor, "Rival")
    service.add_account(db, actor, world.opener, rival.id, "sandbox", "rival")
    second = make_channel(db, world.workspace)
    now = world.clock.now()
    for channel, count, days_ago in (
        (world.channel, 1000, 2),
        (second, 500, 2),
        (world.channel, 1010, 1),
        (second, 505, 1),
        (world.channel, 1020, 0),
    ):
        db.add(
            ChannelMetricSample(
                workspace_id=world.workspace.id,
                channel_id=channel.id,
                metric="followers",
                value=count,
                measured_at=now - timedelta(days=days_ago, minutes=1),
            )
        )
    db.flush()
    found = service.comparison(db, actor, "last_7_days")
    brand = next(s for s in found.networks[0].sides if s.brand)
    assert [v for v in brand.trend if v is not None] == [1500, 1515]
    assert brand.trend[-1] is None
    assert (brand.followers, brand.growth) == (1515, 15)


def test_a_found_posts_engagement_is_what_the_network_showed() -> None:
    from orchestre.connectors.base import PublicPost
    from orchestre.listening.collect import _engagement

    at = datetime(2030, 1, 1, tzinfo=UTC)
    shown = PublicPost("1", "a", "t", at, metrics={"likes": 5, "reposts": 2, "comments": 1})
    assert _engagement(shown) == 8
    assert _engagement(PublicPost("2", "a", "t", at, metrics={"followers": 900})) is None


def test_the_loop_collects_due_accounts_in_a_session_of_its_own(
    listening: Listening, session_factory: sessionmaker[Session]
) -> None:
    db, actor, world = listening.db, listening.actor, listening.world
    rival = service.create_competitor(db, actor, "Rival")
    account = service.add_account(db, actor, world.opener, rival.id, "sandbox", "rival")
    db.commit()
    loop = CompetitorsLoop(session_factory, world.opener, clock=world.clock.now)
    assert loop.run_once().read == 0  # read when added: due tomorrow
    world.clock.advance(days=1, minutes=1)
    assert loop.run_once().read == 1
    db.expire_all()
    assert db.query(CompetitorSnapshot).filter_by(account_id=account.id).count() == 2


def test_share_of_voice_by_engagement_is_a_kpi(listening: Listening) -> None:
    db, actor = listening.db, listening.actor
    _mentions(listening, 3, [("brand", "1", 30), ("competitor", "1", 30), ("competitor", "2", 70)])
    db.flush()
    period = analytics.period_for(db, actor, "last_7_days")
    table = analytics.kpi_table(db, actor, kpis=["share_of_voice_engagement"], period=period)
    value = table.total.value("share_of_voice_engagement")
    assert (value.value, value.coverage) == (pytest.approx(30 / 100), 2)
    by_day = analytics.series(
        db, actor, kpis=["share_of_voice_engagement"], period=period, interval="day"
    )
    shown = [p.values["share_of_voice_engagement"] for p in by_day.points]
    assert [v for v in shown if v is not None] == [pytest.approx(0.3)]


def _posts_per_week(db: Session, found: service.Comparison) -> list[int]:
    """The competitor's posts in each week of the comparison, counted from the stored posts."""
    zone = ZoneInfo(found.period.timezone)
    weeks = [
        fig.monday(p.published_at.astimezone(zone).date())
        for p in db.query(CompetitorPost).all()
        if found.period.start <= p.published_at < found.period.end
    ]
    return [weeks.count(w) for w in found.weeks]


def _mentions(listening: Listening, days_ago: int, rows: list[tuple[str, str, int]]) -> None:
    """A brand query and a competitor query, and mentions (query kind, post id, engagement)."""
    db, actor, world = listening.db, listening.actor, listening.world
    queries = {
        about: ListeningQuery(workspace_id=actor.workspace_id, name=about, query="b", about=about)
        for about in ("brand", "competitor")
    }
    db.add_all(queries.values())
    db.flush()
    at = world.clock.now() - timedelta(days=days_ago)
    for about, key, engagement in rows:
        db.add(
            Mention(
                workspace_id=actor.workspace_id,
                query_id=queries[about].id,
                network="sandbox",
                external_id=key,
                text="x",
                published_at=at,
                engagement=engagement,
            )
        )
