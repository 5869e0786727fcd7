"""Engagement rates: likes + comments + reposts + saves + clicks, over impressions when most
posts have them, else over followers, else raw."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestre.insights.service import _Post, rates

AT = datetime(2030, 3, 18, 8, 0, tzinfo=UTC)


def _post(**values: float) -> _Post:
    return _Post(AT, dict(values))


def test_engagement_counts_every_interaction_and_nothing_else() -> None:
    post = _post(likes=10, comments=2, reposts=3, saves=4, clicks=5, impressions=1000, reach=800)
    assert post.engagement == 24


def test_impressions_first_when_most_posts_have_them() -> None:
    posts = [_post(likes=10, impressions=1000, followers=50), _post(likes=30, impressions=1500)]
    found, basis = rates(posts)
    assert basis == "impressions"
    assert [r.rate for r in found] == [pytest.approx(0.01), pytest.approx(0.02)]


def test_followers_when_impressions_are_rare_and_posts_without_a_basis_are_left_out() -> None:
    posts = [
        _post(likes=10, followers=1000),
        _post(likes=20, followers=1000, impressions=400),
        _post(likes=5),  # no basis at all
    ]
    found, basis = rates(posts)
    assert basis == "followers"
    assert [r.rate for r in found] == [pytest.approx(0.01), pytest.approx(0.02)]


def test_raw_engagement_when_the_network_gives_no_basis() -> None:
    found, basis = rates([_post(likes=10, comments=1), _post(reposts=2)])
    assert basis == "engagement"
    assert [r.rate for r in found] == [11, 2]
    assert rates([]) == ([], "engagement")
