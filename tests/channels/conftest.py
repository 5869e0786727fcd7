"""Fixtures of the connect and refresh tests: fake connectors behind a replay transport."""

from __future__ import annotations

from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.channels.apps import NetworkAccess
from orchestre.config import Settings
from orchestre.connectors.registry import Registry
from orchestre.deps import SESSION_COOKIE
from orchestre.kit.keys import secret_box
from orchestre.models import User
from orchestre.workspaces import auth
from tests.channels.fakes import (
    FakeBluesky,
    FakeFacebook,
    FakeMastodon,
    FakeOAuth,
    Replay,
    registry,
)


@pytest.fixture
def replay() -> Replay:
    return Replay()


@pytest.fixture
def fakes() -> Registry:
    return registry(FakeOAuth(), FakeMastodon(), FakeBluesky(), FakeFacebook())


@pytest.fixture
def access(settings: Settings, fakes: Registry, replay: Replay) -> NetworkAccess:
    return NetworkAccess(
        registry=fakes,
        box=secret_box(settings),
        public_url=settings.base_url,
        environ={},
        transport=replay.transport(),
    )


@pytest.fixture
def wired(app: FastAPI, fakes: Registry, replay: Replay) -> FastAPI:
    """The web app with the fake connectors and the replay transport injected."""
    app.state.connectors = fakes
    app.state.connector_transport = replay.transport()
    app.state.environ = {}
    return app


def browser_session(client: TestClient, db: Session, user: User) -> str:
    """Sign `user` in on `client` without the login form (argon2 costs a second a login);
    returns the session's CSRF token."""
    settings: Settings = cast(FastAPI, client.app).state.settings
    raw, web_session = auth.open_session(db, settings, user)
    client.cookies.set(SESSION_COOKIE, raw)
    return web_session.csrf_token
