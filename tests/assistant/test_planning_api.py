"""The content planning API: propose over HTTP, the calendar's AI drafts, accept and discard."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.models import ContentPillar
from tests.factories import bearer, make_channel, make_member, make_token, make_workspace


def test_propose_read_accept_and_discard_over_http(
    client: TestClient, db: Session, clock: FrozenClock
) -> None:
    ws = make_workspace(db, timezone="Europe/Paris")
    owner = make_member(db, ws, "owner")
    channel = make_channel(db, ws, network="bluesky", handle="@cafe.bsky.social")
    db.add(ContentPillar(workspace_id=ws.id, name="Recipes", target_share=60))
    db.add(ContentPillar(workspace_id=ws.id, name="Team", target_share=40))
    db.flush()
    auth = bearer(make_token(db, ws, owner))
    base = f"/api/v1/workspaces/{ws.id}/assistant"

    refused = client.post(f"{base}/plans", json={"weeks": 9}, headers=auth)
    assert refused.status_code == 422
    made = client.post(f"{base}/plans", json={"weeks": 1, "posts_per_week": 5}, headers=auth)
    assert made.status_code == 201, made.text
    plan = made.json()
    assert len(plan["items"]) == 5
    assert plan["shares"] == "targets"
    assert {i["pillar"] for i in plan["items"]} == {"Recipes", "Team"}
    first, second = plan["items"][0], plan["items"][1]
    assert first["ai_draft"] is True
    assert first["source"] == "offline"
    assert first["prompt_id"] == "planning.items/1"
    assert first["channel_id"] == str(channel.id)
    assert client.get(f"{base}/plans/{plan['id']}", headers=auth).json()["id"] == plan["id"]

    window = {"from": datetime(2030, 3, 15, tzinfo=UTC).isoformat(), "to": "2030-04-30T00:00:00Z"}
    events = client.get(f"{base}/plan-items", params=window, headers=auth).json()
    assert events["timezone"] == "Europe/Paris"
    assert len(events["events"]) == 5

    accepted = client.post(
        f"{base}/plan-items/{first['id']}/accept", json={"schedule": True}, headers=auth
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["outcome"] == "scheduled"
    post_id = accepted.json()["item"]["post_id"]
    post = client.get(f"/api/v1/workspaces/{ws.id}/posts/{post_id}", headers=auth).json()
    assert post["variants"][0]["state"] == "scheduled"
    assert "ai-draft" in post["tags"]
    again = client.post(f"{base}/plan-items/{first['id']}/accept", json={}, headers=auth)
    assert again.status_code == 409

    discarded = client.post(f"{base}/plan-items/{second['id']}/discard", headers=auth)
    assert discarded.json()["outcome"] == "discarded"
    left = client.get(f"{base}/plan-items", params=window, headers=auth).json()["events"]
    assert {e["id"] for e in left} == {i["id"] for i in plan["items"][2:]}

    rest = client.post(f"{base}/plans/{plan['id']}/accept", json={}, headers=auth).json()
    assert [d["outcome"] for d in rest["decisions"]] == ["draft"] * 3
    # Accepted drafts keep their place on the calendar until they have a time of their own.
    assert len(client.get(f"{base}/plan-items", params=window, headers=auth).json()["events"]) == 3
    assert client.post(f"{base}/plans/{plan['id']}/discard", headers=auth).json() == {
        "decisions": []
    }
