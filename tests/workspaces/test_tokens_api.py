"""Personal API tokens: shown once, hashed at rest, one workspace, revocable, expiring."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.kit.crypto import token_hash
from orchestre.models import ApiToken, AuditEntry
from tests.factories import add_member, bearer, make_token, make_user, make_workspace
from tests.workspaces.conftest import SignedIn


def _issue(client: TestClient, owner: SignedIn, **body: object) -> dict[str, object]:
    response = client.post(owner.url("/tokens"), json={"name": "CI", **body}, headers=owner.headers)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_token_is_shown_once_and_only_its_hash_is_stored(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    created = _issue(client, owner)
    raw = str(created["token"])
    assert raw.startswith("orc_")
    assert created["prefix"] == raw[:12]
    stored = db.scalars(select(ApiToken).where(ApiToken.id == uuid.UUID(str(created["id"])))).one()
    assert stored.token_hash == token_hash(raw)
    assert raw not in stored.token_hash
    listed = client.get(owner.url("/tokens")).json()
    assert [t["name"] for t in listed["items"]] == ["CI"]
    assert "token" not in listed["items"][0]
    assert "token_hash" not in listed["items"][0]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "token.issued")).one()
    assert entry.after is not None
    assert "token_hash" not in entry.after
    assert raw not in str(entry.after)


def test_token_works_in_its_workspace_only_and_records_last_use(
    client: TestClient, owner: SignedIn, db: Session, clock: FrozenClock
) -> None:
    raw = str(_issue(client, owner)["token"])
    other = make_workspace(db)
    add_member(db, other, owner.user)
    clock.advance(hours=1)
    assert client.get(owner.url("/members"), headers=bearer(raw)).status_code == 200
    assert client.get(f"/api/v1/workspaces/{other.id}", headers=bearer(raw)).status_code == 404
    listed = client.get(owner.url("/tokens"), headers=bearer(raw)).json()["items"][0]
    assert listed["last_used_at"] == utcnow().isoformat().replace("+00:00", "Z")


def test_revoked_token_is_401(client: TestClient, owner: SignedIn) -> None:
    created = _issue(client, owner)
    raw = str(created["token"])
    response = client.delete(owner.url(f"/tokens/{created['id']}"), headers=owner.headers)
    assert response.status_code == 204
    refused = client.get(owner.url(), headers=bearer(raw))
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_token"
    listed = client.get(owner.url("/tokens")).json()["items"][0]
    assert listed["revoked_at"] is not None
    # Revoking again changes nothing.
    again = client.delete(owner.url(f"/tokens/{created['id']}"), headers=owner.headers)
    assert again.status_code == 204


def test_expired_token_is_401(client: TestClient, owner: SignedIn, clock: FrozenClock) -> None:
    expires = (utcnow() + timedelta(days=1)).isoformat()
    raw = str(_issue(client, owner, expires_at=expires)["token"])
    assert client.get(owner.url(), headers=bearer(raw)).status_code == 200
    clock.advance(days=1, seconds=1)
    refused = client.get(owner.url(), headers=bearer(raw))
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_expired"


def test_expiry_must_be_aware_and_in_the_future(client: TestClient, owner: SignedIn) -> None:
    naive = client.post(
        owner.url("/tokens"),
        json={"name": "x", "expires_at": "2030-06-01T00:00:00"},
        headers=owner.headers,
    )
    assert naive.status_code == 422
    assert "time zone" in naive.json()["errors"][0]["message"]
    past = client.post(
        owner.url("/tokens"),
        json={"name": "x", "expires_at": (utcnow() - timedelta(days=1)).isoformat()},
        headers=owner.headers,
    )
    assert past.status_code == 422
    assert past.json()["errors"][0]["rule"] == "future"


def test_a_token_cannot_mint_a_longer_lived_one(client: TestClient, owner: SignedIn) -> None:
    short = str(
        _issue(client, owner, expires_at=(utcnow() + timedelta(hours=1)).isoformat())["token"]
    )
    forever = client.post(owner.url("/tokens"), json={"name": "forever"}, headers=bearer(short))
    assert forever.status_code == 422
    assert forever.json()["errors"][0]["rule"] == "max"
    within = client.post(
        owner.url("/tokens"),
        json={"name": "child", "expires_at": (utcnow() + timedelta(minutes=30)).isoformat()},
        headers=bearer(short),
    )
    assert within.status_code == 201


def test_members_revoke_their_own_tokens_and_owners_anyones(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    creator = make_user(db)
    add_member(db, owner.workspace, creator, "content_creator")
    creator_token = make_token(db, owner.workspace, creator)
    owner_token = _issue(client, owner)
    theirs = client.get(owner.url("/tokens"), headers=bearer(creator_token)).json()["items"]
    assert [t["user_id"] for t in theirs] == [str(creator.id)]
    # The content creator cannot revoke the owner's token, nor list everyone's.
    refused = client.delete(
        owner.url(f"/tokens/{owner_token['id']}"), headers=bearer(creator_token)
    )
    assert refused.status_code == 403
    everyone = client.get(owner.url("/tokens?everyone=true"), headers=bearer(creator_token))
    assert everyone.status_code == 403
    # The owner sees and revokes the creator's token.
    all_tokens = client.get(owner.url("/tokens?everyone=true")).json()["items"]
    assert len(all_tokens) == 2
    creator_row = next(t for t in all_tokens if t["user_id"] == str(creator.id))
    revoked = client.delete(owner.url(f"/tokens/{creator_row['id']}"), headers=owner.headers)
    assert revoked.status_code == 204
    assert client.get(owner.url(), headers=bearer(creator_token)).status_code == 401


def test_unknown_fields_are_422(client: TestClient, owner: SignedIn) -> None:
    response = client.post(
        owner.url("/tokens"), json={"name": "x", "scopes": ["all"]}, headers=owner.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
