"""Budget pacing, worked by hand: planned, actual, pace band, run rate, projection, alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.campaigns import budgets as service
from orchestre.campaigns.pacing import Flight, Status, pace, plan
from orchestre.campaigns.pacing_alerts import KIND, check_round
from orchestre.campaigns.results import ResultRow, record_results
from orchestre.errors import Forbidden, Invalid
from orchestre.models import Notification
from tests.analytics.kpi_support import Shop, make_shop
from tests.factories import make_channel, make_member

MARCH = Flight(date(2030, 3, 1), date(2030, 3, 10), 1000.0)  # 100 a day


def d(day: int) -> date:
    return date(2030, 3, day)


def daily(amount: float, first: int, last: int) -> dict[date, float]:
    return {d(n): amount for n in range(first, last + 1)}


def test_on_track_when_spending_as_planned() -> None:
    p = pace([MARCH], daily(100, 1, 5), d(5))
    assert (p.status, p.planned, p.actual, p.pace) == (Status.ON_TRACK, 500, 500, 1.0)
    assert (p.run_rate, p.days_left, p.projected, p.alert) == (100, 5, 1000, None)


def test_ahead_projects_an_overspend() -> None:
    p = pace([MARCH], daily(130, 1, 5), d(5))
    assert (p.status, p.actual) == (Status.AHEAD, 650)
    assert p.pace == pytest.approx(1.3)
    assert (p.projected, p.alert) == (1300, "over")  # 650 + 130 x 5 > 1000 x 1.1


def test_the_band_is_ten_percent_either_side() -> None:
    assert pace([MARCH], daily(109, 1, 5), d(5)).status is Status.ON_TRACK
    assert pace([MARCH], daily(111, 1, 5), d(5)).status is Status.AHEAD
    assert pace([MARCH], daily(91, 1, 5), d(5)).status is Status.ON_TRACK
    assert pace([MARCH], daily(89, 1, 5), d(5)).status is Status.BEHIND


def test_no_spend_yet_is_behind_and_heading_for_an_underspend() -> None:
    p = pace([MARCH], {}, d(3))
    assert (p.status, p.planned, p.actual, p.pace) == (Status.BEHIND, 300, 0, 0)
    assert (p.projected, p.alert) == (0, "under")


def test_zero_budget_any_spend_is_ahead_and_over() -> None:
    p = pace([Flight(d(1), d(10), 0.0)], {d(2): 10.0}, d(5))
    assert (p.status, p.pace, p.planned, p.actual) == (Status.AHEAD, None, 0, 10)
    # run rate 10 / 5 days = 2, 5 days left: 10 + 10 = 20 > 0
    assert (p.run_rate, p.projected, p.alert) == (2, 20, "over")


def test_flights_with_a_gap_plan_nothing_in_the_gap() -> None:
    flights = [Flight(d(1), d(4), 400.0), Flight(d(11), d(14), 800.0)]
    p = pace(flights, daily(100, 1, 4), d(8))
    assert (p.status, p.total, p.planned, p.actual) == (Status.ON_TRACK, 1200, 400, 400)
    # 4 flight days left at the rate of the 4 passed: 400 + 400 = 800 < 1200 x 0.9
    assert (p.days_left, p.projected, p.alert) == (4, 800, "under")
    planned = {point.day: point.planned for point in p.series}
    assert (planned[d(4)], planned[d(8)], planned[d(12)], planned[d(14)]) == (400, 400, 800, 1200)
    assert [pt.actual for pt in p.series if pt.day in (d(8), d(9))] == [400, None]


def test_run_rate_is_the_last_seven_flight_days() -> None:
    spend = {**daily(50, 1, 3), **daily(150, 4, 10)}
    p = pace([Flight(d(1), d(20), 2000.0)], spend, d(10))
    assert (p.actual, p.planned, p.status) == (1200, 1000, Status.AHEAD)
    assert (p.run_rate, p.days_left, p.projected, p.alert) == (150, 10, 2700, "over")


def test_no_alert_before_the_start_or_after_the_end() -> None:
    before = pace([MARCH], {}, d(1) - timedelta(days=1))
    assert (before.status, before.planned, before.alert) == (Status.ON_TRACK, 0, None)
    after = pace([MARCH], daily(10, 1, 10), d(12))
    assert (after.status, after.days_left, after.alert) == (Status.BEHIND, 0, None)
    assert pace([], {}, d(5)).status is Status.NO_PLAN


def test_the_plan_is_own_flights_else_channels_else_the_campaign_dates() -> None:
    own, channel = Flight(d(1), d(2), 5.0), Flight(d(3), d(4), 6.0)
    assert plan([own], [channel], 100.0, d(1), d(9)) == [own]
    assert plan([], [channel], 100.0, d(1), d(9)) == [channel]
    assert plan([], [], 100.0, d(1), d(9)) == [Flight(d(1), d(9), 100.0)]
    assert plan([], [], 100.0, d(1), None) == []


def _spring(shop: Shop, budget: float = 310.0) -> service.Plan:
    campaign = shop.campaign()
    return service.set_plan(
        shop.db,
        shop.actor(),
        campaign.id,
        "sales",
        [service.BudgetInput(budget, d(1), d(31))],  # 10 a day
    )


@pytest.mark.parametrize(
    ("zone", "as_of"),
    [("Europe/Paris", d(15)), ("UTC", d(14)), ("Pacific/Honolulu", d(14))],
)
def test_days_are_the_workspaces_local_days(db: Session, zone: str, as_of: date) -> None:
    shop = make_shop(db, timezone=zone)
    spring = _spring(shop).campaign
    rows = [ResultRow(spring.id, d(n), spend=10.0) for n in range(1, 16)]
    record_results(db, shop.workspace.id, rows, "csv")
    now = datetime(2030, 3, 15, 23, 30, tzinfo=UTC)  # already the 16th in Paris
    p = service.campaign_pacing(db, shop.actor("analyst"), spring.id, now)
    assert (p.as_of, p.status) == (as_of, Status.ON_TRACK)
    assert p.planned == pytest.approx(10 * as_of.day)
    assert p.actual == pytest.approx(10 * as_of.day)


def test_plan_rules_and_permissions(db: Session) -> None:
    shop, other = make_shop(db), make_shop(db)
    campaign = shop.campaign()
    with pytest.raises(Forbidden):
        service.set_plan(db, shop.actor("analyst"), campaign.id, None, [])
    with pytest.raises(Invalid) as refused:
        service.set_plan(
            db,
            shop.actor(),
            campaign.id,
            "fame",
            [
                service.BudgetInput(-1, d(1), d(2)),
                service.BudgetInput(5, d(3), d(2), channel_id=other.channel.id),
            ],
        )
    assert {(e.field, e.rule) for e in refused.value.errors} == {
        ("objective", "enum"),
        ("budgets[0].amount", "range"),
        ("budgets[1].ends_on", "after_starts_on"),
        ("budgets[1].channel_id", "exists"),
    }
    done = service.set_plan(
        db,
        shop.actor(),
        campaign.id,
        "leads",
        [service.BudgetInput(50, d(1), d(2), channel_id=shop.channel.id)],
    )
    again = service.get_plan(db, shop.actor("reviewer"), campaign.id)
    assert (again.campaign.objective, [b.amount for b in again.budgets]) == ("leads", [50])
    assert done.budgets[0].channel_id == shop.channel.id


def _told(db: Session) -> int:
    query = select(func.count()).select_from(Notification).where(Notification.kind == KIND)
    return int(db.scalar(query) or 0)


def test_alerts_go_to_managers_once_per_direction_per_day(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    shop = make_shop(db, timezone="UTC")
    make_member(db, shop.workspace, "analyst")  # cannot manage campaigns: not told
    manager = make_member(db, shop.workspace, "social_media_manager")
    spring = _spring(shop).campaign
    rows = [ResultRow(spring.id, d(n), spend=20.0) for n in range(1, 6)]  # twice the plan
    record_results(db, shop.workspace.id, rows, "csv")
    morning = datetime(2030, 3, 6, 8, 0, tzinfo=UTC)
    assert check_round(session_factory, morning) == 1
    assert check_round(session_factory, morning + timedelta(hours=6)) == 0
    told = db.scalars(select(Notification).where(Notification.kind == KIND)).all()
    assert sorted(str(n.user_id) for n in told) == sorted([str(shop.owner.id), str(manager.id)])
    assert told[0].payload["direction"] == "over"
    assert told[0].payload["projected"] == pytest.approx(100 + 20 * 26)
    assert check_round(session_factory, morning + timedelta(days=1)) == 1
    assert _told(db) == 4


def test_each_channel_paces_on_its_own_flights(db: Session) -> None:
    shop = make_shop(db, timezone="UTC")
    second = make_channel(db, shop.workspace)
    campaign = shop.campaign()
    service.set_plan(
        db,
        shop.actor(),
        campaign.id,
        None,
        [
            service.BudgetInput(310, d(1), d(31), channel_id=shop.channel.id),  # 10 a day
            service.BudgetInput(620, d(1), d(31), channel_id=second.id),  # 20 a day
        ],
    )
    rows = [ResultRow(campaign.id, d(n), shop.channel.id, spend=15.0) for n in range(1, 11)]
    rows += [ResultRow(campaign.id, d(n), second.id, spend=10.0) for n in range(1, 11)]
    record_results(db, shop.workspace.id, rows, "meta")
    now = datetime(2030, 3, 11, 12, 0, tzinfo=UTC)
    by_channel = service.channel_pacing(db, shop.actor(), campaign.id, now)
    first, other = by_channel[shop.channel.id], by_channel[second.id]
    assert (first.planned, first.actual, first.status) == (100, 150, Status.AHEAD)
    assert (other.planned, other.actual, other.status) == (200, 100, Status.BEHIND)
    # The campaign adds its channels' flights up: 300 planned, 250 spent.
    whole = service.campaign_pacing(db, shop.actor(), campaign.id, now)
    assert (whole.planned, whole.actual, whole.status) == (300, 250, Status.BEHIND)
