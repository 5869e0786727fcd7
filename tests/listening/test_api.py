"""The listening API: queries with the parser's errors, check, collect now, mentions, health."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.connectors.base import DraftPost
from orchestre.kit.clock import FrozenClock
from orchestre.listening.api import opener_for
from tests.factories import make_token
from tests.insights.conftest import build_world


def test_queries_collect_and_read_over_http(
    app: FastAPI, client: TestClient, db: Session, clock: FrozenClock
) -> None:
    world = build_world(db, clock)
    app.dependency_overrides[opener_for] = lambda: world.opener
    auth = {"Authorization": f"Bearer {make_token(db, world.workspace, world.owner)}"}
    base = f"/api/v1/workspaces/{world.workspace.id}/listening"

    bad = client.post(f"{base}/queries", json={"name": "Vélo", "query": "vélo OR"}, headers=auth)
    assert bad.status_code == 422
    assert [e["rule"] for e in bad.json()["errors"]] == ["missing_operand"]
    checked = client.post(
        f"{base}/check", json={"query": '"pistes cyclables" -voiture'}, headers=auth
    )
    assert checked.json() == {"valid": True, "search_terms": ["pistes cyclables"], "errors": []}

    made = client.post(
        f"{base}/queries", json={"name": "Pistes", "query": '"pistes cyclables"'}, headers=auth
    )
    assert made.status_code == 201
    world.sandbox.publish(world.channel.external_id, DraftPost(text="Des pistes cyclables, enfin"))
    world.sandbox.publish(world.channel.external_id, DraftPost(text="Des pistes, pas cyclables"))

    collected = client.post(f"{base}/collect", headers=auth)
    assert collected.status_code == 200
    assert collected.json()["stored"] == 1
    page = client.get(f"{base}/mentions", params={"query_id": made.json()["id"]}, headers=auth)
    assert [m["text"] for m in page.json()["items"]] == ["Des pistes cyclables, enfin"]
    assert page.json()["items"][0]["sentiment"] in {"positive", "neutral", "negative"}
    health = client.get(f"{base}/health", params={"days": 7}, headers=auth).json()
    assert health["total"] == 1
    assert len(health["days"]) == 7
    assert health["days"][-1]["total"] == 1
    assert health["bursts"] == []

    paused = client.patch(
        f"{base}/queries/{made.json()['id']}", json={"active": False}, headers=auth
    )
    assert paused.json()["active"] is False
    assert client.delete(f"{base}/queries/{made.json()['id']}", headers=auth).status_code == 204
    assert client.get(f"{base}/queries", headers=auth).json() == []
    app.dependency_overrides.clear()
