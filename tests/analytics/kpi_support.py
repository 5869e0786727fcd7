"""Factories for the KPI tests: published posts with their stats row, campaign results,
follower counts and inbox messages, written straight into the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from orchestre.models import (
    Campaign,
    Channel,
    ContentPillar,
    Conversation,
    InboxMessage,
    Post,
    PostVariant,
    User,
    Workspace,
)
from orchestre.models.analytics import CampaignResult, ChannelMetricSample, PublicationStats
from orchestre.models.publication import Publication
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_channel, make_member, make_workspace


def at(text: str) -> datetime:
    """An aware UTC instant from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Shop:
    db: Session
    workspace: Workspace
    owner: User
    channel: Channel

    def actor(self, role: str = "owner") -> Actor:
        return Actor(self.owner.id, self.workspace.id, frozenset({Role(role)}))

    def post(
        self,
        published_at: datetime,
        *,
        channel: Channel | None = None,
        text: str = "Bonjour",
        format: str = "text",
        campaign: Campaign | None = None,
        pillar: ContentPillar | None = None,
        **metrics: Any,
    ) -> PublicationStats:
        channel = channel or self.channel
        post = Post(
            workspace_id=self.workspace.id,
            created_by=self.owner.id,
            base_text=text,
            campaign_id=campaign.id if campaign else None,
            pillar_id=pillar.id if pillar else None,
        )
        self.db.add(post)
        self.db.flush()
        variant = PostVariant(
            workspace_id=self.workspace.id,
            post_id=post.id,
            channel_id=channel.id,
            text=text,
            state="published",
            published_at=published_at,
        )
        self.db.add(variant)
        self.db.flush()
        publication = Publication(
            workspace_id=self.workspace.id,
            channel_id=channel.id,
            variant_id=variant.id,
            state="published",
            due_at=published_at,
            published_at=published_at,
            client_ref=uuid.uuid4().hex,
        )
        self.db.add(publication)
        self.db.flush()
        stats = PublicationStats(
            publication_id=publication.id,
            workspace_id=self.workspace.id,
            channel_id=channel.id,
            network=channel.network,
            post_id=post.id,
            variant_id=variant.id,
            campaign_id=post.campaign_id,
            pillar_id=post.pillar_id,
            format=format,
            published_at=published_at,
            measured_at=published_at,
            **metrics,
        )
        self.db.add(stats)
        self.db.flush()
        return stats

    def campaign(self, name: str = "Spring") -> Campaign:
        campaign = Campaign(workspace_id=self.workspace.id, name=name)
        self.db.add(campaign)
        self.db.flush()
        return campaign

    def pillar(self, name: str = "Education") -> ContentPillar:
        pillar = ContentPillar(workspace_id=self.workspace.id, name=name)
        self.db.add(pillar)
        self.db.flush()
        return pillar

    def result(
        self,
        campaign: Campaign,
        day: date,
        *,
        channel: Channel | None = None,
        source: str = "csv",
        **figures: float | None,
    ) -> CampaignResult:
        row = CampaignResult(
            workspace_id=self.workspace.id,
            campaign_id=campaign.id,
            channel_id=channel.id if channel else None,
            channel_key=str(channel.id) if channel else "",
            day=day,
            source=source,
            **figures,
        )
        self.db.add(row)
        self.db.flush()
        return row

    def followers(
        self, value: float, measured_at: datetime, channel: Channel | None = None
    ) -> None:
        self.db.add(
            ChannelMetricSample(
                workspace_id=self.workspace.id,
                channel_id=(channel or self.channel).id,
                metric="followers",
                value=value,
                measured_at=measured_at,
            )
        )
        self.db.flush()

    def message(
        self,
        created_at: datetime,
        sentiment: str | None = None,
        channel: Channel | None = None,
        *,
        conversation: Conversation | None = None,
        outbound: bool = False,
    ) -> InboxMessage:
        """An inbound message (classified when `sentiment` is given), or with `outbound`
        our answer, sent, in the same conversation."""
        channel = channel or self.channel
        if conversation is None:
            conversation = Conversation(
                workspace_id=self.workspace.id,
                channel_id=channel.id,
                kind="comment",
                root_external_id=uuid.uuid4().hex,
            )
            self.db.add(conversation)
            self.db.flush()
        message = InboxMessage(
            workspace_id=self.workspace.id,
            channel_id=channel.id,
            conversation_id=conversation.id,
            kind="comment",
            direction="outbound" if outbound else "inbound",
            outbound_state="sent" if outbound else None,
            external_id=uuid.uuid4().hex,
            text="hello",
            created_at=created_at,
            classified=sentiment is not None,
            sentiment=sentiment,
        )
        self.db.add(message)
        self.db.flush()
        return message

    def conversation_of(self, message: InboxMessage) -> Conversation:
        found = self.db.get(Conversation, message.conversation_id)
        assert found is not None
        return found


def make_shop(db: Session, timezone: str = "Europe/Paris") -> Shop:
    workspace = make_workspace(db, timezone=timezone)
    owner = make_member(db, workspace, "owner")
    return Shop(db, workspace, owner, make_channel(db, workspace))
