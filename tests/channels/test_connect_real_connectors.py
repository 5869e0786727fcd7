"""The connect flow with the shipped Mastodon and Bluesky connectors (not fakes), their
network replayed from the payloads of their own contract tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels import credentials
from orchestre.channels.service import read_credentials
from orchestre.connectors.bluesky import BlueskyConnector
from orchestre.connectors.mastodon import MastodonConnector
from orchestre.kit.keys import secret_box
from orchestre.models import Channel, NetworkApp
from tests.channels.conftest import browser_session
from tests.channels.fakes import registry
from tests.factories import bearer, make_member, make_token, make_workspace

PAYLOADS = Path(__file__).resolve().parents[1] / "connectors"


def _payload(network: str, name: str) -> Any:
    return json.loads((PAYLOADS / network / "payloads" / f"{name}.json").read_text())


class ByPath:
    """Answers by method and path, whatever the host; keeps the requests."""

    def __init__(self, routes: dict[tuple[str, str], httpx.Response]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.routes.get((request.method, request.url.path))
        return answer if answer is not None else httpx.Response(404, json={"error": "NotFound"})


def _wire(app: FastAPI, network: ByPath) -> None:
    app.state.connectors = registry(MastodonConnector(), BlueskyConnector())
    app.state.connector_transport = httpx.MockTransport(network)
    app.state.environ = {}


def test_mastodon_registers_on_the_instance_then_connects_through_oauth(
    client: TestClient, app: FastAPI, db: Session
) -> None:
    token = _payload("mastodon", "token")
    network = ByPath(
        {
            ("POST", "/api/v1/apps"): httpx.Response(200, json=_payload("mastodon", "app")),
            ("POST", "/oauth/token"): httpx.Response(200, json=token),
            ("GET", "/api/v1/accounts/verify_credentials"): httpx.Response(
                200, json=_payload("mastodon", "account")
            ),
        }
    )
    _wire(app, network)
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    csrf = browser_session(client, db, owner)

    started = client.post(
        f"/api/v1/workspaces/{ws.id}/channels/connect",
        json={"network": "mastodon", "base_url": "social.example"},
        headers={"x-csrf-token": csrf},
    )
    assert started.status_code == 200, started.text
    url = started.json()["authorization_url"]
    assert url.startswith("https://social.example/oauth/authorize?")
    state = parse_qs(urlsplit(url).query)["state"][0]
    back = client.get(f"/oauth/callback/mastodon?code=granted&state={state}")

    assert back.status_code == 200, back.text
    paths = [(r.method, r.url.host, r.url.path) for r in network.requests]
    assert paths == [
        ("POST", "social.example", "/api/v1/apps"),
        ("POST", "social.example", "/oauth/token"),
        ("GET", "social.example", "/api/v1/accounts/verify_credentials"),
    ]
    [channel] = db.scalars(select(Channel).where(Channel.workspace_id == ws.id))
    assert channel.external_id == "109348"
    assert channel.handle == "lumiere@social.example"
    stored, base_url = credentials.from_stored(
        read_credentials(db, secret_box(app.state.settings), channel)
    )
    assert stored.access_token == token["access_token"]
    assert base_url == "https://social.example"
    [registered] = db.scalars(select(NetworkApp).where(NetworkApp.network == "mastodon"))
    assert registered.source == "registered"


def test_bluesky_connects_with_an_app_password(
    client: TestClient, app: FastAPI, db: Session
) -> None:
    session = _payload("bluesky", "create_session")
    network = ByPath(
        {
            ("POST", "/xrpc/com.atproto.server.createSession"): httpx.Response(200, json=session),
            ("GET", "/xrpc/app.bsky.actor.getProfile"): httpx.Response(
                200, json=_payload("bluesky", "get_profile")
            ),
        }
    )
    _wire(app, network)
    ws = make_workspace(db)
    auth = bearer(make_token(db, ws, make_member(db, ws, "owner")))

    response = client.post(
        f"/api/v1/workspaces/{ws.id}/channels/connect/password",
        json={"network": "bluesky", "identifier": session["handle"], "password": "app-pass-word"},
        headers=auth,
    )

    assert response.status_code == 201, response.text
    assert response.json()["external_id"] == session["did"]
    login = network.requests[0]
    assert json.loads(login.content) == {
        "identifier": session["handle"],
        "password": "app-pass-word",
    }
