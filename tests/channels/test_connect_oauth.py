"""Connecting an account through OAuth 2: start, the network's callback, and every refusal."""

from __future__ import annotations

from base64 import b64encode
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels import apps, connect, credentials
from orchestre.channels.apps import NetworkAccess, set_app
from orchestre.channels.service import read_credentials
from orchestre.kit.clock import FrozenClock
from orchestre.kit.crypto import SecretBox, new_key, token_hash
from orchestre.models import Channel, ConnectAttempt, NetworkApp, User, Workspace
from tests.channels.conftest import browser_session
from tests.channels.fakes import FakeOAuth, Replay, form_of, oauth_error, token
from tests.factories import (
    add_member,
    bearer,
    make_channel,
    make_member,
    make_token,
    make_user,
    make_workspace,
)

TOKEN_URL = FakeOAuth.oauth2.token_url
ME = FakeOAuth.me
ACCESS = "at-fresh-5ecret"
REDIRECT = "http://127.0.0.1:8000/oauth/callback/x"


def _me(user_id: str = "2244994945", username: str = "maisonlumiere") -> httpx.Response:
    return httpx.Response(200, json={"id": user_id, "username": username, "name": "Lumière"})


def _setup(db: Session, access: NetworkAccess) -> tuple[Workspace, User, dict[str, str]]:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    set_app(db, access.box, "x", "client-x", "client-secret-x")
    db.flush()
    return ws, owner, {}


def _start(client: TestClient, db: Session, ws: Workspace, owner: User, **body: object) -> Any:
    csrf = browser_session(client, db, owner)
    return client.post(
        f"/api/v1/workspaces/{ws.id}/channels/connect",
        json={"network": "x", **body},
        headers={"x-csrf-token": csrf},
    )


def _state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def test_start_gives_the_authorization_address_and_keeps_only_a_hash_of_the_state(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess
) -> None:
    ws, owner, _ = _setup(db, access)
    response = _start(client, db, ws, owner)
    assert response.status_code == 200, response.text
    url = response.json()["authorization_url"]
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == FakeOAuth.oauth2.authorize_url
    assert query["client_id"] == "client-x"
    assert query["redirect_uri"] == REDIRECT
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "tweet.read offline.access"
    [attempt] = db.scalars(select(ConnectAttempt).where(ConnectAttempt.workspace_id == ws.id))
    assert attempt.state_hash == token_hash(query["state"])
    assert attempt.code_verifier_encrypted is not None
    assert attempt.user_id == owner.id


def test_the_callback_trades_the_code_and_connects_the_account(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, replay: Replay
) -> None:
    ws, owner, _ = _setup(db, access)
    replay.on("POST", TOKEN_URL, token(ACCESS, "rt-fresh-5ecret", expires_in=7200))
    replay.on("GET", ME, _me())
    state = _state_of(_start(client, db, ws, owner).json()["authorization_url"])

    page = client.get(f"/oauth/callback/x?code=the-code&state={state}")

    assert page.status_code == 200, page.text
    [exchange] = replay.sent("POST", TOKEN_URL)
    sent = form_of(exchange)
    assert sent["grant_type"] == "authorization_code"
    assert sent["code"] == "the-code"
    assert sent["redirect_uri"] == REDIRECT
    assert len(sent["code_verifier"]) >= 43
    assert (
        exchange.headers["authorization"]
        == "Basic " + b64encode(b"client-x:client-secret-x").decode()
    )
    [profile] = replay.sent("GET", ME)
    assert profile.headers["authorization"] == f"Bearer {ACCESS}"
    [channel] = db.scalars(select(Channel).where(Channel.workspace_id == ws.id))
    assert (channel.network, channel.external_id, channel.handle) == (
        "x",
        "2244994945",
        "maisonlumiere",
    )
    assert channel.status == "connected"
    assert channel.credentials_expire_at is not None
    assert ACCESS.encode() not in (channel.credentials_encrypted or b"")
    stored, _ = credentials.from_stored(read_credentials(db, access.box, channel))
    assert stored.access_token == ACCESS
    assert ACCESS not in page.text


def test_a_state_is_single_use(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, replay: Replay
) -> None:
    ws, owner, _ = _setup(db, access)
    replay.on("POST", TOKEN_URL, token(ACCESS))
    replay.on("GET", ME, _me())
    state = _state_of(_start(client, db, ws, owner).json()["authorization_url"])
    assert client.get(f"/oauth/callback/x?code=c&state={state}").status_code == 200

    again = client.get(f"/oauth/callback/x?code=c&state={state}")

    assert again.status_code == 400
    assert 'data-code="state_used"' in again.text
    assert len(replay.sent("POST", TOKEN_URL)) == 1


