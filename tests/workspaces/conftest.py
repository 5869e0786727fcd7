"""Helpers for the workspaces tests: a signed-in owner in a workspace, CSRF headers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.models import User, Workspace
from tests.factories import make_member, make_workspace, web_login


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


@pytest.fixture
def owner(db: Session, client: TestClient) -> SignedIn:
    """An owner signed in with a cookie session."""
    workspace = make_workspace(db, name="Maison Lune")
    user = make_member(db, workspace, "owner")
    return SignedIn(user, workspace, web_login(client, user))
