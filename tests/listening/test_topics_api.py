"""The topic clusters' and inbox trends' routes: read what the background computed."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.listening import topics_service as svc
from orchestre.workspaces.permissions import Role
from tests.factories import make_member, make_token
from tests.inbox.team_support import make_conversation
from tests.insights.conftest import build_world
from tests.listening.test_topics_service import embed


def test_topics_and_inbox_trends_over_http(
    client: TestClient, db: Session, clock: FrozenClock, session_factory: sessionmaker[Session]
) -> None:
    world = build_world(db, clock)
    auth = {"Authorization": f"Bearer {make_token(db, world.workspace, world.owner)}"}
    base = f"/api/v1/workspaces/{world.workspace.id}/listening"
    for i in range(4):
        make_conversation(
            db,
            world.channel,
            text=f"Refund #promo please {i}",
            at=utcnow() - timedelta(hours=i + 1),
        )

    pending = client.get(f"{base}/topics", headers=auth)
    assert pending.status_code == 200
    assert pending.json()["state"] == "pending"
    assert pending.json()["topics"] == []
    asked = client.post(f"{base}/topics/refresh", headers=auth)
    assert asked.json()["state"] == "pending"

    assert svc.refresh_round(session_factory, embed=embed) == 1
    ready = client.get(f"{base}/topics", headers=auth).json()
    assert ready["state"] == "ready"
    assert ready["volume"] == 4
    [topic] = ready["topics"]
    assert topic["status"] == "new"
    assert topic["label"].startswith("refund")
    assert topic["sources"] == {"inbox": 4}
    assert len(topic["samples"]) == 3

    trends = client.get(f"{base}/inbox-trends", params={"days": 7}, headers=auth).json()
    assert trends["total"] == 4
    assert trends["top_hashtags"] == [{"value": "#promo", "count": 4}]
    assert client.get(f"{base}/inbox-trends", params={"days": 0}, headers=auth).status_code == 422

    # A content creator sees the topic, not the inbox messages' text, and cannot recompute.
    creator = make_member(db, world.workspace, Role.CONTENT_CREATOR.value)
    other = {"Authorization": f"Bearer {make_token(db, world.workspace, creator)}"}
    seen = client.get(f"{base}/topics", headers=other).json()
    assert seen["topics"][0]["size"] == 4
    assert seen["topics"][0]["samples"] == []
    assert client.post(f"{base}/topics/refresh", headers=other).status_code == 403
