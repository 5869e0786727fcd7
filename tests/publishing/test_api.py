"""Publishing through the API: the crisis pause, the engine's state, publishing again."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.models import AuditEntry, PostVariant, Publication, VariantState
from orchestre.publishing import planning
from orchestre.publishing.claims import claim_due
from orchestre.publishing.policy import EnginePolicy
from tests.posts.conftest import Team, build_team, create_post, set_states


@pytest.fixture
def team(db: Session) -> Team:
    return build_team(db)


def _scheduled(client: TestClient, team: Team, db: Session, minutes: int = 5) -> PostVariant:
    post = create_post(client, team)
    set_states(db, post["id"], VariantState.SCHEDULED)
    variant = db.get(PostVariant, uuid.UUID(post["variants"][0]["id"]))
    assert variant is not None
    variant.scheduled_at = utcnow() + timedelta(minutes=minutes)
    db.flush()
    planning.plan(db, variant)
    return variant


def _claimable(db: Session, clock: FrozenClock) -> int:
    return len(claim_due(db, now=clock.now(), worker="t", policy=EnginePolicy()))


def test_a_crisis_pause_holds_everything_until_resumed_and_is_audited(
    client: TestClient, team: Team, db: Session, clock: FrozenClock
) -> None:
    _scheduled(client, team, db)
    response = client.post(
        team.url("/publishing/pause"),
        json={"reason": "Bad buzz: hold everything"},
        headers=team.headers["community_manager"],
    )
    assert response.status_code == 201, response.text
    again = client.post(team.url("/publishing/pause"), json={}, headers=team.headers["owner"])
    assert again.status_code == 409
    assert "already paused" in again.json()["detail"]
    status = client.get(team.url("/publishing"), headers=team.headers["analyst"]).json()
    assert status["paused"]["reason"] == "Bad buzz: hold everything"
    assert status["counts"]["scheduled"] == 1
    clock.advance(minutes=10)
    assert _claimable(db, clock) == 0
    resumed = client.post(
        team.url("/publishing/resume"), json={}, headers=team.headers["social_media_manager"]
    )
    assert resumed.status_code == 204
    assert (
        client.get(team.url("/publishing"), headers=team.headers["owner"]).json()["paused"] is None
    )
    assert _claimable(db, clock) == 1
    actions = set(
        db.scalars(select(AuditEntry.action).where(AuditEntry.workspace_id == team.ws.id))
    )
    assert {"publishing.paused", "publishing.resumed"} <= actions


def test_one_channel_can_be_paused_alone(
    client: TestClient, team: Team, db: Session, clock: FrozenClock
) -> None:
    variant = _scheduled(client, team, db)
    paused_channel = str(variant.channel_id)
    response = client.post(
        team.url("/publishing/pause"),
        json={"channel_id": paused_channel},
        headers=team.headers["owner"],
    )
    assert response.status_code == 201, response.text
    status = client.get(team.url("/publishing"), headers=team.headers["owner"]).json()
    assert status["paused"] is None
    assert [p["channel_id"] for p in status["channel_pauses"]] == [paused_channel]
    clock.advance(minutes=10)
    assert _claimable(db, clock) == 0
    other_channel = client.post(
        team.url("/publishing/resume"),
        json={"channel_id": str(uuid.uuid4())},
        headers=team.headers["owner"],
    )
    assert other_channel.status_code == 404


def test_a_failed_publication_is_listed_with_its_reason_and_can_go_out_now(
    client: TestClient, team: Team, db: Session, clock: FrozenClock
) -> None:
    variant = _scheduled(client, team, db)
    publication = db.scalars(select(Publication).where(Publication.variant_id == variant.id)).one()
    publication.state, publication.last_error = "failed", "The network refused: duplicate."
    variant.state = VariantState.FAILED.value
    db.flush()
    listed = client.get(
        team.url("/publications"), params={"state": "failed"}, headers=team.headers["owner"]
    ).json()
    assert [p["last_error"] for p in listed["items"]] == ["The network refused: duplicate."]
    refused = client.post(
        team.url(f"/publications/{publication.id}/publish-now"),
        headers=team.headers["content_creator"],
    )
    assert refused.status_code == 403
    response = client.post(
        team.url(f"/publications/{publication.id}/publish-now"), headers=team.headers["owner"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "scheduled"
    assert response.json()["due_at"] == clock.now().isoformat().replace("+00:00", "Z")
    assert _claimable(db, clock) == 1
    twice = client.post(
        team.url(f"/publications/{publication.id}/publish-now"), headers=team.headers["owner"]
    )
    assert twice.status_code == 409


def test_a_bad_state_filter_names_the_states(client: TestClient, team: Team) -> None:
    response = client.get(
        team.url("/publications"), params={"state": "lost"}, headers=team.headers["owner"]
    )
    assert response.status_code == 422
