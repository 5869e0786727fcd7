"""The Channels page: health, the network picker, connecting, reconnecting, disconnecting."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.channels.apps import set_app
from orchestre.config import Settings
from orchestre.kit.keys import secret_box
from orchestre.models import User, Workspace
from tests.channels.fakes import (
    FakeBluesky,
    FakeMastodon,
    FakeOAuth,
    Replay,
    registry,
    token,
)
from tests.factories import add_member, make_channel, make_user
from tests.web.conftest import csrf_of, open_session


@pytest.fixture
def replay() -> Replay:
    return Replay()


@pytest.fixture
def page_app(app: FastAPI, replay: Replay) -> FastAPI:
    app.state.connectors = registry(FakeOAuth(), FakeMastodon(), FakeBluesky())
    app.state.connector_transport = replay.transport()
    app.state.environ = {}
    return app


def test_the_page_shows_each_channel_health_and_how_to_connect_each_network(
    page_app: FastAPI, signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    ok = make_channel(db, workspace, network="x", handle="@fine")
    broken = make_channel(db, workspace, network="mastodon", handle="@broken")
    broken.status, broken.status_reason = "needs_reconnection", "The token was revoked."
    db.flush()

    page = signed_in.get(f"/w/{workspace.id}/channels")

    assert page.status_code == 200, page.text
    assert "@fine" in page.text
    assert "@broken" in page.text
    assert "The token was revoked." in page.text
    assert page.text.count(">Reconnect<") == 1
    assert f"/channels/{ok.id}/disconnect" in page.text
    assert f"/channels/{broken.id}/disconnect" in page.text
    # The picker: X has no app yet, Mastodon asks for the instance, Bluesky an app password.
    assert "orchestre network-app set x" in page.text
    assert "Instance address" in page.text
    assert "App password" in page.text
    assert f'href="/w/{workspace.id}/channels"' in page.text  # the navigation link


def test_the_page_speaks_french(
    page_app: FastAPI, client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    person = make_user(db, name="Élise", email="elise@example.com", locale="fr")
    add_member(db, workspace, person, "owner")
    broken = make_channel(db, workspace, network="x")
    broken.status = "needs_reconnection"
    db.flush()
    open_session(client, db, settings, person)
    page = client.get(f"/w/{workspace.id}/channels", headers={"Accept": "text/html"})
    assert "Connecter un canal" in page.text
    assert "Reconnecter" in page.text
    assert (
        "Mot de passe d&#39;application" in page.text or "Mot de passe d'application" in page.text
    )


def test_a_content_creator_sees_the_channels_but_cannot_connect(
    page_app: FastAPI, client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    creator = make_user(db, name="Cy", email="cy@example.com")
    add_member(db, workspace, creator, "content_creator")
    make_channel(db, workspace, network="x", handle="@seen")
    open_session(client, db, settings, creator)
    page = client.get(f"/w/{workspace.id}/channels", headers={"Accept": "text/html"})
    assert "@seen" in page.text
    assert "Connect a channel" not in page.text
    assert "/disconnect" not in page.text


def test_connecting_goes_to_the_network_and_comes_back_to_the_page(
    page_app: FastAPI,
    signed_in: TestClient,
    db: Session,
    settings: Settings,
    workspace: Workspace,
    replay: Replay,
) -> None:
    set_app(db, secret_box(settings), "x", "client-x", "client-secret-x")
    db.flush()
    replay.on("POST", FakeOAuth.oauth2.token_url, token("at-5ecret"))
    replay.on("GET", FakeOAuth.me, httpx.Response(200, json={"id": "42", "username": "acme"}))
    csrf = csrf_of(signed_in.get(f"/w/{workspace.id}/channels").text)

    sent = signed_in.post(
        f"/w/{workspace.id}/channels/connect",
        data={"csrf_token": csrf, "network": "x"},
        follow_redirects=False,
    )

    assert sent.status_code == 303
    assert sent.headers["location"].startswith(FakeOAuth.oauth2.authorize_url + "?")
    state = parse_qs(urlsplit(sent.headers["location"]).query)["state"][0]
    back = signed_in.get(f"/oauth/callback/x?code=c&state={state}", follow_redirects=False)
    assert back.status_code == 303
    assert back.headers["location"] == f"/w/{workspace.id}/channels?done=channel_connected"
    page = signed_in.get(back.headers["location"])
    assert "Channel connected." in page.text
    assert '<span class="muted small">acme</span>' in page.text  # in the list, connected


def test_a_form_error_comes_back_on_the_page(
    page_app: FastAPI, signed_in: TestClient, workspace: Workspace
) -> None:
    csrf = csrf_of(signed_in.get(f"/w/{workspace.id}/channels").text)
    response = signed_in.post(
        f"/w/{workspace.id}/channels/connect",
        data={"csrf_token": csrf, "network": "mastodon", "base_url": ""},
    )
    assert response.status_code == 422
    assert "Give the address of the server the account lives on" in response.text


def test_disconnecting_from_the_page(
    page_app: FastAPI, signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    channel = make_channel(db, workspace, network="x", handle="@gone")
    csrf = csrf_of(signed_in.get(f"/w/{workspace.id}/channels").text)
    response = signed_in.post(
        f"/w/{workspace.id}/channels/{channel.id}/disconnect", data={"csrf_token": csrf}
    )
    assert response.status_code == 200
    assert "Channel disconnected." in response.text
    db.refresh(channel)
    assert channel.status == "disconnected"


def test_reconnecting_asks_the_right_thing_of_each_network(
    page_app: FastAPI, signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    toot = make_channel(db, workspace, network="mastodon", handle="lumiere@social.example")
    sky = make_channel(db, workspace, network="bluesky", handle="lumiere.bsky.social")
    for channel in (toot, sky):
        channel.status = "disconnected"
    db.flush()
    page = signed_in.get(f"/w/{workspace.id}/channels").text
    # Mastodon: back through the instance the handle names; Bluesky: to its password form.
    assert '<input type="hidden" name="base_url" value="https://social.example">' in page
    assert 'href="#network-bluesky">Reconnect</a>' in page
    assert 'id="network-bluesky"' in page
