"""The stage of the rights-request tests: a workspace whose sandbox channel is polled by the
inbox as in production, replies sent by the inbox's send job to the same in-process sandbox
network, and a creator who speaks on that network. No tests here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.connectors.base import DraftPost, InteractionKind
from orchestre.connectors.sandbox.inbound import say
from orchestre.inbox import tasks
from orchestre.inbox.polling import PollPolicy, poll_due
from orchestre.kit.clock import FrozenClock
from orchestre.models import InboxMessage
from orchestre.models.ugc import RightsRequest, UgcItem
from orchestre.workspaces.permissions import Actor, Role
from tests.inbox.ingest_fakes import KeywordClassifier
from tests.insights.conftest import SandboxGateway, World, build_world

POLICY = PollPolicy(interval=timedelta(seconds=1), lease=timedelta(seconds=120))


@dataclass
class Stage:
    world: World
    actor: Actor
    post_id: str

    @property
    def db(self) -> Session:
        return self.world.db

    def poll(self) -> None:
        """The inbox's poller, one round a second later."""
        self.world.clock.advance(seconds=2)
        poll_due(
            self.db,
            self.world.opener,
            policy=POLICY,
            clock=self.world.clock.now,
            classifier=KeywordClassifier(),
        )

    def comment(self, text: str, author: str = "jane") -> InboxMessage:
        """`author` comments on our post; the inbox takes it in."""
        heard = say(
            self.world.sandbox,
            self.world.channel.external_id,
            text,
            post_id=self.post_id,
            author=author,
            author_name=author.capitalize(),
        )
        self.poll()
        return self.stored(heard.external_id)

    def answer(self, parent_external_id: str, text: str, author: str = "jane") -> InboxMessage:
        """`author` replies on the network to `parent_external_id`; the inbox takes it in."""
        heard = say(
            self.world.sandbox,
            self.world.channel.external_id,
            text,
            kind=InteractionKind.REPLY,
            parent_id=parent_external_id,
            author=author,
        )
        self.poll()
        return self.stored(heard.external_id)

    def stored(self, external_id: str) -> InboxMessage:
        return self.db.scalars(
            select(InboxMessage).where(
                InboxMessage.channel_id == self.world.channel.id,
                InboxMessage.external_id == external_id,
            )
        ).one()

    def send(self, request: RightsRequest) -> InboxMessage:
        """The inbox's send job delivers the request; our message as the network knows it."""
        assert request.reply_message_id is not None
        assert tasks.deliver_reply(self.db, request.reply_message_id) == "sent"
        sent = self.db.get(InboxMessage, request.reply_message_id)
        assert sent is not None
        return sent

    def fresh(self, item: UgcItem) -> UgcItem:
        self.db.refresh(item)
        return item


def staged(db: Session, clock: FrozenClock) -> Iterator[Stage]:
    """The stage (a test module's fixture yields from this)."""
    world = build_world(db, clock)
    actor = Actor(world.owner.id, world.workspace.id, frozenset({Role.OWNER}))
    installation = SandboxGateway(world.sandbox).open(db, world.channel)
    post = installation.publish(DraftPost(text="Our spring collection", client_ref="ugc-post"))
    previous = tasks.configure(SandboxGateway(world.sandbox))
    yield Stage(world, actor, post.external_id)
    tasks.configure(previous)
