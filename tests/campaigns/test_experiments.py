"""Experiments as a person uses them: design refused with reasons, start and stop, figures
summed per arm from the analytics tables (organic posts and paid results), verdicts in
English and French with intervals, days still needed, the budget split, and the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.campaigns import experiments as service
from orchestre.campaigns import experiments_analysis as analysis
from orchestre.campaigns.experiments_api import router
from orchestre.errors import Conflict, Forbidden, Invalid, NotFound, TransitionRefused
from orchestre.kit.clock import FrozenClock
from orchestre.models import AuditEntry
from tests.analytics.kpi_support import Shop, at, make_shop
from tests.factories import bearer, make_member, make_token, make_workspace


@pytest.fixture
def shop(db: Session) -> Shop:
    return make_shop(db)


def _design(shop: Shop, *arms: service.ArmInput, **over: object) -> service.ExperimentInput:
    values: dict[str, object] = {
        "name": "Video against image",
        "metric": "ctr",
        "baseline": 0.02,
        "mde": 0.2,
        "arms": list(arms),
    }
    values.update(over)
    return service.ExperimentInput(**values)  # type: ignore[arg-type]


def _two_posts(shop: Shop, a: tuple[int, int], b: tuple[int, int]) -> list[service.ArmInput]:
    """Two published posts with (impressions, clicks) each; their variants are the arms."""
    first = shop.post(at("2030-03-01 10:00"), impressions=a[0], clicks=a[1], format="image")
    second = shop.post(at("2030-03-01 11:00"), impressions=b[0], clicks=b[1], format="short_video")
    return [
        service.ArmInput("Image", variant_id=first.variant_id),
        service.ArmInput("Short video", variant_id=second.variant_id),
    ]


def test_a_winner_is_called_in_english_and_french(shop: Shop, clock: FrozenClock) -> None:
    arms = _two_posts(shop, (100_000, 2_000), (100_000, 2_400))
    owner = shop.actor()
    made = service.create_experiment(shop.db, owner, _design(shop, *arms))
    assert made.experiment.status == "draft"
    assert [a.position for a in made.arms] == [0, 1]
    draft = analysis.analyse(shop.db, owner, made.experiment.id)
    assert draft.summary.startswith("Not started")
    service.start_experiment(shop.db, owner, made.experiment.id)
    clock.advance(days=3)
    found = analysis.analyse(shop.db, owner, made.experiment.id)
    assert [(f.trials, f.successes) for f in found.figures] == [(100_000, 2_000), (100_000, 2_400)]
    verdict = found.verdicts[0]
    assert verdict.outcome == "wins"
    assert verdict.comparison.p_value < 0.05
    assert verdict.sentence.startswith("Short video wins on Click-through rate: +20.0%")
    low, high = verdict.comparison.relative_low, verdict.comparison.relative_high
    assert low is not None
    assert high is not None
    assert 0 < low < 0.2 < high
    assert found.figures[1].share > found.figures[0].share >= service.BUDGET_FLOOR
    assert sum(f.share for f in found.figures) == pytest.approx(1)
    assert found.days_running == pytest.approx(3)
    french = analysis.analyse(shop.db, owner, made.experiment.id, language="fr")
    assert french.verdicts[0].sentence.startswith("Short video gagne sur Taux de clic")
    assert "+20,0" in french.verdicts[0].sentence


def test_no_difference_yet_says_how_many_more_days(shop: Shop, clock: FrozenClock) -> None:
    arms = _two_posts(shop, (4_000, 80), (4_000, 84))
    owner = shop.actor()
    made = service.create_experiment(shop.db, owner, _design(shop, *arms, daily_per_arm=1_000.0))
    service.start_experiment(shop.db, owner, made.experiment.id)
    clock.advance(days=4)
    verdict = analysis.analyse(shop.db, owner, made.experiment.id).verdicts[0]
    assert verdict.outcome == "no_difference_yet"
    assert verdict.days_needed is not None
    assert verdict.days_needed > 1
    assert f"about {verdict.days_needed} more days needed" in verdict.sentence
    french = analysis.analyse(shop.db, owner, made.experiment.id, language="fr")
    assert "Aucune différence détectable" in french.verdicts[0].sentence
    service.stop_experiment(shop.db, owner, made.experiment.id)
    stopped = analysis.analyse(shop.db, owner, made.experiment.id).verdicts[0]
    assert stopped.outcome == "no_difference"
    assert stopped.sentence.startswith("No difference detected between Short video and Image")


def test_paid_arms_count_results_from_the_start_day(shop: Shop, clock: FrozenClock) -> None:
    owner = shop.actor()
    a, b = shop.campaign("Carousel"), shop.campaign("Video")
    today = date(2030, 3, 15)
    shop.result(a, today - timedelta(days=1), clicks=5000, conversions=4000)  # before the start
    design = _design(
        shop,
        service.ArmInput("Carousel", campaign_id=a.id),
        service.ArmInput("Video", campaign_id=b.id),
        metric="conversion_rate",
        baseline=0.05,
    )
    made = service.create_experiment(shop.db, owner, design)
    service.start_experiment(shop.db, owner, made.experiment.id)
    shop.result(a, today, clicks=1000, conversions=50)
    shop.result(b, today, clicks=1000, conversions=70)
    shop.result(b, today + timedelta(days=1), clicks=1000, conversions=None)
    found = analysis.analyse(shop.db, owner, made.experiment.id)
    assert [(f.trials, f.successes, f.result_days) for f in found.figures] == [
        (1000, 50, 1),
        (1000, 70, 1),
    ]


def test_a_design_is_refused_with_each_broken_rule(shop: Shop) -> None:
    other = make_workspace(shop.db)
    foreign = make_shop(shop.db)
    stray = foreign.post(at("2030-03-01 10:00"), impressions=10, clicks=1)
    arms = [
        service.ArmInput("A"),
        service.ArmInput("a", variant_id=stray.variant_id),
    ]
    design = _design(shop, *arms, metric="engagement_rate_reach", baseline=0.9, mde=0.5)
    with pytest.raises(Invalid) as refused:
        service.create_experiment(shop.db, shop.actor(), design)
    rules = {(e.field, e.rule) for e in refused.value.errors}
    assert {("mde", "range"), ("arms", "unique"), ("arms", "source")} <= rules
    assert ("arms.variant_id", "exists") in rules
    assert other.id != shop.workspace.id
    paid_metric = _design(shop, *_two_posts(shop, (10, 1), (10, 1)), metric="conversion_rate")
    with pytest.raises(Invalid) as refused:
        service.create_experiment(shop.db, shop.actor(), paid_metric)
    assert {(e.field, e.rule) for e in refused.value.errors} == {("arms", "metric")}


def test_started_design_is_fixed_and_moves_are_checked(shop: Shop) -> None:
    owner = shop.actor()
    made = service.create_experiment(
        shop.db, owner, _design(shop, *_two_posts(shop, (10, 1), (10, 1)))
    )
    changed = service.update_experiment(
        shop.db, owner, made.experiment.id, service.ExperimentChanges(mde=0.3, name="Renamed")
    )
    assert (changed.experiment.mde, changed.experiment.name) == (0.3, "Renamed")
    with pytest.raises(TransitionRefused):
        service.stop_experiment(shop.db, owner, made.experiment.id)
    service.start_experiment(shop.db, owner, made.experiment.id)
    with pytest.raises(TransitionRefused):
        service.start_experiment(shop.db, owner, made.experiment.id)
    with pytest.raises(Conflict):
        service.update_experiment(
            shop.db, owner, made.experiment.id, service.ExperimentChanges(mde=0.5)
        )
    service.update_experiment(
        shop.db, owner, made.experiment.id, service.ExperimentChanges(hypothesis="Video wins")
    )
    actions = shop.db.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_id == str(made.experiment.id))
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()
    assert set(actions) == {
        "campaigns.experiment.created",
        "campaigns.experiment.updated",
        "campaigns.experiment.started",
    }


def test_permissions_and_workspace_scope(shop: Shop) -> None:
    made = service.create_experiment(
        shop.db, shop.actor(), _design(shop, *_two_posts(shop, (10, 1), (10, 1)))
    )
    creator = shop.actor("content_creator")
    assert [e.experiment.id for e in service.list_experiments(shop.db, creator)] == [
        made.experiment.id
    ]
    with pytest.raises(Forbidden):
        service.start_experiment(shop.db, creator, made.experiment.id)
    stranger = make_shop(shop.db).actor()
    with pytest.raises(NotFound):
        service.get_experiment(shop.db, stranger, made.experiment.id)


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    paths = {getattr(r, "path", "") for r in app.routes}
    if "/api/v1/workspaces/{workspace_id}/experiments" not in paths:
        app.include_router(router, prefix="/api/v1")
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def _headers(shop: Shop, role: str = "analyst") -> dict[str, str]:
    return bearer(make_token(shop.db, shop.workspace, make_member(shop.db, shop.workspace, role)))


def test_api_plan_create_start_analyse(web: TestClient, shop: Shop, clock: FrozenClock) -> None:
    base = f"/api/v1/workspaces/{shop.workspace.id}/experiments"
    headers = _headers(shop)
    planned = web.post(
        base + "/plan",
        json={"baseline": 0.02, "mde": 0.1, "arms": 3, "daily_per_arm": 1000},
        headers=headers,
    )
    assert planned.status_code == 200, planned.text
    assert planned.json()["alpha_per_comparison"] == pytest.approx(0.025)
    assert planned.json()["days"] == -(-planned.json()["per_arm"] // 1000)
    refused = web.post(base + "/plan", json={"baseline": 1.5, "mde": 0.1}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "baseline"
    arms = _two_posts(shop, (50_000, 1_000), (50_000, 1_300))
    body = {
        "name": "Image or video",
        "metric": "ctr",
        "baseline": 0.02,
        "mde": 0.2,
        "arms": [{"name": a.name, "variant_id": str(a.variant_id)} for a in arms],
    }
    created = web.post(base, json=body, headers=headers)
    assert created.status_code == 201, created.text
    experiment = created.json()
    assert [a["name"] for a in experiment["arms"]] == ["Image", "Short video"]
    url = f"{base}/{experiment['id']}"
    assert web.post(url + "/start", headers=headers).json()["status"] == "running"
    assert web.post(url + "/start", headers=headers).status_code == 409
    clock.advance(days=2)
    found = web.get(url + "/analysis", params={"language": "fr"}, headers=headers)
    assert found.status_code == 200, found.text
    verdict = found.json()["verdicts"][0]
    assert verdict["outcome"] == "wins"
    assert verdict["sentence"].startswith("Short video gagne")
    assert verdict["relative"] == pytest.approx(0.3)
    assert verdict["relative_low"] < 0.3 < verdict["relative_high"]
    assert [a["trials"] for a in found.json()["arms"]] == [50_000, 50_000]
    assert web.get(base, headers=headers).json()[0]["id"] == experiment["id"]
    creator = _headers(shop, "content_creator")
    assert web.post(url + "/stop", headers=creator).status_code == 403
    assert web.post(url + "/stop", headers=headers).json()["status"] == "stopped"
    assert web.delete(url, headers=headers).status_code == 204
    assert web.get(url, headers=headers).status_code == 404


def test_abn_compares_each_variant_with_the_control_at_a_corrected_level(
    shop: Shop, clock: FrozenClock
) -> None:
    owner = shop.actor()
    arms = _two_posts(shop, (100_000, 2_000), (100_000, 2_400))
    flat = shop.post(at("2030-03-01 12:00"), impressions=100_000, clicks=2_030)
    arms.append(service.ArmInput("Carousel", variant_id=flat.variant_id))
    made = service.create_experiment(shop.db, owner, _design(shop, *arms))
    service.start_experiment(shop.db, owner, made.experiment.id)
    clock.advance(days=5)
    found = analysis.analyse(shop.db, owner, made.experiment.id)
    assert found.alpha_per_comparison == pytest.approx(0.025)
    assert [v.outcome for v in found.verdicts] == ["wins", "no_difference_yet"]
    # no daily sample planned: the days left come from the trials seen per day running
    carousel = found.verdicts[1]
    assert carousel.days_needed is not None
    assert carousel.days_needed >= 1
    assert f"about {carousel.days_needed} more day" in carousel.sentence
    shares = [f.share for f in found.figures]
    assert shares[1] == max(shares)
    assert sum(shares) == pytest.approx(1)


def test_a_draft_s_arms_are_replaced(shop: Shop) -> None:
    owner = shop.actor()
    arms = _two_posts(shop, (10, 1), (10, 1))
    made = service.create_experiment(shop.db, owner, _design(shop, *arms))
    swapped = service.update_experiment(
        shop.db, owner, made.experiment.id, service.ExperimentChanges(arms=arms[::-1])
    )
    assert [a.name for a in swapped.arms] == ["Short video", "Image"]
    assert [a.name for a in service.get_experiment(shop.db, owner, made.experiment.id).arms] == [
        "Short video",
        "Image",
    ]
