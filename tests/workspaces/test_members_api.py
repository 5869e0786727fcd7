"""Members and roles: list, add (with or without an account), change roles, remove."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock
from orchestre.models import AuditEntry, Membership, User
from tests.factories import (
    PASSWORD,
    add_member,
    bearer,
    make_member,
    make_token,
    make_user,
    make_workspace,
)
from tests.workspaces.conftest import SignedIn, csrf, sign_in


def _membership(db: Session, owner: SignedIn, user: User) -> Membership:
    return db.scalars(
        select(Membership).where(
            Membership.workspace_id == owner.workspace.id, Membership.user_id == user.id
        )
    ).one()


def test_members_are_listed_in_joining_order_with_their_roles(
    client: TestClient, owner: SignedIn, db: Session, clock: FrozenClock
) -> None:
    clock.advance(minutes=1)
    colleague = make_user(db, name="Léa")
    add_member(db, owner.workspace, colleague, "reviewer", "analyst")
    page = client.get(owner.url("/members")).json()
    assert [(m["name"], m["roles"]) for m in page["items"]] == [
        (owner.user.name, ["owner"]),
        ("Léa", ["analyst", "reviewer"]),
    ]
    assert page["next_cursor"] is None
    first = client.get(owner.url("/members?limit=1")).json()
    rest = client.get(owner.url(f"/members?limit=1&cursor={first['next_cursor']}")).json()
    assert [m["name"] for m in first["items"] + rest["items"]] == [owner.user.name, "Léa"]


def test_owner_adds_an_existing_account_with_several_roles(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    colleague = make_user(db, email="leo@example.com")
    response = client.post(
        owner.url("/members"),
        json={"email": "LEO@example.com", "roles": ["reviewer", "content_creator", "reviewer"]},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user_id"] == str(colleague.id)
    assert body["roles"] == ["content_creator", "reviewer"]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "member.added")).one()
    assert entry.after is not None
    assert entry.after["roles"] == ["content_creator", "reviewer"]
    assert entry.actor_user_id == owner.user.id


def test_owner_onboards_a_colleague_without_an_account(client: TestClient, owner: SignedIn) -> None:
    response = client.post(
        owner.url("/members"),
        json={
            "email": "new@example.com",
            "roles": ["community_manager"],
            "name": "Nina",
            "password": "a long enough password",
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Nina"
    login = client.post(
        "/api/v1/auth/login",
        json={"email": "new@example.com", "password": "a long enough password"},
    )
    assert login.status_code == 200


def test_unknown_email_without_name_and_password_says_how_to_do_it(
    client: TestClient, owner: SignedIn
) -> None:
    response = client.post(
        owner.url("/members"),
        json={"email": "ghost@example.com", "roles": ["analyst"]},
        headers=owner.headers,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "account_unknown"
    assert {e["field"] for e in body["errors"]} == {"name", "password"}
    assert "name and a password" in body["detail"]


def test_creating_an_account_with_a_taken_email_is_a_conflict(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    make_user(db, email="taken@example.com")
    response = client.post(
        owner.url("/members"),
        json={
            "email": "taken@example.com",
            "roles": ["analyst"],
            "name": "X",
            "password": "another long password",
        },
        headers=owner.headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert "leave out the name and password" in response.json()["detail"]


def test_duplicate_membership_is_a_conflict(client: TestClient, owner: SignedIn) -> None:
    response = client.post(
        owner.url("/members"),
        json={"email": owner.user.email, "roles": ["analyst"]},
        headers=owner.headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_member"


def test_roles_are_checked(client: TestClient, owner: SignedIn, db: Session) -> None:
    colleague = make_user(db)
    none = client.post(
        owner.url("/members"), json={"email": colleague.email, "roles": []}, headers=owner.headers
    )
    assert none.status_code == 422
    assert none.json()["errors"][0]["rule"] == "required"
    unknown = client.post(
        owner.url("/members"),
        json={"email": colleague.email, "roles": ["janitor"]},
        headers=owner.headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "roles.0"


def test_analyst_cannot_add_a_member(client: TestClient, owner: SignedIn, db: Session) -> None:
    analyst = make_user(db)
    add_member(db, owner.workspace, analyst, "analyst")
    token = make_token(db, owner.workspace, analyst)
    response = client.post(
        owner.url("/members"),
        json={"email": "someone@example.com", "roles": ["owner"]},
        headers=bearer(token),
    )
    assert response.status_code == 403
    assert client.get(owner.url("/members"), headers=bearer(token)).status_code == 200


def test_change_roles_is_audited_with_before_and_after(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    colleague = make_user(db)
    membership = add_member(db, owner.workspace, colleague, "content_creator")
    response = client.patch(
        owner.url(f"/members/{membership.id}"),
        json={"roles": ["social_media_manager", "reviewer"]},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["reviewer", "social_media_manager"]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "member.roles_changed")).one()
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["roles"], entry.after["roles"]) == (
        ["content_creator"],
        ["reviewer", "social_media_manager"],
    )


def test_the_last_owner_can_be_neither_demoted_nor_removed(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    mine = _membership(db, owner, owner.user)
    demote = client.patch(
        owner.url(f"/members/{mine.id}"), json={"roles": ["analyst"]}, headers=owner.headers
    )
    assert demote.status_code == 409
    assert demote.json()["code"] == "last_owner"
    assert "another member an owner first" in demote.json()["detail"]
    remove = client.delete(owner.url(f"/members/{mine.id}"), headers=owner.headers)
    assert remove.status_code == 409
    # Keeping the owner role while adding another is fine.
    both = client.patch(
        owner.url(f"/members/{mine.id}"),
        json={"roles": ["owner", "analyst"]},
        headers=owner.headers,
    )
    assert both.status_code == 200

    second = make_user(db)
    add_member(db, owner.workspace, second, "owner")
    demoted = client.patch(
        owner.url(f"/members/{mine.id}"), json={"roles": ["analyst"]}, headers=owner.headers
    )
    assert demoted.status_code == 200


def test_removing_a_member_revokes_their_tokens_here(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    colleague = make_user(db)
    membership = add_member(db, owner.workspace, colleague, "community_manager")
    token = make_token(db, owner.workspace, colleague)
    assert client.get(owner.url(), headers=bearer(token)).status_code == 200
    response = client.delete(owner.url(f"/members/{membership.id}"), headers=owner.headers)
    assert response.status_code == 204
    assert client.get(owner.url(), headers=bearer(token)).status_code == 401
    # Even once added back, the old token stays dead.
    add_member(db, owner.workspace, colleague, "community_manager")
    assert client.get(owner.url(), headers=bearer(token)).status_code == 401
    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.action)).all()
    assert "member.removed" in actions
    assert "token.revoked" in actions


def test_a_promoted_owner_can_remove_the_first_one(
    client: TestClient, owner: SignedIn, db: Session, settings: Settings
) -> None:
    colleague = make_user(db)
    membership = add_member(db, owner.workspace, colleague, "analyst")
    promoted = client.patch(
        owner.url(f"/members/{membership.id}"), json={"roles": ["owner"]}, headers=owner.headers
    )
    assert promoted.status_code == 200
    colleague_csrf = sign_in(client, db, settings, colleague)
    mine = _membership(db, owner, owner.user)
    removed = client.delete(owner.url(f"/members/{mine.id}"), headers=csrf(colleague_csrf))
    assert removed.status_code == 204
    assert client.post(
        "/api/v1/auth/login", json={"email": owner.user.email, "password": PASSWORD}
    ).is_success
    assert client.get(owner.url()).status_code == 404


def test_member_ids_of_another_workspace_are_not_found(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    elsewhere = make_workspace(db)
    stranger = make_member(db, elsewhere, "analyst")
    theirs = db.scalars(select(Membership).where(Membership.user_id == stranger.id)).one()
    response = client.patch(
        owner.url(f"/members/{theirs.id}"), json={"roles": ["owner"]}, headers=owner.headers
    )
    assert response.status_code == 404
    assert (
        client.delete(owner.url(f"/members/{theirs.id}"), headers=owner.headers).status_code == 404
    )
