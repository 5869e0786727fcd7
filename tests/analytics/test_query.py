"""KPI queries on the database: sums in SQL, previous period, groups and filters, every
source (posts, campaign results, follower counts, inbox), and time zones at the edges."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from orchestre.analytics import query
from orchestre.analytics.periods import Period
from orchestre.analytics.repository import Filters
from orchestre.errors import Invalid
from orchestre.models.listening import ListeningQuery, Mention
from tests.analytics.kpi_support import Shop, at, make_shop
from tests.factories import make_channel

MARCH = Period("custom", date(2030, 3, 1), date(2030, 3, 31), "Europe/Paris")


def test_engagement_rate_is_a_ratio_of_sums_over_posts_reporting_reach(db: Session) -> None:
    shop = make_shop(db)
    shop.post(at("2030-03-02 10:00"), likes=10, comments=5, reach=100, impressions=200)
    shop.post(at("2030-03-03 10:00"), likes=1, reposts=1, saves=1, reach=1000, impressions=900)
    # No reach reported: its engagement stays out of the rate by reach (not a zero reach).
    shop.post(at("2030-03-04 10:00"), likes=50, impressions=100)
    table = query.kpi_table(
        db,
        shop.actor(),
        kpis=["engagement_rate_reach", "engagement_rate_impressions", "engagement", "posts"],
        period=MARCH,
    )
    total = table.total
    rate = total.value("engagement_rate_reach")
    assert rate.value == pytest.approx((15 + 3) / 1100)
    assert rate.coverage == 2
    assert total.value("engagement_rate_impressions").value == pytest.approx(68 / 1200)
    assert total.value("engagement").value == 68
    assert total.value("posts").value == 3
    # Nothing in February: previous engagement unknown, posts 0, change not available.
    assert total.value("engagement").previous is None
    assert total.value("posts").previous == 0
    assert total.value("posts").change.absolute == 3
    assert total.value("posts").change.relative is None


def test_a_metric_nobody_reported_is_not_available_not_zero(db: Session) -> None:
    shop = make_shop(db)
    shop.post(at("2030-03-02 10:00"), likes=3)
    shop.post(at("2030-03-03 10:00"), likes=4, reach=0)
    table = query.kpi_table(
        db, shop.actor(), kpis=["impressions", "engagement_rate_reach", "reach"], period=MARCH
    )
    assert table.total.value("impressions").value is None
    assert table.total.value("impressions").coverage == 0
    assert table.total.value("engagement_rate_reach").value is None  # reach summed to 0
    assert table.total.value("reach").value == 0
    assert table.total.value("reach").coverage == 1


def test_ctr_takes_network_clicks_else_our_redirector_s(db: Session) -> None:
    shop = make_shop(db)
    shop.post(at("2030-03-02 10:00"), clicks=10, link_clicks=99, impressions=1000)
    shop.post(at("2030-03-03 10:00"), link_clicks=5, impressions=500)
    shop.post(at("2030-03-04 10:00"), impressions=500)  # no clicks counted anywhere
    table = query.kpi_table(db, shop.actor(), kpis=["ctr", "clicks"], period=MARCH)
    assert table.total.value("ctr").value == pytest.approx(15 / 1500)
    assert table.total.value("ctr").coverage == 2
    assert table.total.value("clicks").value == 15


def test_previous_period_and_change(db: Session) -> None:
    shop = make_shop(db)
    shop.post(at("2030-01-30 10:00"), reach=400)  # in the previous 31 days (Jan 29 - Feb 28)
    shop.post(at("2030-03-05 10:00"), reach=500)
    shop.post(at("2030-03-06 10:00"), reach=100)
    value = query.kpi_table(db, shop.actor(), kpis=["reach"], period=MARCH).total.value("reach")
    assert (value.value, value.previous) == (600, 400)
    assert value.change.absolute == 200
    assert value.change.relative == pytest.approx(0.5)


def test_period_edges_follow_the_workspace_s_midnight(db: Session) -> None:
    shop = make_shop(db)
    shop.post(at("2030-02-28 22:59"), reach=1)  # Feb 28, 23:59 in Paris: out
    shop.post(at("2030-02-28 23:00"), reach=10)  # March 1, 00:00 in Paris: in
    shop.post(at("2030-03-31 21:59"), reach=100)  # March 31, 23:59 (summer time): in
    shop.post(at("2030-03-31 22:00"), reach=1000)  # April 1, 00:00 in Paris: out
    value = query.kpi_table(db, shop.actor(), kpis=["reach"], period=MARCH).total.value("reach")
    assert value.value == 110


def test_group_by_channel_network_and_format(db: Session) -> None:
    shop = make_shop(db)
    linkedin = make_channel(db, shop.workspace, network="linkedin", handle="@corp")
    shop.post(at("2030-03-02 10:00"), likes=10, reach=100, format="image")
    shop.post(at("2030-03-03 10:00"), likes=30, reach=100, format="short_video")
    shop.post(at("2030-03-04 10:00"), channel=linkedin, likes=5, reach=500, format="image")
    actor = shop.actor()
    kpis = ["engagement_rate_reach", "posts"]
    by_channel = query.kpi_table(db, actor, kpis=kpis, period=MARCH, group_by="channel")
    assert [g.key for g in by_channel.groups] == [str(shop.channel.id), str(linkedin.id)]
    assert by_channel.groups[0].value("engagement_rate_reach").value == pytest.approx(0.2)
    assert by_channel.groups[1].label.endswith("(@corp)")
    # The whole selection is the groups added up: the same as asked without groups.
    alone = query.kpi_table(db, actor, kpis=kpis, period=MARCH).total
    assert by_channel.total.value("engagement_rate_reach").value == pytest.approx(45 / 700)
    assert by_channel.total == alone
    by_network = query.kpi_table(db, actor, kpis=kpis, period=MARCH, group_by="network")
    assert {g.key: g.value("posts").value for g in by_network.groups} == {
        "sandbox": 2,
        "linkedin": 1,
    }
    formats = query.formats(db, actor, kpis=kpis, period=MARCH)
    rates = {g.key: g.value("engagement_rate_reach").value for g in formats.groups}
    assert rates["short_video"] == pytest.approx(0.3)
    assert rates["image"] == pytest.approx(15 / 600)
    assert rates["carousel"] is None
    assert {g.key: g.value("posts").value for g in formats.groups}["video"] == 0
    assert len(formats.groups) == 5


def test_filters_by_campaign_pillar_and_format(db: Session) -> None:
    shop = make_shop(db)
    spring, pillar = shop.campaign(), shop.pillar()
    shop.post(at("2030-03-02 10:00"), reach=100, campaign=spring, pillar=pillar, format="video")
    shop.post(at("2030-03-03 10:00"), reach=10, campaign=spring)
    shop.post(at("2030-03-04 10:00"), reach=1)
    actor = shop.actor()

    def reach(**filters: object) -> float | None:
        table = query.kpi_table(
            db, actor, kpis=["reach"], period=MARCH, filters=query.Filters(**filters)
        )
        return table.total.value("reach").value

    assert reach(campaign_id=spring.id) == 110
    assert reach(pillar_id=pillar.id) == 100
    assert reach(format="video") == 100
    assert reach(channel_ids=(shop.channel.id,)) == 111
    assert reach(network="linkedin") is None
    by_campaign = query.kpi_table(db, actor, kpis=["reach"], period=MARCH, group_by="campaign")
    assert [(g.label, g.value("reach").value) for g in by_campaign.groups] == [("Spring", 110)]


def test_another_workspace_s_posts_are_not_counted(db: Session) -> None:
    shop, other = make_shop(db), make_shop(db)
    shop.post(at("2030-03-02 10:00"), reach=100)
    other.post(at("2030-03-02 10:00"), reach=999)
    value = query.kpi_table(db, shop.actor(), kpis=["reach"], period=MARCH).total.value("reach")
    assert value.value == 100


def test_campaign_kpis_from_results_without_double_counting(db: Session) -> None:
    shop = make_shop(db)
    spring = shop.campaign()
    # March 2: the whole campaign's row and its channel's row for the same source: the
    # whole-campaign row counts once; March 3: only a channel row, which counts.
    shop.result(spring, date(2030, 3, 2), spend=100, revenue=300, clicks=200, impressions=20_000)
    shop.result(spring, date(2030, 3, 2), channel=shop.channel, spend=100, revenue=300)
    shop.result(spring, date(2030, 3, 3), channel=shop.channel, spend=50, conversions=5)
    kpis = ["spend", "revenue", "roi", "roas", "cpc", "cpm", "cpa"]
    total = query.kpi_table(db, shop.actor(), kpis=kpis, period=MARCH).total
    assert total.value("spend").value == 150
    assert total.value("revenue").value == 300
    assert total.value("roas").value == pytest.approx(3.0)  # over days reporting both
    assert total.value("roi").value == pytest.approx(2.0)
    assert total.value("cpc").value == pytest.approx(0.5)
    assert total.value("cpm").value == pytest.approx(5.0)
    assert total.value("cpa").value == pytest.approx(10.0)
    channel = query.kpi_table(
        db,
        shop.actor(),
        kpis=["spend"],
        period=MARCH,
        filters=query.Filters(channel_ids=(shop.channel.id,)),
    )
    assert channel.total.value("spend").value == 150
    by_channel = query.kpi_table(db, shop.actor(), kpis=["spend"], period=MARCH, group_by="channel")
    assert [(g.key, g.value("spend").value) for g in by_channel.groups] == [
        (str(shop.channel.id), 150)
    ]
    by_pillar = query.kpi_table(db, shop.actor(), kpis=["spend"], period=MARCH, group_by="pillar")
    assert by_pillar.total.value("spend").available is True
    spend_by_format = query.kpi_table(
        db, shop.actor(), kpis=["spend"], period=MARCH, filters=query.Filters(format="image")
    )
    refused = spend_by_format.total.value("spend")
    assert (refused.available, refused.value) == (False, None)
    assert refused.note


def test_campaign_money_in_two_currencies_is_not_added_up(db: Session) -> None:
    shop = make_shop(db)
    spring, usa = shop.campaign(), shop.campaign("Launch USA")
    shop.result(spring, date(2030, 3, 2), spend=100, revenue=300, conversions=4)
    shop.result(usa, date(2030, 3, 2), spend=80, revenue=90, conversions=1, currency="USD")
    kpis = ["spend", "revenue", "roi", "roas", "cpa", "conversions"]
    total = query.kpi_table(db, shop.actor(), kpis=kpis, period=MARCH).total
    for name in ("spend", "revenue", "roi", "roas", "cpa"):
        mixed = total.value(name)
        assert (mixed.value, mixed.available) == (None, True)
        assert "more than one currency" in mixed.note
    assert total.value("conversions").value == 5  # a count, whatever the currency
    one = query.kpi_table(
        db, shop.actor(), kpis=kpis, period=MARCH, filters=query.Filters(campaign_id=usa.id)
    ).total
    assert (one.value("spend").value, one.value("spend").note) == (80, "")
    by_campaign = query.kpi_table(
        db, shop.actor(), kpis=["spend"], period=MARCH, group_by="campaign"
    )
    assert sorted(g.value("spend").value for g in by_campaign.groups) == [80, 100]


def test_follower_growth_from_first_and_last_count(db: Session) -> None:
    shop = make_shop(db)
    second = make_channel(db, shop.workspace)
    shop.followers(900, at("2030-02-27 12:00"))  # before the period: not used
    shop.followers(1000, at("2030-03-01 12:00"))
    shop.followers(1040, at("2030-03-15 12:00"))
    shop.followers(1100, at("2030-03-31 12:00"))
    shop.followers(500, at("2030-03-10 12:00"), channel=second)
    kpis = ["followers", "follower_growth", "follower_growth_rate"]
    total = query.kpi_table(db, shop.actor(), kpis=kpis, period=MARCH).total
    assert total.value("followers").value == 1600
    assert total.value("follower_growth").value == 100
    assert total.value("follower_growth_rate").value == pytest.approx(100 / 1500)
    assert total.value("followers").coverage == 2
    by_channel = query.kpi_table(db, shop.actor(), kpis=kpis, period=MARCH, group_by="channel")
    growth = {g.key: g.value("follower_growth").value for g in by_channel.groups}
    assert growth == {str(shop.channel.id): 100, str(second.id): 0}


def test_sentiment_share_and_response_figures_from_the_inbox(db: Session) -> None:
    shop = make_shop(db)
    shop.message(at("2030-03-02 10:00"), "positive")
    shop.message(at("2030-03-02 11:00"), "positive")
    shop.message(at("2030-03-02 12:00"), "negative")
    shop.message(at("2030-03-02 13:00"), None)  # not classified: left out of the shares
    asked = shop.message(at("2030-03-03 10:00"), "neutral")
    shop.message(at("2030-03-03 10:30"), outbound=True, conversation=shop.conversation_of(asked))
    kpis = [
        "sentiment_positive",
        "sentiment_negative",
        "sentiment_neutral",
        "response_rate",
        "median_first_response",
    ]
    total = query.kpi_table(db, shop.actor(), kpis=kpis, period=MARCH).total
    assert total.value("sentiment_positive").value == pytest.approx(0.5)
    assert total.value("sentiment_negative").value == pytest.approx(0.25)
    assert total.value("sentiment_positive").coverage == 4
    assert total.value("response_rate").value == pytest.approx(1 / 5)
    assert total.value("median_first_response").value == 1800


def _mention(
    shop: Shop, found_by: ListeningQuery, post: str, when: datetime, network: str = "mastodon"
) -> None:
    shop.db.add(
        Mention(
            workspace_id=shop.workspace.id,
            query_id=found_by.id,
            network=network,
            external_id=post,
            text=post,
            published_at=when,
            collected_at=when,
        )
    )


def test_share_of_voice_counts_each_post_once_on_each_side(db: Session) -> None:
    shop = make_shop(db)
    ws = shop.workspace.id
    ours = ListeningQuery(workspace_id=ws, name="Us", query="brand", about="brand")
    also = ListeningQuery(workspace_id=ws, name="Us again", query="#brand", about="brand")
    rival = ListeningQuery(workspace_id=ws, name="Rival", query="rival", about="competitor")
    topic = ListeningQuery(workspace_id=ws, name="Bikes", query="bike", about="topic")
    db.add_all([ours, also, rival, topic])
    db.flush()
    for post in ("p1", "p2", "p3"):
        _mention(shop, ours, post, at("2030-03-05 10:00"))
    _mention(shop, also, "p1", at("2030-03-05 10:00"))  # found twice: one post
    _mention(shop, rival, "r1", at("2030-03-06 10:00"))
    _mention(shop, rival, "p3", at("2030-03-05 10:00"))  # names both: on both sides, once
    _mention(shop, topic, "t1", at("2030-03-06 10:00"))  # a topic is no brand: left out
    _mention(shop, rival, "r2", at("2030-02-27 10:00"))  # before the period
    _mention(shop, rival, "b1", at("2030-03-06 10:00"), network="bluesky")
    db.flush()
    table = query.kpi_table(db, shop.actor(), kpis=["share_of_voice"], period=MARCH)
    value = table.total.value("share_of_voice")
    # Ours: p1, p2, p3; tracked: p1, p2, p3, r1, b1.
    assert (value.value, value.coverage) == (pytest.approx(3 / 5), 5)
    assert value.previous == pytest.approx(0.0)  # February: only the rival's r2
    on_mastodon = query.kpi_table(
        db, shop.actor(), kpis=["share_of_voice"], period=MARCH, filters=Filters(network="mastodon")
    ).total.value("share_of_voice")
    assert on_mastodon.value == pytest.approx(3 / 4)
    by_channel = query.kpi_table(
        db, shop.actor(), kpis=["share_of_voice"], period=MARCH,
        filters=Filters(channel_ids=(shop.channel.id,)),
    ).total.value("share_of_voice")  # fmt: skip
    assert (by_channel.available, by_channel.value) == (False, None)


def test_series_by_day_across_the_clock_change(db: Session) -> None:
    shop = make_shop(db)
    shop.post(at("2030-03-30 22:30"), reach=1)  # March 30, 23:30 in Paris (winter time)
    shop.post(at("2030-03-30 23:30"), reach=10)  # March 31, 00:30 in Paris
    shop.post(at("2030-03-31 21:30"), reach=100)  # March 31, 23:30 (summer time)
    shop.post(at("2030-03-31 22:30"), reach=1000)  # April 1, 00:30
    period = Period("custom", date(2030, 3, 30), date(2030, 4, 1), "Europe/Paris")
    found = query.series(db, shop.actor(), kpis=["reach", "posts"], period=period)
    assert [p.start for p in found.points] == [
        date(2030, 3, 30),
        date(2030, 3, 31),
        date(2030, 4, 1),
    ]
    assert [p.values["reach"] for p in found.points] == [1, 110, 1000]
    weekly = query.series(db, shop.actor(), kpis=["reach"], period=period, interval="week")
    assert [(p.start, p.values["reach"]) for p in weekly.points] == [
        (date(2030, 3, 25), 111),
        (date(2030, 4, 1), 1000),
    ]
    monthly = query.series(db, shop.actor(), kpis=["reach"], period=period, interval="month")
    assert [p.values["reach"] for p in monthly.points] == [111, 1000]


def test_series_has_every_day_even_empty_ones(db: Session) -> None:
    shop = make_shop(db)
    shop.post(at("2030-03-02 10:00"), reach=5, likes=1)
    found = query.series(
        db, shop.actor(), kpis=["reach", "posts", "engagement_rate_reach"], period=MARCH
    )
    assert len(found.points) == 31
    empty = found.points[0]
    assert (empty.values["reach"], empty.values["posts"]) == (None, 0)
    assert found.points[1].values["engagement_rate_reach"] == pytest.approx(0.2)


def test_top_and_bottom_posts_leave_out_posts_without_the_metric(db: Session) -> None:
    shop = make_shop(db)
    best = shop.post(at("2030-03-02 10:00"), likes=50, reach=100, text="=HYPERLINK(1)")
    worst = shop.post(at("2030-03-03 10:00"), likes=1, reach=100)
    shop.post(at("2030-03-04 10:00"), likes=1000)  # no reach: no rate
    shop.post(at("2030-03-05 10:00"), likes=0, reach=0)  # reach 0: no rate
    top = query.top_posts(db, shop.actor(), period=MARCH)
    assert [p.publication_id for p in top.posts] == [best.publication_id, worst.publication_id]
    assert top.posts[0].value == pytest.approx(0.5)
    assert top.posts[0].metrics["impressions"] is None
    bottom = query.top_posts(db, shop.actor(), period=MARCH, order="bottom", limit=1)
    assert [p.publication_id for p in bottom.posts] == [worst.publication_id]
    with pytest.raises(Invalid):
        query.top_posts(db, shop.actor(), period=MARCH, kpi="spend")


def test_heatmap_puts_posts_in_their_local_hour_across_daylight_saving(db: Session) -> None:
    shop = make_shop(db)
    shop.post(at("2030-03-25 08:00"), likes=10, reach=100)  # Monday 09:00 in Paris (CET)
    shop.post(at("2030-04-01 07:00"), likes=30, reach=100)  # Monday 09:00 in Paris (CEST)
    shop.post(at("2030-03-31 10:00"), likes=1, reach=10)  # Sunday 12:00 (CEST)
    period = Period("custom", date(2030, 3, 20), date(2030, 4, 5), "Europe/Paris")
    found = query.heatmap(db, shop.actor(), period=period)
    assert len(found.cells) == 168
    cells = {(c.weekday, c.hour): c for c in found.cells}
    assert cells[(0, 9)].posts == 2
    assert cells[(0, 9)].value == pytest.approx(0.2)
    assert cells[(6, 12)].value == pytest.approx(0.1)
    assert cells[(0, 8)].posts == 0
    assert cells[(0, 8)].value is None


def test_heatmap_in_another_zone_moves_the_cells(db: Session) -> None:
    shop = make_shop(db, timezone="America/New_York")
    shop.post(at("2030-03-25 08:00"), likes=10, reach=100)  # Monday 04:00 in New York (EDT)
    period = Period("custom", date(2030, 3, 20), date(2030, 4, 5), "America/New_York")
    cells = {(c.weekday, c.hour): c for c in query.heatmap(db, shop.actor(), period=period).cells}
    assert cells[(0, 4)].posts == 1


def test_unknown_kpi_group_interval_and_format_are_refused_with_the_rule(db: Session) -> None:
    shop = make_shop(db)
    with pytest.raises(Invalid) as unknown:
        query.kpi_table(db, shop.actor(), kpis=["engagment"], period=MARCH)
    assert unknown.value.errors[0].field == "kpis"
    assert unknown.value.errors[0].actual == ["engagment"]
    with pytest.raises(Invalid) as group:
        query.kpi_table(db, shop.actor(), period=MARCH, group_by="colour")
    assert group.value.errors[0].field == "group_by"
    with pytest.raises(Invalid) as interval:
        query.series(db, shop.actor(), period=MARCH, interval="year")
    assert interval.value.errors[0].field == "interval"
    with pytest.raises(Invalid) as fmt:
        query.kpi_table(db, shop.actor(), period=MARCH, filters=query.Filters(format="gif"))
    assert fmt.value.errors[0].field == "format"


def test_series_of_every_source_by_week(db: Session) -> None:
    shop = make_shop(db)
    spring = shop.campaign()
    shop.result(spring, date(2030, 3, 4), spend=10)  # Monday of the week of March 4
    shop.result(spring, date(2030, 3, 10), spend=5)  # Sunday, same week
    shop.result(spring, date(2030, 3, 11), spend=1)
    shop.followers(100, at("2030-03-04 12:00"))
    shop.followers(130, at("2030-03-09 12:00"))
    shop.followers(150, at("2030-03-12 12:00"))
    shop.message(at("2030-03-05 10:00"), "negative")
    asked = shop.message(at("2030-03-12 10:00"), "positive")
    shop.message(at("2030-03-12 10:10"), outbound=True, conversation=shop.conversation_of(asked))
    period = Period("custom", date(2030, 3, 4), date(2030, 3, 17), "Europe/Paris")
    kpis = ["spend", "follower_growth", "sentiment_negative", "response_rate", "share_of_voice"]
    found = query.series(db, shop.actor(), kpis=kpis, period=period, interval="week")
    first, second = (p.values for p in found.points)
    assert (first["spend"], second["spend"]) == (15, 1)
    assert (first["follower_growth"], second["follower_growth"]) == (30, 0)
    assert (first["sentiment_negative"], second["sentiment_negative"]) == (1, 0)
    assert (first["response_rate"], second["response_rate"]) == (0, 1)
    # No mention in the week: not available (no share of nothing), resting on 0 posts.
    assert first["share_of_voice"] is None
    assert found.points[0].coverage["share_of_voice"] == 0


def test_filters_from_stored_json() -> None:
    channel, campaign = uuid.uuid4(), uuid.uuid4()
    found = query.filters_from(
        {"channel_ids": [str(channel)], "campaign_id": str(campaign), "network": "linkedin"}
    )
    assert found == query.Filters(channel_ids=(channel,), campaign_id=campaign, network="linkedin")
    assert query.filters_from(None) == query.Filters()
    assert query.filters_from({"pillar_id": None, "format": "video"}).format == "video"
    for bad, field in (
        ({"colour": "red"}, "filters"),
        ({"campaign_id": "nope"}, "campaign_id"),
        ({"channel_ids": "abc"}, "channel_ids"),
        ({"format": "gif"}, "format"),
    ):
        with pytest.raises(Invalid) as refused:
            query.filters_from(bad)
        assert refused.value.errors[0].field == field
