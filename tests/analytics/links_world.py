"""Arranging link-tracking tests: a workspace with a channel, a post and its variant, a
published publication with its stats row, and an app whose routes include the redirector."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.analytics import links_api
from orchestre.models import (
    Campaign,
    Channel,
    Post,
    PostVariant,
    PublicationStats,
    User,
    VariantState,
    Workspace,
)
from orchestre.models.publication import Publication, PublicationState
from tests.factories import make_channel, make_member, make_token, make_workspace

BASE = "https://go.example.com"
BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Instagram 309.0.0.0"
)


def client_with_links(app: FastAPI) -> Iterator[TestClient]:
    """A client of `app`, with the link routes mounted if routes.py does not yet."""
    if "/l/{code}" not in {getattr(route, "path", "") for route in app.routes}:
        app.include_router(links_api.router, prefix="/api/v1")
        app.include_router(links_api.redirect_router)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@dataclass
class Shop:
    db: Session
    workspace: Workspace
    owner: User
    token: str
    channel: Channel
    campaign: Campaign

    def variant(
        self,
        text: str = "Nouveautés : https://shop.example.com/new?ref=home#top",
        link_url: str | None = None,
        *,
        channel: Channel | None = None,
        campaign: bool = True,
    ) -> PostVariant:
        post = Post(
            workspace_id=self.workspace.id,
            created_by=self.owner.id,
            base_text=text,
            campaign_id=self.campaign.id if campaign else None,
        )
        self.db.add(post)
        self.db.flush()
        variant = PostVariant(
            workspace_id=self.workspace.id,
            post_id=post.id,
            channel_id=(channel or self.channel).id,
            text=text,
            link_url=link_url,
            state=VariantState.PUBLISHED.value,
        )
        self.db.add(variant)
        self.db.flush()
        return variant

    def published(self, variant: PostVariant, at: datetime, occurrence: int = 0) -> Publication:
        """A publication of `variant` sent at `at`, with its (empty) stats row."""
        publication = Publication(
            workspace_id=self.workspace.id,
            channel_id=variant.channel_id,
            variant_id=variant.id,
            occurrence=occurrence,
            state=PublicationState.PUBLISHED.value,
            due_at=at,
            published_at=at,
            client_ref=uuid.uuid4().hex,
        )
        self.db.add(publication)
        self.db.flush()
        channel = self.db.get(Channel, variant.channel_id)
        assert channel is not None
        self.db.add(
            PublicationStats(
                publication_id=publication.id,
                workspace_id=self.workspace.id,
                channel_id=variant.channel_id,
                network=channel.network,
                post_id=variant.post_id,
                variant_id=variant.id,
                published_at=at,
            )
        )
        self.db.flush()
        return publication


def make_shop(db: Session, *, timezone: str = "Europe/Paris", role: str = "owner") -> Shop:
    workspace = make_workspace(db, timezone=timezone)
    owner = make_member(db, workspace, role)
    channel = make_channel(db, workspace, network="linkedin")
    campaign = Campaign(
        workspace_id=workspace.id, name="Soldes d'été 2030", utm_campaign="soldes-ete"
    )
    db.add(campaign)
    db.flush()
    return Shop(db, workspace, owner, make_token(db, workspace, owner), channel, campaign)
