"""The analytics API: KPI values, series, top posts, heatmap, formats and goals over HTTP,
as JSON and as CSV, with the rules' errors."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.analytics.api import router
from orchestre.kit.clock import FrozenClock
from tests.analytics.kpi_support import Shop, at, make_shop
from tests.factories import bearer, make_member, make_token

MARCH = {"period": "custom", "start": "2030-03-01", "end": "2030-03-31"}


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    """The app with the analytics routes (mounted here until routes.py includes them)."""
    paths = {getattr(r, "path", "") for r in app.routes}
    if "/api/v1/workspaces/{workspace_id}/analytics/kpis" not in paths:
        app.include_router(router, prefix="/api/v1")
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def shop(db: Session) -> Shop:
    shop = make_shop(db)
    shop.post(
        at("2030-03-02 10:00"),
        likes=10,
        comments=5,
        reach=100,
        format="image",
        clicks=3,
        impressions=300,
        text="Spring is here",
    )
    shop.post(at("2030-03-09 10:00"), likes=1, reach=100, format="short_video", impressions=50)
    shop.post(at("2030-02-20 10:00"), likes=4, reach=100, format="image")
    return shop


def _url(shop: Shop, tail: str) -> str:
    return f"/api/v1/workspaces/{shop.workspace.id}/analytics/{tail}"


def _token(shop: Shop, role: str = "analyst") -> dict[str, str]:
    return bearer(make_token(shop.db, shop.workspace, make_member(shop.db, shop.workspace, role)))


def test_kpis_with_previous_period_and_groups(web: TestClient, shop: Shop) -> None:
    response = web.get(
        _url(shop, "kpis"),
        params={**MARCH, "kpis": "engagement_rate_reach,posts", "group_by": "format"},
        headers=_token(shop),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"]["first"] == "2030-03-01"
    assert body["period"]["start"].startswith("2030-02-28T23:00")
    assert body["previous_period"]["last"] == "2030-02-28"
    assert [k["name"] for k in body["kpis"]] == ["engagement_rate_reach", "posts"]
    rate = body["total"]["values"][0]
    assert rate["value"] == pytest.approx(16 / 200)
    assert rate["previous"] == pytest.approx(0.04)
    assert rate["change"]["relative"] == pytest.approx(1.0)
    assert rate["coverage"] == 2
    groups = {g["key"]: g["values"][1]["value"] for g in body["groups"]}
    assert groups == {"image": 1, "short_video": 1}


def test_kpis_default_period_is_the_last_30_days_in_the_workspace_s_zone(
    web: TestClient, shop: Shop, clock: FrozenClock
) -> None:
    body = web.get(_url(shop, "kpis"), headers=_token(shop)).json()
    assert body["period"]["name"] == "last_30_days"
    assert body["period"]["last"] == "2030-03-14"  # the clock is at 2030-03-15 10:00 in Paris
    assert body["period"]["timezone"] == "Europe/Paris"
    assert body["kpis"][0]["name"] == "engagement_rate_reach"


def test_csv_of_kpis_series_top_posts_and_heatmap(web: TestClient, shop: Shop) -> None:
    headers = _token(shop)
    kpis_csv = web.get(
        _url(shop, "kpis"),
        params={**MARCH, "kpis": "reach,impressions", "format": "csv"},
        headers=headers,
    )
    assert kpis_csv.status_code == 200
    assert kpis_csv.headers["content-type"].startswith("text/csv")
    assert "orchestre-kpis-20300301-20300331.csv" in kpis_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(kpis_csv.content.decode("utf-8-sig"))))
    assert [(r["kpi"], r["value"], r["previous"]) for r in rows] == [
        ("reach", "200.0", "100.0"),
        ("impressions", "350.0", ""),  # not available in February: an empty cell, not 0
    ]
    series = web.get(
        _url(shop, "series"),
        params={**MARCH, "kpis": ["reach", "posts"], "interval": "week", "format": "csv"},
        headers=headers,
    )
    lines = series.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "week,reach,posts"
    assert lines[1] == "2030-02-25,100.0,1.0"
    top = web.get(_url(shop, "top-posts"), params={**MARCH, "format": "csv"}, headers=headers)
    top_rows = list(csv.DictReader(io.StringIO(top.content.decode("utf-8-sig"))))
    assert [r["text"] for r in top_rows] == ["Spring is here", "Bonjour"]
    assert top_rows[0]["engagement_rate_reach"] == "0.15"
    heat = web.get(_url(shop, "heatmap"), params={**MARCH, "format": "csv"}, headers=headers)
    assert len(heat.content.decode("utf-8-sig").splitlines()) == 1 + 168


def test_series_top_posts_heatmap_and_formats_as_json(web: TestClient, shop: Shop) -> None:
    headers = _token(shop)
    series = web.get(_url(shop, "series"), params={**MARCH, "kpis": "reach"}, headers=headers)
    points = series.json()["points"]
    assert len(points) == 31
    assert points[1] == {
        "start": "2030-03-02",
        "values": {"reach": 100.0},
        "coverage": {"reach": 1},
    }
    bottom = web.get(
        _url(shop, "top-posts"),
        params={**MARCH, "order": "bottom", "limit": 1, "kpi": "engagement"},
        headers=headers,
    ).json()
    assert [p["value"] for p in bottom["posts"]] == [1.0]
    assert bottom["posts"][0]["metrics"]["saves"] is None
    heat = web.get(_url(shop, "heatmap"), params=MARCH, headers=headers).json()
    cell = next(c for c in heat["cells"] if c["posts"])
    assert (cell["weekday"], cell["hour"]) == (5, 11)  # Saturday 11:00 in Paris
    formats = web.get(_url(shop, "formats"), params=MARCH, headers=headers).json()
    assert [g["key"] for g in formats["groups"]][:2] == ["image", "short_video"]
    assert len(formats["groups"]) == 5
    catalogue = web.get(_url(shop, "catalogue"), headers=headers).json()
    sov = next(k for k in catalogue if k["name"] == "share_of_voice")
    assert sov["available"] is True


REFUSED = [
    ("kpis", {"kpis": "reach,engagment"}, "kpis"),
    ("kpis", {"group_by": "colour"}, "group_by"),
    ("kpis", {"period": "last_year"}, "period"),
    ("kpis", {"period": "custom", "start": "2030-03-05", "end": "2030-03-01"}, "end"),
    ("kpis", {"post_format": "gif"}, "post_format"),
    ("series", {"interval": "hour"}, "interval"),
    ("top-posts", {"kpi": "spend"}, "kpi"),
    ("top-posts", {"order": "middle"}, "order"),
    ("heatmap", {"kpi": "reach"}, "kpi"),
]


def test_unknown_names_get_422_with_the_rule(web: TestClient, shop: Shop) -> None:
    headers = _token(shop)
    for route, params, field in REFUSED:
        response = web.get(_url(shop, route), params=params, headers=headers)
        assert response.status_code == 422, (route, params, response.text)
        errors = response.json()["errors"]
        assert errors[0]["field"] == field
        assert errors[0]["rule"] in {"enum", "order"}


def test_goals_crud_and_progress(web: TestClient, shop: Shop, clock: FrozenClock) -> None:
    manager = _token(shop, "social_media_manager")
    created = web.post(
        _url(shop, "goals"),
        json={
            "kpi": "reach",
            "target": 300,
            "period_start": "2030-03-01",
            "period_end": "2030-03-31",
            "channel_id": str(shop.channel.id),
            "note": "Spring push",
        },
        headers=manager,
    )
    assert created.status_code == 201, created.text
    goal = created.json()
    assert goal["channel_id"] == str(shop.channel.id)
    progress = web.get(_url(shop, f"goals/{goal['id']}/progress"), headers=manager).json()
    # 2030-03-15 10:00 in Paris: 14 days and 10 hours of 31 days are over.
    elapsed = (14 * 24 + 10) / (31 * 24 - 1)  # March 31 is 23 hours long in Paris
    assert progress["elapsed_share"] == pytest.approx(elapsed)
    assert progress["current"] == 200
    assert progress["projected"] == pytest.approx(200 / elapsed)
    assert progress["status"] == "on_track"
    patched = web.patch(_url(shop, f"goals/{goal['id']}"), json={"target": 1000}, headers=manager)
    assert patched.json()["target"] == 1000
    listing = web.get(_url(shop, "goals/progress"), headers=manager).json()
    assert [p["status"] for p in listing] == ["off_track"]
    goals_csv = web.get(_url(shop, "goals/progress"), params={"format": "csv"}, headers=manager)
    assert "off_track" in goals_csv.content.decode("utf-8-sig")
    reviewer = _token(shop, "reviewer")
    assert web.delete(_url(shop, f"goals/{goal['id']}"), headers=reviewer).status_code == 403
    assert web.get(_url(shop, "goals"), headers=reviewer).status_code == 200
    assert web.delete(_url(shop, f"goals/{goal['id']}"), headers=manager).status_code == 204
    assert web.get(_url(shop, f"goals/{goal['id']}"), headers=manager).status_code == 404


def test_bad_goal_gets_422_and_a_foreign_goal_404(web: TestClient, shop: Shop, db: Session) -> None:
    manager = _token(shop, "social_media_manager")
    refused = web.post(
        _url(shop, "goals"),
        json={
            "kpi": "engagment",
            "target": 1,
            "period_start": "2030-03-01",
            "period_end": "2030-03-31",
        },
        headers=manager,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "kpi"
    other = make_shop(db)
    theirs = web.post(
        _url(other, "goals"),
        json={
            "kpi": "reach",
            "target": 1,
            "period_start": "2030-03-01",
            "period_end": "2030-03-31",
        },
        headers=_token(other, "owner"),
    ).json()
    assert web.get(_url(shop, f"goals/{theirs['id']}"), headers=manager).status_code == 404
    assert date.fromisoformat(theirs["period_start"]) == date(2030, 3, 1)