def test_an_expired_or_unknown_state_is_refused_before_any_exchange(
    client: TestClient,
    wired: FastAPI,
    db: Session,
    access: NetworkAccess,
    replay: Replay,
    clock: FrozenClock,
) -> None:
    ws, owner, _ = _setup(db, access)
    state = _state_of(_start(client, db, ws, owner).json()["authorization_url"])
    clock.advance(minutes=11)
    expired = client.get(f"/oauth/callback/x?code=c&state={state}")
    unknown = client.get("/oauth/callback/x?code=c&state=forged")
    assert expired.status_code == 400
    assert 'data-code="state_expired"' in expired.text
    assert 'data-code="state_invalid"' in unknown.text
    assert replay.requests == []
    assert list(db.scalars(select(Channel).where(Channel.workspace_id == ws.id))) == []


def test_a_state_started_by_someone_else_is_refused(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, replay: Replay
) -> None:
    ws, owner, _ = _setup(db, access)
    state = _state_of(_start(client, db, ws, owner).json()["authorization_url"])
    other = make_member(db, ws, "owner")
    browser_session(client, db, other)
    response = client.get(f"/oauth/callback/x?code=c&state={state}")
    assert 'data-code="state_invalid"' in response.text
    assert replay.requests == []


def test_access_denied_by_the_person_stores_nothing(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, replay: Replay
) -> None:
    ws, owner, _ = _setup(db, access)
    state = _state_of(_start(client, db, ws, owner).json()["authorization_url"])
    response = client.get(f"/oauth/callback/x?error=access_denied&state={state}")
    assert response.status_code == 400
    assert 'data-code="access_denied"' in response.text
    assert replay.requests == []
    assert list(db.scalars(select(Channel).where(Channel.workspace_id == ws.id))) == []


def test_a_refused_code_says_why_and_stores_nothing(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, replay: Replay
) -> None:
    ws, owner, _ = _setup(db, access)
    replay.on("POST", TOKEN_URL, oauth_error(400, "invalid_grant", "Value passed was invalid"))
    state = _state_of(_start(client, db, ws, owner).json()["authorization_url"])
    response = client.get(f"/oauth/callback/x?code=bad&state={state}")
    assert response.status_code == 400
    assert 'data-code="code_refused"' in response.text
    assert "Value passed was invalid" in response.text
    assert list(db.scalars(select(Channel).where(Channel.workspace_id == ws.id))) == []


def test_without_an_app_the_start_says_what_the_operator_must_do(
    client: TestClient, wired: FastAPI, db: Session
) -> None:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    response = _start(client, db, ws, owner)
    assert response.status_code == 422
    assert response.json()["code"] == "network_app_missing"
    assert "orchestre network-app set x" in response.json()["detail"]


def test_the_environment_is_the_fallback_for_the_app(
    client: TestClient, wired: FastAPI, db: Session
) -> None:
    wired.state.environ = {"ORCHESTRE_X_CLIENT_ID": "env-id", "ORCHESTRE_X_CLIENT_SECRET": "s"}
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    response = _start(client, db, ws, owner)
    assert response.status_code == 200, response.text
    assert "client_id=env-id" in response.json()["authorization_url"]


def test_a_member_who_cannot_manage_channels_cannot_start(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess
) -> None:
    ws, _owner, _ = _setup(db, access)
    creator = make_member(db, ws, "content_creator")
    assert _start(client, db, ws, creator).status_code == 403


def test_an_account_needing_reconnection_is_reconnected(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, replay: Replay
) -> None:
    ws, owner, _ = _setup(db, access)
    channel = make_channel(db, ws, network="x")
    channel.external_id, channel.status = "2244994945", "needs_reconnection"
    channel.status_reason = "revoked"
    db.flush()
    replay.on("POST", TOKEN_URL, token(ACCESS))
    replay.on("GET", ME, _me())
    state = _state_of(_start(client, db, ws, owner).json()["authorization_url"])
    assert client.get(f"/oauth/callback/x?code=c&state={state}").status_code == 200
    db.refresh(channel)
    assert channel.status == "connected"
    assert channel.status_reason is None
    assert channel.credentials_encrypted is not None


def test_mastodon_registers_the_app_on_the_instance_once(
    client: TestClient, wired: FastAPI, db: Session, replay: Replay
) -> None:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    apps_url = "https://mastodon.example/api/v1/apps"
    replay.on(
        "POST",
        apps_url,
        httpx.Response(
            200,
            json={
                "id": "563419",
                "name": "Orchestre",
                "client_id": "m-id",
                "client_secret": "m-secret",
                "redirect_uri": REDIRECT,
            },
        ),
    )
    first = _start(client, db, ws, owner, network="mastodon", base_url="Mastodon.Example/")
    second = _start(client, db, ws, owner, network="mastodon", base_url="https://mastodon.example")

    assert first.status_code == 200, first.text
    assert second.status_code == 200
    [registration] = replay.sent("POST", apps_url)
    assert form_of(registration)["redirect_uris"] == "http://127.0.0.1:8000/oauth/callback/mastodon"
    url = first.json()["authorization_url"]
    assert url.startswith("https://mastodon.example/oauth/authorize?")
    assert "client_id=m-id" in url
    [app] = db.scalars(select(NetworkApp).where(NetworkApp.network == "mastodon"))
    assert (app.base_url, app.source) == ("https://mastodon.example", "registered")
    assert b"m-secret" not in app.client_secret_encrypted


