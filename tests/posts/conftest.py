"""Fixtures of the posts tests: a workspace with members of each role, two channels, helpers."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import update
from sqlalchemy.orm import Session

from orchestre.models import Channel, PostVariant, User, VariantState, Workspace
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import bearer, make_channel, make_member, make_token, make_workspace


@dataclass
class Team:
    """One workspace with a member per role and their API headers."""

    ws: Workspace
    users: dict[str, User]
    headers: dict[str, dict[str, str]]
    channels: list[Channel]

    def url(self, path: str = "") -> str:
        return f"/api/v1/workspaces/{self.ws.id}{path}"

    def actor(self, role: str = "owner") -> Actor:
        return Actor(self.users[role].id, self.ws.id, frozenset({Role(role)}))


ROLES = (
    "owner",
    "social_media_manager",
    "community_manager",
    "content_creator",
    "reviewer",
    "analyst",
)


def build_team(db: Session, timezone: str = "Europe/Paris") -> Team:
    ws = make_workspace(db, timezone=timezone)
    users = {role: make_member(db, ws, role) for role in ROLES}
    headers = {role: bearer(make_token(db, ws, user)) for role, user in users.items()}
    channels = [make_channel(db, ws, handle="@alpha"), make_channel(db, ws, handle="@beta")]
    return Team(ws, users, headers, channels)


@pytest.fixture
def team(db: Session) -> Team:
    return build_team(db)


@pytest.fixture
def other(db: Session) -> Team:
    """A second workspace: its ids must look like they do not exist from `team`."""
    return build_team(db)


def create_post(client: TestClient, team: Team, role: str = "owner", **body: Any) -> Any:
    payload: dict[str, Any] = {
        "base_text": "Hello #spring",
        "channel_ids": [str(c.id) for c in team.channels],
    }
    payload.update(body)
    response = client.post(team.url("/posts"), json=payload, headers=team.headers[role])
    assert response.status_code == 201, response.text
    return response.json()


def set_states(db: Session, post_id: str | uuid.UUID, state: VariantState) -> None:
    """Arrange a review outcome directly (the approvals flow is tested elsewhere)."""
    db.execute(
        update(PostVariant)
        .where(PostVariant.post_id == uuid.UUID(str(post_id)))
        .values(state=state.value)
    )
    db.flush()
    db.expire_all()


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 30, 60) if mode == "RGB" else 0).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(
    client: TestClient,
    team: Team,
    data: bytes,
    name: str = "photo.png",
    role: str = "owner",
    declared: str = "image/png",
) -> Any:
    return client.post(
        team.url("/media"), files={"file": (name, data, declared)}, headers=team.headers[role]
    )
