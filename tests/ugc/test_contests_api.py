"""The contests API: a contest from creation to its announcement, and who may do what."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from orchestre.app import create_app
from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.models.ugc_contests import Contest
from orchestre.ugc import submissions
from orchestre.ugc.submissions import SubmissionInput
from tests.factories import bearer, make_channel, make_member, make_token, make_workspace


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    made = create_app(settings, session_factory=session_factory)
    paths = {getattr(r, "path", "") for r in made.routes}
    if "/api/v1/workspaces/{workspace_id}/contests" not in paths:
        from orchestre.ugc.contests_api import router

        made.include_router(router, prefix="/api/v1")
    return made


def test_from_creation_to_announcement(
    client: TestClient, db: Session, clock: FrozenClock, tmp_path: Path
) -> None:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    auth = bearer(make_token(db, ws, owner))
    reviewer = bearer(make_token(db, ws, make_member(db, ws, "reviewer")))
    stranger_ws = make_workspace(db)
    stranger = bearer(make_token(db, stranger_ws, make_member(db, stranger_ws, "owner")))
    channel = make_channel(db, ws, "mastodon")
    base = f"/api/v1/workspaces/{ws.id}/contests"
    body = {
        "kind": "call_for_contributions",
        "title": "Name our new blend",
        "opens_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "closes_at": (utcnow() + timedelta(days=3)).isoformat(),
        "rules_fr": "Une idée par personne.",
    }
    assert client.post(base, json=body, headers=reviewer).status_code == 403
    created = client.post(base, json=body, headers=auth)
    assert created.status_code == 201, created.text
    contest = created.json()
    assert contest["status"] == "draft"
    assert contest["consent_version"] == 1
    url = f"{base}/{contest['id']}"
    assert client.get(url, headers=stranger).status_code == 404
    bad = client.patch(url, json={"status": "announced"}, headers=auth)
    assert bad.status_code == 409
    assert client.patch(url, json={"status": "open"}, headers=auth).json()["status"] == "open"

    row = db.get(Contest, uuid.UUID(contest["id"]))
    assert row is not None
    for name in ("Léa", "Sam"):
        submissions.submit(
            db,
            row,
            SubmissionInput(name, f"{name}@example.com", f"{name}'s idea", True, 1, "fr"),
            address="192.0.2.1",
            media_root=tmp_path,
        )
    pending = client.get(f"{url}/entries", params={"status": "pending"}, headers=reviewer)
    assert pending.status_code == 200
    assert sorted(e["author_name"] for e in pending.json()) == ["Léa", "Sam"]  # same instant
    lea, sam = sorted(pending.json(), key=lambda e: e["author_name"])
    assert lea["consent_language"] == "fr"
    assert lea["consent_text"].startswith("Je suis")

    entry = f"{url}/entries/{lea['id']}"
    assert (
        client.post(f"{entry}/review", json={"status": "accepted"}, headers=reviewer).status_code
        == 403
    )
    assert (
        client.post(f"{entry}/review", json={"status": "accepted"}, headers=auth).status_code == 200
    )
    voted = client.put(f"{entry}/vote", json={"score": 4}, headers=auth).json()
    assert (voted["votes"], voted["average_score"], voted["my_score"]) == (1, 4.0, 4)
    assert client.put(f"{entry}/vote", json={"score": 9}, headers=auth).status_code == 422
    refused = client.post(
        f"{url}/entries/{sam['id']}/shortlist", json={"shortlisted": True}, headers=auth
    )
    assert refused.status_code == 409  # not accepted yet
    assert client.post(f"{entry}/shortlist", json={"shortlisted": True}, headers=auth).json()[
        "shortlisted"
    ]
    winners = client.put(f"{url}/winners", json={"entry_ids": [lea["id"]]}, headers=auth)
    assert [w["winner_rank"] for w in winners.json()] == [1]
    announced = client.post(
        f"{url}/announce", json={"channel_ids": [str(channel.id)], "language": "fr"}, headers=auth
    )
    assert announced.status_code == 201, announced.text
    post = client.get(
        f"/api/v1/workspaces/{ws.id}/posts/{announced.json()['post_id']}", headers=auth
    )
    assert "🏆 Léa remporte Name our new blend !" in post.json()["base_text"]
    assert client.get(url, headers=auth).json()["status"] == "announced"
    assert client.delete(url, headers=reviewer).status_code == 403
    assert client.delete(url, headers=auth).status_code == 204
