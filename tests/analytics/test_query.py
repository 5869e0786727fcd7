"""KPI queries on the database: sums in SQL, previous period, groups, time zones."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from orchestre.analytics import query
from orchestre.analytics.periods import Period
from orchestre.errors import Invalid
from tests.analytics.kpi_support import at, make_shop

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


def test_unknown_kpi_is_refused_with_the_rule(db: Session) -> None:
    shop = make_shop(db)
    with pytest.raises(Invalid) as refused:
        query.kpi_table(db, shop.actor(), kpis=["engagment"], period=MARCH)
    assert refused.value.errors[0].field == "kpis"
    assert refused.value.errors[0].actual == ["engagment"]
