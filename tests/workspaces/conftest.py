"""Helpers for the workspaces tests: a signed-in owner in a workspace, CSRF headers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.deps import SESSION_COOKIE
from orchestre.models import User, Workspace
from orchestre.workspaces import auth
from tests.factories import make_member, make_workspace


def csrf(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token}


@dataclass
class SignedIn:
    """A person signed in through the API, in a workspace of theirs."""

    user: User
    workspace: Workspace
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return csrf(self.csrf)

    def url(self, tail: str = "") -> str:
        return f"/api/v1/workspaces/{self.workspace.id}{tail}"


def sign_in(client: TestClient, db: Session, settings: Settings, user: User) -> str:
    """A cookie session without the password check (argon2 is slow); returns its CSRF token.

    The login route itself is tested in test_auth_api.py.
    """
    raw, web_session = auth.open_session(db, settings, user)
    client.cookies.set(SESSION_COOKIE, raw)
    return web_session.csrf_token


@pytest.fixture
def owner(db: Session, client: TestClient, settings: Settings) -> SignedIn:
    """An owner signed in with a cookie session."""
    workspace = make_workspace(db, name="Maison Lune")
    user = make_member(db, workspace, "owner")
    return SignedIn(user, workspace, sign_in(client, db, settings, user))
