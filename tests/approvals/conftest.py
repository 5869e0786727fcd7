"""A team around one workspace with two review steps, and posts made straight in the ORM."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models import (
    ApprovalStep,
    Channel,
    Notification,
    Post,
    PostVariant,
    User,
    VariantState,
    Workspace,
)
from orchestre.workspaces.auth import actor_for
from orchestre.workspaces.permissions import Actor
from tests.factories import bearer, make_channel, make_member, make_token, make_workspace


@dataclass
class Person:
    user: User
    token: str

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class Team:
    """Owner; Chloé writes (content creator); Bruno is the brand manager (reviewer);
    Sam is the social media manager; Ana only reads (analyst)."""

    ws: Workspace
    owner: Person
    author: Person
    brand: Person
    smm: Person
    analyst: Person
    channels: list[Channel]

    def url(self, tail: str) -> str:
        return f"/api/v1/workspaces/{self.ws.id}{tail}"

    def actor(self, db: Session, person: Person) -> Actor:
        return actor_for(db, person.id, self.ws.id)


def person(db: Session, ws: Workspace, *roles: str) -> Person:
    user = make_member(db, ws, *roles)
    return Person(user=user, token=make_token(db, ws, user))


def make_post(
    db: Session,
    ws: Workspace,
    author: User,
    channels: list[Channel],
    state: VariantState = VariantState.DRAFT,
    text: str = "Spring collection is here",
) -> Post:
    post = Post(workspace_id=ws.id, created_by=author.id, title=text[:40], base_text=text)
    db.add(post)
    db.flush()
    for position, channel in enumerate(channels):
        db.add(
            PostVariant(
                workspace_id=ws.id,
                post_id=post.id,
                channel_id=channel.id,
                position=position,
                text=text,
                state=state.value,
            )
        )
    db.flush()
    return post


def decide(
    client: TestClient,
    team: Team,
    post: Post,
    by: Person,
    decision: str = "approved",
    comment: str | None = None,
) -> Response:
    """Decide the post's current review step through the API, as `by`."""
    body = {"decision": decision} if comment is None else {"decision": decision, "comment": comment}
    return client.post(team.url(f"/posts/{post.id}/decisions"), headers=by.headers, json=body)


def set_steps(db: Session, ws: Workspace, *steps: tuple[str, str]) -> list[ApprovalStep]:
    rows = [
        ApprovalStep(workspace_id=ws.id, position=i, name=name, role=role)
        for i, (name, role) in enumerate(steps)
    ]
    db.add_all(rows)
    db.flush()
    return rows


def variant_states(db: Session, post_id: uuid.UUID) -> list[str]:
    db.expire_all()
    stmt = select(PostVariant.state).where(PostVariant.post_id == post_id)
    return sorted(db.scalars(stmt))


def notifications(db: Session, user: Person, kind: str | None = None) -> list[Notification]:
    db.expire_all()
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.scalars(stmt))


BRAND_STEP = ("Brand manager", "reviewer")
SMM_STEP = ("Social media manager", "social_media_manager")


@pytest.fixture
def team(db: Session) -> Team:
    ws = make_workspace(db)
    return Team(
        ws=ws,
        owner=person(db, ws, "owner"),
        author=person(db, ws, "content_creator"),
        brand=person(db, ws, "reviewer"),
        smm=person(db, ws, "social_media_manager"),
        analyst=person(db, ws, "analyst"),
        channels=[make_channel(db, ws), make_channel(db, ws, network="mastodon")],
    )


@pytest.fixture
def two_steps(db: Session, team: Team) -> list[ApprovalStep]:
    return set_steps(db, team.ws, BRAND_STEP, SMM_STEP)
