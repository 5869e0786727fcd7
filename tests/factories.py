"""Small factory functions: rows straight into the database, for arranging tests."""

from __future__ import annotations

import itertools
import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.crypto import token_hash
from orchestre.models import ApiToken, Channel, Membership, User, Workspace
from orchestre.workspaces.auth import hash_password

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"
# Hashing with argon2 costs ~50 ms; hash the shared test password once.
_PASSWORD_HASH = hash_password(PASSWORD)


def make_user(
    db: Session, email: str | None = None, name: str | None = None, locale: str | None = None
) -> User:
    n = next(_seq)
    user = User(
        email=email or f"user{n}-{uuid.uuid4().hex[:6]}@example.com",
        name=name or f"User {n}",
        password_hash=_PASSWORD_HASH,
        locale=locale,
    )
    db.add(user)
    db.flush()
    return user


def make_workspace(
    db: Session, name: str | None = None, timezone: str = "Europe/Paris"
) -> Workspace:
    n = next(_seq)
    ws = Workspace(
        name=name or f"Brand {n}", slug=f"brand-{n}-{uuid.uuid4().hex[:6]}", timezone=timezone
    )
    db.add(ws)
    db.flush()
    return ws


def add_member(db: Session, ws: Workspace, user: User, *roles: str) -> Membership:
    membership = Membership(workspace_id=ws.id, user_id=user.id, roles=sorted(roles or ("owner",)))
    db.add(membership)
    db.flush()
    return membership


def make_member(db: Session, ws: Workspace, *roles: str) -> User:
    user = make_user(db)
    add_member(db, ws, user, *roles)
    return user


def make_token(db: Session, ws: Workspace, user: User) -> str:
    raw = f"orc_test_{uuid.uuid4().hex}"
    db.add(
        ApiToken(
            workspace_id=ws.id,
            user_id=user.id,
            name="test",
            token_hash=token_hash(raw),
            prefix=raw[:12],
        )
    )
    db.flush()
    return raw


def make_channel(
    db: Session, ws: Workspace, network: str = "sandbox", handle: str | None = None
) -> Channel:
    n = next(_seq)
    channel = Channel(
        workspace_id=ws.id,
        network=network,
        external_id=f"acct-{n}",
        handle=handle or f"@brand{n}",
        display_name=f"Brand {n}",
    )
    db.add(channel)
    db.flush()
    return channel


def bearer(raw_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw_token}"}


def web_login(client: TestClient, user: User) -> str:
    """Sign in through the login page; returns the CSRF token for later writes."""
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    return csrf
