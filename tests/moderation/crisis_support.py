"""A workspace whose inbox receives a quiet baseline, then a burst, for the crisis tests."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.models import Channel, User, Workspace
from orchestre.models.inbox import Conversation, InboxMessage, SavedReply
from orchestre.moderation.detect import DetectorConfig
from tests.factories import make_channel, make_member, make_workspace

_seq = itertools.count(1)

# Shorter warm-up than production so a test's baseline is four hours, not twelve.
CONFIG = DetectorConfig(warmup=timedelta(hours=2), share_warmup_messages=20)
BUCKET = CONFIG.bucket
CALM = (
    "merci pour la livraison rapide",
    "love the new colours",
    "when does the shop open tomorrow",
    "great service as always",
)
ANGRY = "refund refused, I want my refund now #BoycottBrand"


@dataclass
class Inbox:
    db: Session
    clock: FrozenClock
    workspace: Workspace
    owner: User
    channel: Channel
    conversation: Conversation

    def receive(
        self,
        text: str,
        at: datetime,
        *,
        sentiment: str | None = "neutral",
        toxicity: str | None = "clean",
        channel: Channel | None = None,
    ) -> InboxMessage:
        n = next(_seq)
        channel = channel or self.channel
        message = InboxMessage(
            workspace_id=self.workspace.id,
            channel_id=channel.id,
            conversation_id=self.conversation.id,
            kind="comment",
            external_id=f"m-{n}-{uuid.uuid4().hex[:6]}",
            text=text,
            created_at=at,
            received_at=at,
            classified=sentiment is not None,
            sentiment=sentiment,
            toxicity=toxicity,
        )
        self.db.add(message)
        return message

    def baseline(self, start: datetime, buckets: int, per_bucket: int = 2) -> None:
        """A steady trickle of calm messages, spread inside each bucket."""
        for b in range(buckets):
            for i in range(per_bucket):
                at = start + b * BUCKET + timedelta(minutes=1 + 3 * i)
                self.receive(CALM[(b + i) % len(CALM)], at)
        self.db.flush()

    def burst(self, start: datetime, count: int = 40) -> list[InboxMessage]:
        step = timedelta(minutes=9) / count  # all inside the bucket that starts at `start`
        rows = [self.receive(ANGRY, start + i * step, sentiment="negative") for i in range(count)]
        self.db.flush()
        return rows

    def saved_reply(self, name: str = "Holding", language: str = "en") -> SavedReply:
        reply = SavedReply(
            workspace_id=self.workspace.id,
            name=name,
            language=language,
            body="We are looking into it and will come back to you shortly.",
        )
        self.db.add(reply)
        self.db.flush()
        return reply


def make_inbox(db: Session, clock: FrozenClock) -> Inbox:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    channel = make_channel(db, ws, handle="@brand_fr")
    conversation = Conversation(
        workspace_id=ws.id, channel_id=channel.id, kind="comment", root_external_id="post-1"
    )
    db.add(conversation)
    db.flush()
    return Inbox(db, clock, ws, owner, channel, conversation)
