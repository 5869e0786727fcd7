"""Best-time statistics: hour of the week in local time, shrinkage, smoothing, fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchestre.insights import besttime
from orchestre.insights.besttime import PostRate, Source, estimate, hour_of_week, upcoming_slots
from orchestre.insights.priors import HOURS_PER_WEEK, has_own_prior, network_prior

FLAT = [1.0] * HOURS_PER_WEEK
MON_09 = 9
MON_15 = 15


def _posts(hour: int, lift: float, count: int) -> list[tuple[int, float]]:
    return [(hour, lift)] * count


def test_hour_of_week_is_local_wall_time_on_both_sides_of_dst() -> None:
    # 09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer: same hour of the week.
    winter = datetime(2030, 3, 25, 8, 0, tzinfo=UTC) - timedelta(days=7)  # Mon 18 March
    summer = datetime(2030, 4, 1, 7, 0, tzinfo=UTC)  # Mon 1 April, after the change
    assert hour_of_week(winter, "Europe/Paris") == MON_09
    assert hour_of_week(summer, "Europe/Paris") == MON_09
    assert hour_of_week(summer, "UTC") == 7
    # Sunday 23:30 local is the last hour of the week.
    assert hour_of_week(datetime(2030, 3, 31, 21, 30, tzinfo=UTC), "Europe/Paris") == 167


def test_lifts_are_relative_to_the_channel_mean() -> None:
    at = datetime(2030, 3, 18, 8, 0, tzinfo=UTC)
    lifts = besttime.lifts([PostRate(at, 0.02), PostRate(at, 0.06)], "Europe/Paris")
    assert lifts == [(MON_09, 0.5), (MON_09, 1.5)]
    assert besttime.lifts([PostRate(at, 0.0)] * 2, "UTC") == [(8, 1.0), (8, 1.0)]


def test_thin_history_falls_back_to_the_network_prior() -> None:
    prior = network_prior("linkedin")
    found = estimate(_posts(MON_15, 3.0, 4), prior)
    assert found.prior_weight is None
    assert all(h.source is Source.NETWORK_PRIOR and h.own_share == 0 for h in found.hours)
    assert [h.score for h in found.hours] == list(prior)
    # The posts are still counted where they stand.
    assert found.hours[MON_15].posts == 4
    assert found.hours[MON_15 + 1].nearby_posts == 4


def test_few_posts_shrink_toward_the_prior_many_toward_their_own_mean() -> None:
    # Background: the channel posts at Monday 09:00 and Wednesday 09:00, evenly good.
    wed_09 = 2 * 24 + 9
    background = _posts(MON_09, 1.0, 6) + _posts(wed_09, 1.0, 6)
    few = estimate([*background, *_posts(MON_15, 2.0, 1)], FLAT).hours[MON_15]
    many = estimate([*background, *_posts(MON_15, 2.0, 40)], FLAT).hours[MON_15]
    assert few.posts == 1
    assert many.posts == 40
    assert few.own_share < many.own_share
    # One post at 2x barely moves the estimate; forty consistent ones nearly reach it.
    assert abs(few.score - 1.0) < abs(many.score - 1.0)
    assert many.score > 1.5
    assert many.source is Source.OWN_HISTORY
    assert few.source is Source.BLEND


def test_prior_weight_is_estimated_from_noise_over_signal() -> None:
    noisy = [(h, lift) for h in (9, 33, 57) for lift in (0.2, 1.8, 0.3, 1.7)]
    steady = [(h, lift) for h, base in ((9, 0.5), (33, 1.0), (57, 1.5)) for lift in (base,) * 4]
    assert estimate(noisy, FLAT).prior_weight == pytest.approx(besttime.PRIOR_WEIGHT_BOUNDS[1])
    assert estimate(steady, FLAT).prior_weight == pytest.approx(besttime.PRIOR_WEIGHT_BOUNDS[0])


def test_neighbouring_hours_borrow_from_each_other() -> None:
    posts = _posts(MON_09, 2.0, 10) + _posts(2 * 24 + 9, 0.5, 10)
    hours = estimate(posts, FLAT).hours
    # 10:00 and 11:00 had no post of their own but lean on 09:00, less with distance.
    assert hours[MON_09 + 1].posts == 0
    assert hours[MON_09 + 1].nearby_posts == 10
    assert hours[MON_09].score > hours[MON_09 + 1].score > hours[MON_09 + 2].score > 1.0
    # Three hours away is out of the window: the prior alone.
    assert hours[MON_09 + 3].own_share == 0
    assert hours[MON_09 + 3].source is Source.NETWORK_PRIOR


def test_prior_is_rescaled_to_the_hours_the_channel_posts_at() -> None:
    # A channel posting only at the network's peak hours, all equally good: its hours must
    # not fall below hours it never tried just because the prior ranks peaks above 1.0.
    prior = network_prior("linkedin")
    peak = max(range(HOURS_PER_WEEK), key=lambda h: prior[h])
    found = estimate(_posts(peak, 1.0, 20), prior)
    best = max(found.hours, key=lambda h: h.score)
    assert best.hour_of_week == peak


def test_network_priors_have_the_week_and_average_one() -> None:
    for network in ("x", "linkedin", "instagram", "tiktok", "sandbox"):
        prior = network_prior(network)
        assert len(prior) == HOURS_PER_WEEK
        assert sum(prior) / HOURS_PER_WEEK == pytest.approx(1.0)
        assert min(prior[:6]) < 0.5 < max(prior)  # nights are quiet
    assert has_own_prior("linkedin")
    assert not has_own_prior("sandbox")
    linkedin = network_prior("linkedin")
    assert linkedin[MON_09] > linkedin[5 * 24 + 9]  # a Monday morning beats a Saturday one


def test_upcoming_slots_best_first_spaced_and_in_the_coming_week() -> None:
    scores = [1.0] * HOURS_PER_WEEK
    scores[MON_09], scores[MON_09 + 1], scores[4 * 24 + 18] = 3.0, 2.9, 2.0
    hours = [
        besttime.HourEstimate(h, s, 0, 0, 0.0, Source.NETWORK_PRIOR) for h, s in enumerate(scores)
    ]
    now = datetime(2030, 3, 20, 12, 0, tzinfo=UTC)  # Wednesday
    slots = upcoming_slots(hours, now, "Europe/Paris", limit=3)
    assert [s.local.isoformat() for s in slots[:2]] == [
        "2030-03-25T09:00:00",
        "2030-03-22T18:00:00",
    ]
    assert slots[0].starts_at == datetime(2030, 3, 25, 8, 0, tzinfo=UTC)  # CET: UTC+1
    # 10:00 on Monday is too close to 09:00 to be offered too.
    assert all(s.local.hour != 10 or s.local.weekday() != 0 for s in slots)
    assert all(now < s.starts_at <= now + timedelta(days=7) for s in slots)


def test_upcoming_slots_skip_the_spring_gap_and_use_daylight_time_after() -> None:
    scores = [1.0] * HOURS_PER_WEEK
    sun_02, mon_09 = 6 * 24 + 2, MON_09
    scores[sun_02], scores[mon_09] = 5.0, 4.0
    hours = [
        besttime.HourEstimate(h, s, 0, 0, 0.0, Source.NETWORK_PRIOR) for h, s in enumerate(scores)
    ]
    # The week of 31 March 2030: Paris jumps from 02:00 to 03:00 that Sunday.
    now = datetime(2030, 3, 29, 12, 0, tzinfo=UTC)
    slots = upcoming_slots(hours, now, "Europe/Paris", limit=1)
    assert slots[0].local.isoformat() == "2030-04-01T09:00:00"
    assert slots[0].starts_at == datetime(2030, 4, 1, 7, 0, tzinfo=UTC)  # CEST: UTC+2


def test_estimate_refuses_a_prior_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="168"):
        estimate([], [1.0] * 24)


def test_a_proven_hour_outranks_an_untried_one_the_prior_rates_as_high() -> None:
    # The channel's Monday 09:00 posts did 30 % better than its average; the prior rates
    # an untried Thursday 15:00 a little higher still, but with no post behind it.
    thu_15 = 3 * 24 + 15
    prior = [1.0] * HOURS_PER_WEEK
    prior[thu_15] = 1.35
    posts = [
        *[(MON_09, lift) for lift in (1.2, 1.4, 1.3, 1.25, 1.35, 1.3)],
        *[(2 * 24 + 9, lift) for lift in (0.6, 0.8, 0.7, 0.75, 0.65, 0.7)],
        *[(4 * 24 + 18, lift) for lift in (1.0, 0.9, 1.1, 1.0, 0.95, 1.05)],
    ]
    hours = estimate(posts, prior).hours
    assert hours[thu_15].spread > hours[MON_09].spread
    assert hours[MON_09].cautious > hours[thu_15].cautious
    now = datetime(2030, 3, 20, 12, 0, tzinfo=UTC)  # a Wednesday
    first = upcoming_slots(hours, now, "UTC", limit=1)[0]
    assert first.estimate.hour_of_week == MON_09


def test_the_prior_counts_for_less_the_longer_the_history() -> None:
    thu_15 = 3 * 24 + 15
    prior = [1.0] * HOURS_PER_WEEK
    prior[thu_15] = 1.5

    def untried(weeks: int) -> float:
        posts = [
            (hour, lift)
            for _ in range(weeks)
            for hour, lift in ((MON_09, 1.3), (MON_09, 1.1), (2 * 24 + 9, 0.8), (2 * 24 + 9, 0.7))
        ]
        return estimate(posts, prior).hours[thu_15].score

    short, long = untried(2), untried(20)
    assert 1.0 < long < short < 1.5
