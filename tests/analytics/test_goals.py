"""KPI goals: who may set them, what is refused, progress, projection and status."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from orchestre.analytics import goals
from orchestre.analytics import kpis as k
from orchestre.errors import Forbidden, Invalid, NotFound
from orchestre.models import AuditEntry
from tests.analytics.kpi_support import at, make_shop
from tests.factories import make_channel

APRIL = {"period_start": date(2030, 4, 1), "period_end": date(2030, 4, 30)}


def test_create_update_delete_with_audit(db: Session) -> None:
    shop = make_shop(db)
    actor = shop.actor("analyst")
    goal = goals.create_goal(
        db, actor, goals.GoalInput("reach", 1000, channel_id=shop.channel.id, **APRIL)
    )
    assert goals.list_goals(db, shop.actor("reviewer")) == [goal]
    changed = goals.update_goal(db, actor, goal.id, goals.GoalChanges(target=1500, note="more"))
    assert (changed.target, changed.note, changed.kpi) == (1500, "more", "reach")
    goals.delete_goal(db, actor, goal.id)
    assert goals.list_goals(db, actor) == []
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_id == str(goal.id))
    ).all()
    assert sorted(actions) == [
        "analytics.goal.created",
        "analytics.goal.deleted",
        "analytics.goal.updated",
    ]


def test_only_analytics_manage_writes_goals(db: Session) -> None:
    shop = make_shop(db)
    with pytest.raises(Forbidden):
        goals.create_goal(db, shop.actor("community_manager"), goals.GoalInput("reach", 1, **APRIL))
    goal = goals.create_goal(
        db, shop.actor("social_media_manager"), goals.GoalInput("reach", 1, **APRIL)
    )
    with pytest.raises(Forbidden):
        goals.delete_goal(db, shop.actor("reviewer"), goal.id)


def test_bad_goals_are_refused_with_each_rule(db: Session) -> None:
    shop, other = make_shop(db), make_shop(db)
    actor = shop.actor()
    with pytest.raises(Invalid) as refused:
        goals.create_goal(
            db,
            actor,
            goals.GoalInput(
                "engagment",
                float("nan"),
                date(2030, 4, 30),
                date(2030, 4, 1),
                note="x" * 501,
            ),
        )
    assert {(e.field, e.rule) for e in refused.value.errors} == {
        ("kpi", "enum"),
        ("target", "finite"),
        ("period_end", "order"),
        ("note", "length"),
    }
    with pytest.raises(Invalid) as scoped:
        goals.create_goal(
            db,
            actor,
            goals.GoalInput("reach", 1, channel_id=other.channel.id, network="linkedin", **APRIL),
        )
    assert {(e.field, e.rule) for e in scoped.value.errors} == {
        ("scope", "one_of"),
        ("channel_id", "exists"),
    }
    # Neither follower counts nor share of voice (other people's posts) cut by campaign.
    spring = shop.campaign()
    for kpi, campaign in (("followers", spring.id), ("share_of_voice", spring.id)):
        with pytest.raises(Invalid) as unmeasurable:
            goals.create_goal(db, actor, goals.GoalInput(kpi, 1, campaign_id=campaign, **APRIL))
        assert unmeasurable.value.errors[0].rule == "scope"
    with pytest.raises(NotFound):
        goals.progress(
            db, other.actor(), goals.create_goal(db, actor, goals.GoalInput("reach", 1, **APRIL)).id
        )


def test_cumulative_kpi_is_projected_linearly(db: Session) -> None:
    shop = make_shop(db)
    linkedin = make_channel(db, shop.workspace, network="linkedin")
    shop.post(at("2030-04-02 10:00"), reach=300)
    shop.post(at("2030-04-03 10:00"), reach=200, channel=linkedin)
    goal = goals.create_goal(
        db, shop.actor(), goals.GoalInput("reach", 1200, network="sandbox", **APRIL)
    )
    # April 11, 00:00 in Paris (summer time): 10 of 30 days are over.
    found = goals.progress(db, shop.actor(), goal.id, now=at("2030-04-10 22:00"))
    assert found.elapsed_share == pytest.approx(10 / 30)
    assert found.current == 300  # the LinkedIn post is out of the goal's scope
    assert found.projected == pytest.approx(900)
    assert found.status == "off_track"  # 900 misses 1200 by 25 %
    goals.update_goal(db, shop.actor(), goal.id, goals.GoalChanges(target=950))
    assert goals.progress(db, shop.actor(), goal.id, now=at("2030-04-10 22:00")).status == "at_risk"
    goals.update_goal(db, shop.actor(), goal.id, goals.GoalChanges(target=250))
    assert goals.progress(db, shop.actor(), goal.id, now=at("2030-04-10 22:00")).status == "met"


def test_rate_keeps_its_current_value_as_projection(db: Session) -> None:
    shop = make_shop(db)
    shop.post(at("2030-04-02 10:00"), likes=5, reach=100)
    goal = goals.create_goal(
        db, shop.actor(), goals.GoalInput("engagement_rate_reach", 0.045, **APRIL)
    )
    found = goals.progress(db, shop.actor(), goal.id, now=at("2030-04-10 22:00"))
    assert found.current == pytest.approx(0.05)
    assert found.projected == pytest.approx(0.05)
    assert found.status == "on_track"
    before = goals.progress(db, shop.actor(), goal.id, now=at("2030-03-20 10:00"))
    assert (before.status, before.current, before.projected) == ("not_started", None, None)
    after = goals.progress(db, shop.actor(), goal.id, now=at("2030-05-03 10:00"))
    assert (after.status, after.elapsed_share) == ("met", 1.0)


def test_lower_is_better_and_not_available(db: Session) -> None:
    shop = make_shop(db)
    actor = shop.actor()
    spring = shop.campaign()
    shop.result(spring, date(2030, 4, 2), spend=400, clicks=100)
    cpc = goals.create_goal(db, actor, goals.GoalInput("cpc", 5.0, campaign_id=spring.id, **APRIL))
    spend = goals.create_goal(
        db, actor, goals.GoalInput("spend", 1000, campaign_id=spring.id, **APRIL)
    )
    empty = goals.create_goal(db, actor, goals.GoalInput("median_first_response", 3600, **APRIL))
    now = at("2030-04-10 22:00")
    by_id = {p.goal.id: p for p in goals.all_progress(db, actor, now=now)}
    assert by_id[cpc.id].current == pytest.approx(4.0)
    assert by_id[cpc.id].status == "on_track"  # 4 per click is under the 5 ceiling
    assert by_id[spend.id].projected == pytest.approx(1200)
    assert by_id[spend.id].status == "off_track"  # on course to spend 20 % over budget
    assert by_id[empty.id].status == "not_available"


def test_status_rules_by_hand() -> None:
    rate, total = k.CATALOGUE["engagement_rate_reach"], k.CATALOGUE["reach"]
    assert goals.status_of(rate, 0.05, 0.05, 0.045, 0.5) == "on_track"
    assert goals.status_of(rate, 0.042, 0.042, 0.045, 0.5) == "at_risk"
    assert goals.status_of(rate, 0.03, 0.03, 0.045, 0.5) == "off_track"
    assert goals.status_of(rate, 0.03, 0.03, 0.045, 1.0) == "off_track"
    assert goals.status_of(total, 100, 1000, 500, 0.1) == "on_track"
    assert goals.project(total, 100, 0.25) == pytest.approx(400)
    assert goals.project(total, 100, 0) is None
    roi = k.CATALOGUE["roi"]
    assert goals.status_of(roi, -0.1, -0.1, -0.05, 0.5) == "off_track"
    assert goals.status_of(roi, -0.052, -0.052, -0.05, 0.5) == "at_risk"


def test_goals_sharing_days_and_scope_are_read_together_with_the_same_figures(
    db: Session,
) -> None:
    shop = make_shop(db)
    linkedin = make_channel(db, shop.workspace, network="linkedin")
    shop.post(at("2030-04-02 10:00"), likes=5, reach=300, impressions=600)
    shop.post(at("2030-04-03 10:00"), likes=1, reach=200, channel=linkedin)
    actor, now = shop.actor(), at("2030-04-10 22:00")
    made = [
        goals.GoalInput("reach", 1200, **APRIL),
        goals.GoalInput("impressions", 2000, **APRIL),
        goals.GoalInput("engagement_rate_reach", 0.02, **APRIL),
        goals.GoalInput("reach", 800, network="linkedin", **APRIL),
        goals.GoalInput("reach", 900, period_start=date(2030, 4, 5), period_end=date(2030, 6, 30)),
    ]
    created = [goals.create_goal(db, actor, g) for g in made]
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "publication_stats" in statement:
            statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        together = {p.goal.id: p for p in goals.all_progress(db, actor, now=now)}
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # Three asks: April workspace-wide (three KPIs), April on LinkedIn, from 5 April.
    assert len(statements) == 3
    alone = {g.id: goals.progress(db, actor, g.id, now=now) for g in created}
    assert together == alone
    assert [together[g.id].current for g in created] == [
        500,
        600,
        pytest.approx(6 / 500),
        200,
        None,  # no post since 5 April: reach not available, not 0
    ]
