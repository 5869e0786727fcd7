"""The experiments pages: the planner answers as the figures change, a form refused names
the broken rule, an A/B test made of two published posts starts and shows its verdict with
intervals and the budget split, in English and in French."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.models import Experiment, User, Workspace
from orchestre.models.campaigns_experiments import ExperimentArm
from orchestre.web.views import experiments as experiments_page
from tests.analytics.kpi_support import Shop, at
from tests.factories import make_channel
from tests.web.conftest import csrf_of


@pytest.fixture(autouse=True)
def mounted(app: FastAPI) -> None:
    paths = {getattr(r, "path", "") for r in app.routes}
    if "/w/{workspace_id}/experiments" not in paths:
        app.include_router(experiments_page.router)


@pytest.fixture
def shop(db: Session, workspace: Workspace, owner: User) -> Shop:
    return Shop(db, workspace, owner, make_channel(db, workspace, handle="@acme"))


def _form(csrf: str, shop: Shop, **more: str) -> dict[str, str]:
    image = shop.post(at("2030-03-01 10:00"), impressions=60_000, clicks=1_200, text="Image")
    video = shop.post(at("2030-03-02 10:00"), impressions=60_000, clicks=1_560, text="Reel")
    return {
        "csrf_token": csrf,
        "name": "Reel or photo",
        "metric": "ctr",
        "arm_name_0": "Photo",
        "arm_variant_0": str(image.variant_id),
        "arm_name_1": "Reel",
        "arm_variant_1": str(video.variant_id),
        "baseline": "2",
        "mde": "20",
        "alpha": "0.05",
        "power": "0.8",
        "daily_per_arm": "5000",
        **more,
    }


def test_the_planner_answers_live(signed_in: TestClient, workspace: Workspace) -> None:
    url = f"/w/{workspace.id}/experiments/plan"
    answer = signed_in.get(url, params={"baseline": "2", "mde": "10", "alpha": "0.05",
                                        "power": "0.8", "daily_per_arm": "1000"})  # fmt: skip
    assert answer.status_code == 200
    assert "80,638 per arm" in answer.text
    assert "about 81 days" in answer.text
    refused = signed_in.get(url, params={"baseline": "150", "mde": "10", "alpha": "0.05",
                                         "power": "0.8"})  # fmt: skip
    assert "The baseline rate is between" in refused.text


def test_create_start_and_read_the_verdict(
    signed_in: TestClient, db: Session, workspace: Workspace, shop: Shop, clock: FrozenClock
) -> None:
    base = f"/w/{workspace.id}/experiments"
    page = signed_in.get(base)
    assert page.status_code == 200
    assert "No experiment yet" in page.text
    csrf = csrf_of(page.text)
    form = _form(csrf, shop)
    refused = signed_in.post(base, data={**form, "mde": "abc"})
    assert refused.status_code == 422
    assert "The minimum detectable effect is at least" in refused.text
    assert db.query(Experiment).count() == 0

    made = signed_in.post(base, data=form, follow_redirects=True)
    assert made.status_code == 200, made.text
    assert "Experiment saved." in made.text
    assert "Not started" in made.text
    experiment = db.query(Experiment).one()
    assert (experiment.baseline, experiment.mde) == (pytest.approx(0.02), pytest.approx(0.2))
    started = signed_in.post(
        f"{base}/{experiment.id}/start", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "Experiment started" in started.text
    clock.advance(days=2)
    page = signed_in.get(f"{base}/{experiment.id}")
    assert "Reel wins on Click-through rate: +30.0%" in page.text
    assert 'data-testid="budget-share"' in page.text
    assert "60,000" in page.text

    signed_in.cookies.set("orchestre_locale", "fr")
    db.query(User).filter_by(id=shop.owner.id).update({"locale": "fr"})
    db.flush()
    french = signed_in.get(f"{base}/{experiment.id}")
    assert "Reel gagne sur Taux de clic" in french.text
    assert "Expériences" in french.text


def test_the_form_takes_as_many_arms_as_the_api(
    signed_in: TestClient, db: Session, workspace: Workspace, shop: Shop
) -> None:
    """Four rows show at first and "Add an arm" reveals the next, up to eight; an A/B/n test
    of six arms is saved whole, an unnamed arm taking its letter."""
    base = f"/w/{workspace.id}/experiments"
    page = signed_in.get(base)
    assert page.text.count('class="experiment-arm"') == 8
    assert 'data-testid="arm-3" x-show' in page.text  # shown
    assert 'data-testid="arm-4" x-cloak' in page.text  # waits for "Add an arm"
    assert 'data-testid="add-arm"' in page.text
    form = _form(csrf_of(page.text), shop)
    for i in range(2, 6):
        extra = shop.post(at(f"2030-03-0{i + 1} 10:00"), impressions=1_000, text=f"Arm {i}")
        form[f"arm_variant_{i}"] = str(extra.variant_id)
    form["arm_name_2"] = "Carousel"
    made = signed_in.post(base, data=form, follow_redirects=True)
    assert made.status_code == 200, made.text
    experiment = db.query(Experiment).one()
    arms = db.query(ExperimentArm).filter_by(experiment_id=experiment.id).order_by("position")
    assert [arm.name for arm in arms] == ["Photo", "Reel", "Carousel", "D", "E", "F"]

    refused = signed_in.post(base, data={**form, "name": ""})
    assert refused.status_code == 422
    assert 'data-testid="arm-5" x-show' in refused.text  # a filled row stays in sight
    assert 'data-testid="arm-6" x-cloak' in refused.text
