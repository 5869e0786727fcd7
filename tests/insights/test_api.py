"""GET /workspaces/{id}/channels/{channel_id}/best-times: the coming week's best slots."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from tests.factories import bearer, make_channel, make_member, make_token, make_workspace
from tests.insights.conftest import World


def _url(workspace_id: object, channel_id: object) -> str:
    return f"/api/v1/workspaces/{workspace_id}/channels/{channel_id}/best-times"


def test_a_channel_without_history_gets_its_network_s_pattern(
    client: TestClient, db: Session, clock: FrozenClock
) -> None:
    ws = make_workspace(db, timezone="Europe/Paris")
    token = make_token(db, ws, make_member(db, ws, "analyst"))
    channel = make_channel(db, ws, network="linkedin")
    response = client.get(_url(ws.id, channel.id), headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["channel_id"] == str(channel.id)
    assert body["network"] == "linkedin"
    assert body["timezone"] == "Europe/Paris"
    assert body["posts_measured"] == 0
    assert body["prior"] == "network"
    assert body["prior_weight"] is None
    slots = body["slots"]
    assert len(slots) == 5
    assert all(s["source"] == "network_prior" for s in slots)
    assert all(s["posts"] == 0 and s["own_share"] == 0 for s in slots)
    # LinkedIn's prior: weekday mornings, never a weekend or a night.
    assert all(s["weekday"] < 5 and 8 <= s["hour"] <= 12 for s in slots)
    scores = [s["score"] for s in slots]
    assert scores == sorted(scores, reverse=True)
    now = clock.now()
    for slot in slots:
        starts = datetime.fromisoformat(slot["starts_at"])
        assert now < starts <= now + timedelta(days=7)
        assert slot["local_time"].endswith(f"T{slot['hour']:02d}:00")


def test_limit_and_another_workspace_s_channel(client: TestClient, db: Session) -> None:
    ws, elsewhere = make_workspace(db), make_workspace(db)
    token = make_token(db, ws, make_member(db, ws, "owner"))
    mine, theirs = make_channel(db, ws), make_channel(db, elsewhere)
    one = client.get(_url(ws.id, mine.id), params={"limit": 1}, headers=bearer(token))
    assert one.status_code == 200
    assert len(one.json()["slots"]) == 1
    assert one.json()["prior"] == "generic"  # the sandbox has no pattern of its own
    too_many = client.get(_url(ws.id, mine.id), params={"limit": 25}, headers=bearer(token))
    assert too_many.status_code == 422
    assert client.get(_url(ws.id, theirs.id), headers=bearer(token)).status_code == 404


def test_thin_history_counts_its_posts_but_keeps_the_prior(
    client: TestClient, world: World
) -> None:
    publications = [world.publish_now() for _ in range(2)]
    world.collect()
    world.later(days=2)
    assert world.collect().measured == 2
    token = make_token(world.db, world.workspace, world.owner)
    response = client.get(
        _url(world.workspace.id, world.channel.id), params={"limit": 24}, headers=bearer(token)
    )
    body = response.json()
    assert body["posts_measured"] == len(publications)
    assert body["basis"] == "impressions"
    assert all(s["source"] == "network_prior" for s in body["slots"])
