"""First run, and a person's workspaces: list, create, read, change settings."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.models import AuditEntry, EditorialLine, Membership
from tests.factories import add_member, bearer, make_token, make_user, make_workspace
from tests.workspaces.conftest import SignedIn, csrf, sign_in

SETUP = {
    "email": "Owner@Example.com",
    "name": "Camille",
    "password": "a long enough password",
    "workspace_name": "Maison Lune",
    "timezone": "Europe/Paris",
    "locale": "fr",
}


def test_first_run_creates_the_owner_and_signs_them_in(client: TestClient, db: Session) -> None:
    assert client.get("/api/v1/setup").json() == {"needs_owner": True}
    response = client.post("/api/v1/setup", json=SETUP)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["email"] == "owner@example.com"
    assert body["user"]["locale"] == "fr"
    assert body["workspace"]["name"] == "Maison Lune"
    assert body["workspace"]["slug"] == "maison-lune"
    assert body["workspace"]["timezone"] == "Europe/Paris"
    assert body["user"]["timezone"] == "Europe/Paris"
    assert "orchestre_session=" in response.headers["set-cookie"]

    mine = client.get("/api/v1/workspaces").json()["items"]
    assert [(w["name"], w["roles"]) for w in mine] == [("Maison Lune", ["owner"])]
    assert "members.manage" in mine[0]["permissions"]
    assert client.get("/api/v1/setup").json() == {"needs_owner": False}


def test_first_run_without_a_zone_leaves_the_owner_without_one(client: TestClient) -> None:
    without = {k: v for k, v in SETUP.items() if k != "timezone"}
    body = client.post("/api/v1/setup", json=without).json()
    assert (body["user"]["timezone"], body["workspace"]["timezone"]) == (None, "UTC")


def test_first_run_is_refused_once_someone_exists(client: TestClient, db: Session) -> None:
    make_user(db)
    response = client.post("/api/v1/setup", json=SETUP)
    assert response.status_code == 409
    assert response.json()["code"] == "already_set_up"


def test_first_run_lists_every_broken_rule_and_writes_nothing(
    client: TestClient, db: Session
) -> None:
    bad = SETUP | {"email": "not-an-email", "password": "short", "timezone": "Paris"}
    response = client.post("/api/v1/setup", json=bad)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"email", "password", "timezone"}
    assert client.get("/api/v1/setup").json() == {"needs_owner": True}


def test_creating_a_workspace_makes_me_its_owner_with_an_empty_editorial_line(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    response = client.post(
        "/api/v1/workspaces",
        json={"name": "Café Bleu", "timezone": "America/Montreal", "locale": "fr"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["name"], body["slug"], body["roles"]) == ("Café Bleu", "cafe-bleu", ["owner"])
    line = db.get(EditorialLine, uuid.UUID(body["id"]))
    assert line is not None
    assert line.banned_words == []
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.workspace_id == line.workspace_id)
    ).all()
    assert sorted(actions) == ["member.added", "workspace.created"]


def test_same_name_twice_for_one_person_is_a_conflict_but_slugs_stay_unique(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    response = client.post(
        "/api/v1/workspaces", json={"name": "  maison LUNE "}, headers=owner.headers
    )
    assert response.status_code == 409
    assert response.json()["code"] == "workspace_name_taken"
    # Somebody else may use the same name; the slug gets a suffix.
    other = make_user(db)
    first = make_workspace(db, name="Studio")
    first.slug = "studio"
    add_member(db, first, other)
    created = client.post("/api/v1/workspaces", json={"name": "Studio"}, headers=owner.headers)
    assert created.status_code == 201
    assert created.json()["slug"] == "studio-2"


def test_workspace_list_is_paginated_by_name(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    for name in ("Alpha", "Beta", "Gamma"):
        add_member(db, make_workspace(db, name=name), owner.user, "analyst")
    first = client.get("/api/v1/workspaces?limit=2").json()
    assert [w["name"] for w in first["items"]] == ["Alpha", "Beta"]
    second = client.get(f"/api/v1/workspaces?limit=2&cursor={first['next_cursor']}").json()
    assert [w["name"] for w in second["items"]] == ["Gamma", "Maison Lune"]
    assert second["next_cursor"] is None
    assert client.get("/api/v1/workspaces?limit=201").status_code == 422
    assert client.get("/api/v1/workspaces?cursor=garbage").status_code == 422


def test_a_token_sees_only_its_workspace_and_cannot_create_one(
    client: TestClient, db: Session
) -> None:
    user = make_user(db)
    mine, other = make_workspace(db, name="One"), make_workspace(db, name="Two")
    add_member(db, mine, user)
    add_member(db, other, user)
    token = make_token(db, mine, user)
    listed = client.get("/api/v1/workspaces", headers=bearer(token)).json()["items"]
    assert [w["name"] for w in listed] == ["One"]
    assert client.get(f"/api/v1/workspaces/{other.id}", headers=bearer(token)).status_code == 404
    refused = client.post("/api/v1/workspaces", json={"name": "Three"}, headers=bearer(token))
    assert refused.status_code == 403


def test_owner_changes_the_workspace_settings_and_it_is_audited(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    response = client.patch(
        owner.url(), json={"name": "Maison Soleil", "timezone": "Asia/Tokyo"}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["timezone"], body["locale"]) == ("Maison Soleil", "Asia/Tokyo", "en")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "workspace.updated")).one()
    assert entry.actor_user_id == owner.user.id
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["name"], entry.after["name"]) == ("Maison Lune", "Maison Soleil")


def test_workspace_settings_refuse_bad_zone_and_language(
    client: TestClient, owner: SignedIn
) -> None:
    response = client.patch(
        owner.url(), json={"timezone": "Europe/Atlantis", "locale": "de"}, headers=owner.headers
    )
    assert response.status_code == 422
    zone = client.patch(owner.url(), json={"timezone": "Nowhere/Else"}, headers=owner.headers)
    assert zone.json()["errors"][0]["field"] == "timezone"
    assert client.patch(owner.url(), json={"name": None}, headers=owner.headers).status_code == 422


def test_only_roles_with_workspace_manage_change_settings(
    client: TestClient, db: Session, settings: Settings
) -> None:
    workspace = make_workspace(db)
    creator = make_user(db)
    add_member(db, workspace, creator, "content_creator")
    token = sign_in(client, db, settings, creator)
    url = f"/api/v1/workspaces/{workspace.id}"
    assert client.get(url).status_code == 200
    response = client.patch(url, json={"name": "Mine now"}, headers=csrf(token))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_workspace_i_do_not_belong_to_is_not_found(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    stranger = make_workspace(db)
    assert client.get(f"/api/v1/workspaces/{stranger.id}").status_code == 404
    membership = db.scalars(
        select(Membership).where(Membership.workspace_id == owner.workspace.id)
    ).one()
    assert membership.roles == ["owner"]


def test_the_owner_switches_link_tracking_on_and_a_null_is_refused(
    client: TestClient, owner: SignedIn
) -> None:
    assert client.get(owner.url(), headers=owner.headers).json()["track_links"] is False
    response = client.patch(owner.url(), json={"track_links": True}, headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json()["track_links"] is True
    refused = client.patch(owner.url(), json={"track_links": None}, headers=owner.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "track_links"
    assert client.get(owner.url(), headers=owner.headers).json()["track_links"] is True
