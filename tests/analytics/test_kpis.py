"""KPI formulas and periods against hand-computed cases: zero denominators, missing
metrics, and period boundaries across daylight saving in Europe/Paris."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from orchestre.analytics import kpis as k
from orchestre.analytics import localtime
from orchestre.analytics.periods import Period, resolve
from orchestre.errors import Invalid

PARIS = "Europe/Paris"


def test_zero_or_missing_denominators_are_not_available() -> None:
    assert k.ratio(5, 0) is None
    assert k.ratio(5, None) is None
    assert k.ratio(None, 10) is None
    assert k.ratio(0, 10) == 0
    assert k.cpm(12.0, 0) is None
    assert k.cpm(12.0, 4000) == pytest.approx(3.0)
    assert k.roi(150.0, 100.0) == pytest.approx(0.5)
    assert k.roi(150.0, 0.0) is None
    assert k.roi(None, 100.0) is None
    assert k.per_week(3, 0) is None
    assert k.per_week(6, 14) == pytest.approx(3.0)


def test_engagement_leaves_out_what_a_post_did_not_report() -> None:
    assert k.engagement_of(10, None, 2, None) == 12
    assert k.engagement_of(None, None, None, None) is None
    assert k.engagement_of(0, 0, 0, 0) == 0


def test_change_has_no_relative_value_against_zero_or_nothing() -> None:
    assert k.change(12, 8) == k.Change(4, 0.5)
    assert k.change(-3, -6) == k.Change(3, 0.5)  # ROI from -6 to -3 is better: +50 %
    assert k.change(5, 0) == k.Change(5, None)
    assert k.change(5, None) == k.Change(None, None)
    assert k.change(None, 5) == k.Change(None, None)


def test_rates_are_ratios_of_paired_sums_with_their_coverage() -> None:
    sums = k.PostSums(
        posts=4,
        engagement=k.Sum(60, 3),
        engagement_reach=(k.Sum(40, 2), k.Sum(800, 2)),
        clicks_impressions=(k.Sum(0, 0), k.Sum(0, 0)),
    )
    rate = k.from_posts("engagement_rate_reach", sums, days=7)
    assert rate == k.Measured(0.05, 2)
    assert k.from_posts("ctr", sums, days=7) == k.Measured(None, 0)
    assert k.from_posts("engagement", sums, days=7) == k.Measured(60, 3)
    assert k.from_posts("posting_frequency", sums, days=14) == k.Measured(2.0, 4)


def test_group_sums_add_up_without_turning_unknown_into_zero() -> None:
    a = k.PostSums(posts=2, reach=k.Sum(100, 2), engagement_reach=(k.Sum(5, 1), k.Sum(50, 1)))
    b = k.PostSums(posts=1, reach=k.Sum(None, 0), engagement_reach=(k.Sum(3, 1), k.Sum(30, 1)))
    merged = k.merge_post_sums([a, b])
    assert merged.posts == 3
    assert merged.reach == k.Sum(100, 2)
    assert merged.engagement_reach == (k.Sum(8, 2), k.Sum(80, 2))
    assert merged.impressions == k.Sum(None, 0)
    assert k.merge_post_sums([]) == k.PostSums()


def test_only_the_sums_the_kpis_read_are_asked_for() -> None:
    assert k.post_fields(["posts", "posting_frequency"]) == ()
    assert k.post_fields(["ctr", "reach", "engagement_rate_reach", "reach"]) == (
        "reach",
        "engagement_reach",
        "clicks_impressions",
    )


def test_campaign_formulas_from_sums() -> None:
    sums = k.CampaignSums(
        rows=3,
        spend=k.Sum(300, 3),
        revenue=k.Sum(900, 2),
        spend_clicks=(k.Sum(200, 2), k.Sum(400, 2)),
        spend_impressions=(k.Sum(300, 3), k.Sum(60_000, 3)),
        spend_conversions=(k.Sum(0, 0), k.Sum(0, 0)),
        spend_revenue=(k.Sum(200, 2), k.Sum(900, 2)),
    )
    assert k.from_campaigns("cpc", sums).value == pytest.approx(0.5)
    assert k.from_campaigns("cpm", sums).value == pytest.approx(5.0)
    assert k.from_campaigns("cpa", sums).value is None
    assert k.from_campaigns("roas", sums).value == pytest.approx(4.5)
    assert k.from_campaigns("roi", sums).value == pytest.approx(3.5)


def test_followers_growth_and_rate() -> None:
    sums = k.FollowerSums(channels=2, first=1000, last=1100)
    assert k.from_followers("follower_growth", sums) == k.Measured(100, 2)
    assert k.from_followers("follower_growth_rate", sums).value == pytest.approx(0.1)
    assert k.from_followers("follower_growth_rate", k.FollowerSums()).value is None


def test_sentiment_share_of_classified_messages() -> None:
    counts = {"negative": 1, "neutral": 2, "positive": 5}
    assert k.sentiment_share("sentiment_positive", counts) == k.Measured(5 / 8, 8)
    assert k.sentiment_share("sentiment_negative", {}) == k.Measured(None, 0)


def test_share_of_voice_comes_from_listening() -> None:
    kpi = k.CATALOGUE["share_of_voice"]
    assert (kpi.available, kpi.source, kpi.unit) == (True, k.Source.LISTENING, k.Unit.RATIO)


def test_a_day_in_paris_lasts_23_hours_when_clocks_go_forward() -> None:
    # 2030-03-31: clocks go from 02:00 to 03:00 in Paris.
    day = Period("custom", date(2030, 3, 31), date(2030, 3, 31), PARIS)
    assert day.start == datetime(2030, 3, 30, 23, 0, tzinfo=UTC)
    assert day.end == datetime(2030, 3, 31, 22, 0, tzinfo=UTC)
    assert day.end - day.start == timedelta(hours=23)
    october = Period("custom", date(2030, 10, 27), date(2030, 10, 27), PARIS)
    assert october.end - october.start == timedelta(hours=25)


def test_named_periods_seen_from_paris_just_after_midnight() -> None:
    # 2030-04-01 00:30 in Paris is still March 31 in UTC: "today" is April 1 there.
    now = datetime(2030, 3, 31, 22, 30, tzinfo=UTC)
    last7 = resolve("last_7_days", PARIS, now)
    assert (last7.first, last7.last) == (date(2030, 3, 25), date(2030, 3, 31))
    last_month = resolve("last_month", PARIS, now)
    assert (last_month.first, last_month.last) == (date(2030, 3, 1), date(2030, 3, 31))
    assert last_month.start == datetime(2030, 2, 28, 23, 0, tzinfo=UTC)
    assert last_month.end == datetime(2030, 3, 31, 22, 0, tzinfo=UTC)
    last_week = resolve("last_week", PARIS, now)  # April 1, 2030 is a Monday
    assert (last_week.first, last_week.last) == (date(2030, 3, 25), date(2030, 3, 31))
    quarter = resolve("last_quarter", PARIS, now)
    assert (quarter.first, quarter.last) == (date(2030, 1, 1), date(2030, 3, 31))
    this_quarter = resolve("this_quarter", PARIS, now)
    assert (this_quarter.first, this_quarter.last) == (date(2030, 4, 1), date(2030, 4, 1))
    # The same instant in UTC is still March 31: last month is February there.
    utc_month = resolve("last_month", "UTC", now)
    assert (utc_month.first, utc_month.last) == (date(2030, 2, 1), date(2030, 2, 28))


def test_previous_period_has_the_same_length() -> None:
    march = Period("custom", date(2030, 3, 1), date(2030, 3, 31), PARIS)
    before = march.previous()
    assert (before.first, before.last) == (date(2030, 1, 29), date(2030, 2, 28))
    assert before.days == march.days == 31
    january = resolve("last_month", PARIS, datetime(2030, 2, 10, tzinfo=UTC))
    assert (january.first, january.last) == (date(2030, 1, 1), date(2030, 1, 31))
    december_quarter = resolve("last_quarter", PARIS, datetime(2030, 2, 10, tzinfo=UTC))
    assert (december_quarter.first, december_quarter.last) == (
        date(2029, 10, 1),
        date(2029, 12, 31),
    )


def test_custom_periods_are_checked() -> None:
    now = datetime(2030, 3, 15, tzinfo=UTC)
    with pytest.raises(Invalid) as missing:
        resolve("custom", PARIS, now)
    assert {e.field for e in missing.value.errors} == {"start", "end"}
    with pytest.raises(Invalid) as backwards:
        resolve("custom", PARIS, now, date(2030, 3, 2), date(2030, 3, 1))
    assert backwards.value.errors[0].rule == "order"
    with pytest.raises(Invalid) as unknown:
        resolve("last_year", PARIS, now)
    assert unknown.value.errors[0].field == "period"
    with pytest.raises(Invalid):
        resolve("last_7_days", "Mars/Olympus", now)


def test_offset_changes_find_the_instant_clocks_change() -> None:
    start = datetime(2030, 3, 1, tzinfo=UTC)
    end = datetime(2030, 11, 1, tzinfo=UTC)
    changes = localtime.offset_changes(PARIS, start, end)
    assert changes == [
        (start, timedelta(hours=1)),
        (datetime(2030, 3, 31, 1, 0, tzinfo=UTC), timedelta(hours=2)),
        (datetime(2030, 10, 27, 1, 0, tzinfo=UTC), timedelta(hours=1)),
    ]
    assert localtime.offset_changes("UTC", start, end) == [(start, timedelta(0))]


def test_buckets_cover_the_period() -> None:
    first, last = date(2030, 3, 27), date(2030, 4, 2)
    assert localtime.buckets(first, last, "week") == [date(2030, 3, 25), date(2030, 4, 1)]
    assert localtime.buckets(first, last, "month") == [date(2030, 3, 1), date(2030, 4, 1)]
    assert len(localtime.buckets(first, last, "day")) == 7
    assert localtime.next_bucket(date(2030, 12, 1), "month") == date(2031, 1, 1)