def test_mastodon_needs_the_instance(client: TestClient, wired: FastAPI, db: Session) -> None:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    response = _start(client, db, ws, owner, network="mastodon")
    assert response.status_code == 422
    assert response.json()["code"] == "base_url_required"


def test_attempts_nobody_finished_are_swept_after_a_day(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, clock: FrozenClock
) -> None:
    ws, owner, _ = _setup(db, access)
    _start(client, db, ws, owner)
    clock.advance(hours=25)
    _start(client, db, ws, owner)
    attempts = list(db.scalars(select(ConnectAttempt).where(ConnectAttempt.workspace_id == ws.id)))
    assert len(attempts) == 1
    assert attempts[0].expires_at > clock.now()


def test_the_networks_say_how_they_connect_and_whether_they_can_yet(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess
) -> None:
    ws = make_workspace(db)
    auth = bearer(make_token(db, ws, make_member(db, ws, "content_creator")))

    def offers() -> dict[str, tuple[str, bool]]:
        answer = client.get(f"/api/v1/workspaces/{ws.id}/networks", headers=auth)
        assert answer.status_code == 200, answer.text
        return {o["network"]: (o["method"], o["ready"]) for o in answer.json()["items"]}

    assert offers() == {
        "bluesky": ("password", True),
        "facebook": ("oauth", False),
        "mastodon": ("oauth_server", True),
        "x": ("oauth", False),
    }
    set_app(db, access.box, "x", "client-x", "client-secret-x")
    db.flush()
    assert offers()["x"] == ("oauth", True)


def test_a_refusal_is_explained_in_the_reader_s_language(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, replay: Replay
) -> None:
    ws = make_workspace(db)
    elise = make_user(db, name="Élise", email="elise@example.com", locale="fr")
    add_member(db, ws, elise, "owner")
    set_app(db, access.box, "x", "client-x", "client-secret-x")
    db.flush()
    replay.on("POST", TOKEN_URL, oauth_error(400, "invalid_grant", "Code expired"))
    state = _state_of(_start(client, db, ws, elise).json()["authorization_url"])
    refused = client.get(f"/oauth/callback/x?code=c&state={state}")
    unknown = client.get("/oauth/callback/x?code=c&state=forged")
    assert "X a refusé l&#39;autorisation : Code expired" in refused.text
    assert "Le canal n'a pas été connecté" in refused.text  # template text, not escaped
    assert "Cette demande de connexion est inconnue" in unknown.text


def test_a_connection_under_way_survives_a_key_rotation(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, replay: Replay
) -> None:
    ws, owner, _ = _setup(db, access)
    replay.on("POST", TOKEN_URL, token(ACCESS))
    replay.on("GET", ME, _me())
    state = _state_of(_start(client, db, ws, owner).json()["authorization_url"])
    [attempt] = db.scalars(select(ConnectAttempt).where(ConnectAttempt.workspace_id == ws.id))
    before = attempt.code_verifier_encrypted
    fresh = new_key()
    assert connect.rotate_attempt_secrets(db, SecretBox([fresh, *access.box.keys])) >= 1
    assert attempt.code_verifier_encrypted != before
    # Only the new key remains: the web app reads with it, and the verifier still reads.
    wired.state.settings.encryption_keys = fresh
    apps_box = SecretBox([fresh])
    apps.rotate_app_secrets(db, SecretBox([fresh, *access.box.keys]))
    assert apps_box.decrypt(attempt.code_verifier_encrypted or b"")
    back = client.get(f"/oauth/callback/x?code=c&state={state}")
    assert back.status_code == 200, back.text
    assert form_of(replay.sent("POST", TOKEN_URL)[0])["code_verifier"]


def test_a_verifier_the_keys_cannot_read_is_a_clear_refusal(
    client: TestClient, wired: FastAPI, db: Session, access: NetworkAccess, replay: Replay
) -> None:
    ws, owner, _ = _setup(db, access)
    state = _state_of(_start(client, db, ws, owner).json()["authorization_url"])
    [attempt] = db.scalars(select(ConnectAttempt).where(ConnectAttempt.workspace_id == ws.id))
    attempt.code_verifier_encrypted = SecretBox([new_key()]).encrypt(b"v")
    db.flush()
    back = client.get(f"/oauth/callback/x?code=c&state={state}")
    assert back.status_code == 400
    assert 'data-code="state_invalid"' in back.text
    assert replay.requests == []
