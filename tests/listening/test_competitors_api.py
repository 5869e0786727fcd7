"""The competitors API: add a competitor and its sandbox account, refusals with their rule,
collect now, the comparison beside the brand, remove."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.listening.api import opener_for
from tests.factories import make_token
from tests.insights.conftest import build_world


def test_competitors_over_http(
    app: FastAPI, client: TestClient, db: Session, clock: FrozenClock
) -> None:
    world = build_world(db, clock)
    app.dependency_overrides[opener_for] = lambda: world.opener
    auth = {"Authorization": f"Bearer {make_token(db, world.workspace, world.owner)}"}
    base = f"/api/v1/workspaces/{world.workspace.id}/competitors"

    made = client.post(base, json={"name": "Rival"}, headers=auth)
    assert made.status_code == 201
    rival = made.json()["id"]
    assert client.post(base, json={"name": "rival"}, headers=auth).status_code == 409
    bad = client.post(
        f"{base}/{rival}/accounts", json={"network": "sandbox", "handle": "no way"}, headers=auth
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["rule"] == "not_found"
    added = client.post(
        f"{base}/{rival}/accounts", json={"network": "sandbox", "handle": "@rival"}, headers=auth
    )
    assert added.status_code == 201
    assert added.json()["handle"] == "rival"
    assert added.json()["followers"] > 0

    collected = client.post(f"{base}/collect", headers=auth)
    assert collected.status_code == 200
    assert collected.json()["read"] == 1

    found = client.get(f"{base}/comparison", params={"period": "last_7_days"}, headers=auth)
    assert found.status_code == 200
    body = found.json()
    assert len(body["days"]) == 7
    assert len(sides_weeks := body["weeks"]) in (1, 2)  # 7 days span one or two weeks
    assert all(
        len(s["weekly_engagement"]) == len(sides_weeks)
        for n in body["networks"]
        for s in n["sides"]
    )
    sides = body["networks"][0]["sides"]
    assert [s["key"] for s in sides] == ["brand", rival]
    assert sides[1]["followers"] == added.json()["followers"]
    assert body["share_of_voice"]["by_mentions"] is None  # no listening query yet
    assert body["top_posts"]
    wrong = client.get(f"{base}/comparison", params={"period": "forever"}, headers=auth)
    assert wrong.status_code == 422

    listed = client.get(base, headers=auth).json()
    assert [a["handle"] for a in listed[0]["accounts"]] == ["rival"]
    account = listed[0]["accounts"][0]["id"]
    assert client.delete(f"{base}/accounts/{account}", headers=auth).status_code == 204
    assert client.delete(f"{base}/{rival}", headers=auth).status_code == 204
    assert client.get(base, headers=auth).json() == []
    app.dependency_overrides.clear()
