"""A workspace in Paris with a sandbox channel, the publishing engine sending to an in-process
sandbox network on the test's FrozenClock, and metrics collection wired to the same network."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.connectors.base import AccountRef, Capability, Installation
from orchestre.connectors.sandbox import SandboxConnector
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.insights.collection import CollectReport, collect_due
from orchestre.kit.clock import FrozenClock
from orchestre.models import Channel, Post, PostVariant, User, VariantState, Workspace
from orchestre.models.insights import MetricCollection, PostMetricSample
from orchestre.models.publication import Publication
from orchestre.publishing import planning
from orchestre.publishing.claims import claim_due
from orchestre.publishing.policy import EnginePolicy
from orchestre.publishing.sending import SendContext, send
from tests.factories import make_channel, make_member, make_workspace


class SandboxGateway:
    """Publishing's way to the sandbox (no stored credentials needed)."""

    def __init__(self, network: SandboxNetwork) -> None:
        self.network = network

    def open(self, session: Session, channel: Channel) -> Installation:
        account = AccountRef(channel.network, channel.external_id, channel.handle)
        return SandboxConnector(self.network).open(account)


@dataclass
class SandboxOpener:
    """Collection's way to the sandbox; `wrap` lets a test replace the installation."""

    network: SandboxNetwork
    capabilities_of: dict[str, frozenset[Capability]] = field(default_factory=dict)
    wrap: Callable[[Installation], Installation] | None = None
    opened: list[str] = field(default_factory=list)  # the accounts opened, in order

    def capabilities(self, network: str) -> frozenset[Capability]:
        return self.capabilities_of.get(network, frozenset(Capability))

    def open(self, session: Session, channel: Channel) -> Installation:
        self.opened.append(channel.external_id)
        installation = SandboxGateway(self.network).open(session, channel)
        return self.wrap(installation) if self.wrap else installation


@dataclass
class World:
    db: Session
    clock: FrozenClock
    workspace: Workspace
    owner: User
    channel: Channel
    sandbox: SandboxNetwork
    opener: SandboxOpener
    ctx: SendContext
    policy: EnginePolicy

    def add_channel(self) -> Channel:
        channel = make_channel(self.db, self.workspace)
        self.sandbox.account(channel.external_id, channel.handle)
        return channel

    def schedule(
        self,
        due: datetime,
        *,
        link: str | None = None,
        channel: Channel | None = None,
        text: str = "Bonjour à tous",
    ) -> PostVariant:
        channel = channel or self.channel
        post = Post(workspace_id=self.workspace.id, created_by=self.owner.id, base_text=text)
        self.db.add(post)
        self.db.flush()
        variant = PostVariant(
            workspace_id=self.workspace.id,
            post_id=post.id,
            channel_id=channel.id,
            text=text,
            link_url=link,
            state=VariantState.SCHEDULED.value,
            scheduled_at=due,
        )
        self.db.add(variant)
        self.db.flush()
        planning.plan(self.db, variant)
        return variant

    def move_to(self, instant: datetime) -> None:
        self.clock.advance(seconds=(instant - self.clock.now()).total_seconds())

    def later(self, **delta: float) -> None:
        self.clock.advance(**delta)

    def publish_due(self) -> list[str]:
        claims = claim_due(self.db, now=self.clock.now(), worker="w1", policy=self.policy)
        return [send(self.db, self.ctx, c.publication_id, c.token) for c in claims]

    def publish_now(
        self, *, link: str | None = None, channel: Channel | None = None
    ) -> Publication:
        variant = self.schedule(self.clock.now(), link=link, channel=channel)
        assert self.publish_due() == ["published"]
        return self.publication(variant)

    def collect(self) -> CollectReport:
        return collect_due(self.db, self.opener, clock=self.clock.now)

    def publication(self, variant: PostVariant) -> Publication:
        return self.db.scalars(
            select(Publication).where(Publication.variant_id == variant.id)
        ).one()

    def collection(self, publication: Publication) -> MetricCollection:
        self.db.expire_all()
        found = self.db.get(MetricCollection, publication.id)
        assert found is not None
        return found

    def samples(self, publication: Publication) -> list[PostMetricSample]:
        return list(
            self.db.scalars(
                select(PostMetricSample)
                .where(PostMetricSample.publication_id == publication.id)
                .order_by(PostMetricSample.measured_at, PostMetricSample.metric)
            )
        )

    def events_until(self, end: datetime) -> None:
        """Run the engine and the collection job at every instant something is due, until
        `end`: posts go out on time and each stage is measured when it falls due."""
        while True:
            pending = self.db.scalar(
                select(Publication.due_at)
                .where(Publication.state == "scheduled")
                .order_by(Publication.due_at)
                .limit(1)
            )
            measure = self.db.scalar(
                select(MetricCollection.next_at)
                .where(MetricCollection.done.is_(False))
                .order_by(MetricCollection.next_at)
                .limit(1)
            )
            upcoming = [t for t in (pending, measure) if t is not None]
            step = min(upcoming) if upcoming else None
            if step is None or step > end:
                break
            if step > self.clock.now():
                self.move_to(step)
            self.publish_due()
            self.collect()
        self.move_to(max(end, self.clock.now()))


def build_world(db: Session, clock: FrozenClock, seed: int = 11) -> World:
    workspace = make_workspace(db, timezone="Europe/Paris")
    owner = make_member(db, workspace, "owner")
    channel = make_channel(db, workspace)
    # A fixed account id: the sandbox's audience depends on it, and the factories number
    # accounts in the order tests run.
    channel.external_id = "acct-insights"
    db.flush()
    sandbox = SandboxNetwork(seed=seed, clock=clock, sleep=lambda _s: None)
    sandbox.account(channel.external_id, channel.handle)
    policy = EnginePolicy()
    ctx = SendContext(
        gateway=SandboxGateway(sandbox), policy=policy, rng=random.Random(1), clock=clock.now
    )
    return World(db, clock, workspace, owner, channel, sandbox, SandboxOpener(sandbox), ctx, policy)


@pytest.fixture
def world(db: Session, clock: FrozenClock) -> World:
    return build_world(db, clock)


HOUR = timedelta(hours=1)
