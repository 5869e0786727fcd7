"""Connecting with an app password (Bluesky), and picking pages after one authorization."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from orchestre.channels.apps import NetworkAccess, set_app
from orchestre.models import Channel
from tests.channels.conftest import browser_session
from tests.channels.fakes import FakeBluesky, FakeFacebook, Replay, body_of, token
from tests.factories import bearer, make_member, make_token, make_workspace

PASSWORD = "abcd-efgh-ijkl-mnop"


def _session(did: str = "did:plc:lumiere") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "did": did,
            "handle": "lumiere.bsky.social",
            "accessJwt": "jwt-access-5ecret",
            "refreshJwt": "jwt-refresh-5ecret",
            "active": True,
        },
    )


def test_an_app_password_connects_the_account_and_is_never_stored(
    client: TestClient, wired: FastAPI, db: Session, replay: Replay
) -> None:
    ws = make_workspace(db)
    auth = bearer(make_token(db, ws, make_member(db, ws, "owner")))
    replay.on("POST", FakeBluesky.session_url, _session())

    response = client.post(
        f"/api/v1/workspaces/{ws.id}/channels/connect/password",
        json={"network": "bluesky", "identifier": "lumiere.bsky.social", "password": PASSWORD},
        headers=auth,
    )

    assert response.status_code == 201, response.text
    assert response.json()["external_id"] == "did:plc:lumiere"
    assert response.json()["handle"] == "lumiere.bsky.social"
    [login] = replay.sent("POST", FakeBluesky.session_url)
    assert body_of(login) == {"identifier": "lumiere.bsky.social", "password": PASSWORD}
    for table in ("channels", "audit_entries", "connect_attempts"):
        for row in db.execute(text(f"SELECT * FROM {table}")):
            assert PASSWORD not in repr(row)
            assert "jwt-access-5ecret" not in repr(row)


def test_a_refused_app_password_says_so(
    client: TestClient, wired: FastAPI, db: Session, replay: Replay
) -> None:
    ws = make_workspace(db)
    auth = bearer(make_token(db, ws, make_member(db, ws, "owner")))
    replay.on(
        "POST",
        FakeBluesky.session_url,
        httpx.Response(
            401,
            json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
        ),
    )
    response = client.post(
        f"/api/v1/workspaces/{ws.id}/channels/connect/password",
        json={"network": "bluesky", "identifier": "lumiere.bsky.social", "password": "nope"},
        headers=auth,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "login_refused"
    assert list(db.scalars(select(Channel).where(Channel.workspace_id == ws.id))) == []


def test_a_network_down_during_login_is_a_try_again_later(
    client: TestClient, wired: FastAPI, db: Session, replay: Replay
) -> None:
    ws = make_workspace(db)
    auth = bearer(make_token(db, ws, make_member(db, ws, "owner")))

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    replay.on("POST", FakeBluesky.session_url, down)
    response = client.post(
        f"/api/v1/workspaces/{ws.id}/channels/connect/password",
        json={"network": "bluesky", "identifier": "a", "password": "b"},
        headers=auth,
    )
    assert response.status_code == 429
    assert response.headers["retry-after"] == "45"
    assert response.json()["code"] == "network_unavailable"


def test_password_networks_do_not_start_oauth(
    client: TestClient, wired: FastAPI, db: Session
) -> None:
    ws = make_workspace(db)
    auth = bearer(make_token(db, ws, make_member(db, ws, "owner")))
    response = client.post(
        f"/api/v1/workspaces/{ws.id}/channels/connect", json={"network": "bluesky"}, headers=auth
    )
    assert response.status_code == 422
    assert response.json()["code"] == "connect_with_password"


def test_facebook_pages_are_picked_after_the_authorization(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, replay: Replay
) -> None:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    set_app(db, access.box, "facebook", "fb-id", "fb-secret")
    db.flush()
    replay.on("POST", FakeFacebook.oauth2.token_url, token("user-token", None, 0))
    replay.on(
        "GET",
        FakeFacebook.pages,
        httpx.Response(
            200,
            json={
                "data": [
                    {"id": "101", "name": "Maison Lumière", "access_token": "page-token-101"},
                    {"id": "202", "name": "Lumière Outlet", "access_token": "page-token-202"},
                ]
            },
        ),
    )
    csrf = browser_session(client, db, owner)
    started = client.post(
        f"/api/v1/workspaces/{ws.id}/channels/connect",
        json={"network": "facebook"},
        headers={"x-csrf-token": csrf},
    )
    state = parse_qs(urlsplit(started.json()["authorization_url"]).query)["state"][0]

    back = client.get(f"/oauth/callback/facebook?code=c&state={state}", follow_redirects=False)

    assert back.status_code == 303
    facebook = wired.state.connectors.get("facebook")
    assert isinstance(facebook, FakeFacebook)
    assert [a.client_id if a else None for a in facebook.apps_seen] == ["fb-id"]  # long-lived
    attempt_id = back.headers["location"].rsplit("/", 1)[1]
    assert back.headers["location"] == f"/w/{ws.id}/channels/choose/{attempt_id}"
    offered = client.get(f"/api/v1/workspaces/{ws.id}/channels/connect/{attempt_id}")
    assert [c["external_id"] for c in offered.json()["items"]] == ["101", "202"]
    assert "page-token" not in offered.text
    picked = client.post(
        f"/api/v1/workspaces/{ws.id}/channels/connect/{attempt_id}/choose",
        json={"external_ids": ["202"]},
        headers={"x-csrf-token": csrf},
    )
    assert picked.status_code == 200, picked.text
    assert [c["external_id"] for c in picked.json()["items"]] == ["202"]
    [channel] = db.scalars(select(Channel).where(Channel.workspace_id == ws.id))
    assert channel.display_name == "Lumière Outlet"
    again = client.get(f"/api/v1/workspaces/{ws.id}/channels/connect/{attempt_id}")
    assert again.status_code == 404
