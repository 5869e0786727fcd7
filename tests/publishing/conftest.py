"""A workspace with a sandbox channel, posts scheduled on it, and the engine wired to an
in-process sandbox network whose faults the tests script."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.connectors.base import AccountRef, Installation
from orchestre.connectors.sandbox import SandboxConnector
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.kit.clock import FrozenClock
from orchestre.models import Channel, Post, PostVariant, User, VariantState, Workspace
from orchestre.models.publication import Publication
from orchestre.publishing import planning
from orchestre.publishing.claims import Claim, claim_due
from orchestre.publishing.policy import EnginePolicy
from orchestre.publishing.sending import SendContext, send
from tests.factories import make_channel, make_member, make_workspace


class SandboxGateway:
    def __init__(self, network: SandboxNetwork) -> None:
        self.network = network
        self.opened = 0

    def open(self, session: Session, channel: Channel) -> Installation:
        self.opened += 1
        account = AccountRef(channel.network, channel.external_id, channel.handle)
        return SandboxConnector(self.network).open(account)


@dataclass
class World:
    db: Session
    clock: FrozenClock
    workspace: Workspace
    owner: User
    channel: Channel
    sandbox: SandboxNetwork
    gateway: SandboxGateway
    ctx: SendContext
    policy: EnginePolicy

    def schedule(self, text: str = "Bonjour à tous", due: datetime | None = None) -> PostVariant:
        due = due or self.clock.now() + timedelta(minutes=5)
        post = Post(workspace_id=self.workspace.id, created_by=self.owner.id, base_text=text)
        self.db.add(post)
        self.db.flush()
        variant = PostVariant(
            workspace_id=self.workspace.id,
            post_id=post.id,
            channel_id=self.channel.id,
            text=text,
            state=VariantState.SCHEDULED.value,
            scheduled_at=due,
        )
        self.db.add(variant)
        self.db.flush()
        planning.plan(self.db, variant)
        return variant

    def publication(self, variant: PostVariant) -> Publication:
        self.db.expire_all()
        return self.db.scalars(
            select(Publication).where(Publication.variant_id == variant.id)
        ).one()

    def claim(self, worker: str = "w1") -> list[Claim]:
        return claim_due(self.db, now=self.clock.now(), worker=worker, policy=self.policy)

    def run_due(self) -> list[str]:
        """One tick and every send it claimed, as one worker would."""
        return [send(self.db, self.ctx, c.publication_id, c.token) for c in self.claim()]

    def later(self, **delta: float) -> None:
        self.clock.advance(**delta)

    def posts_on_network(self, variant: PostVariant) -> int:
        ref = self.publication(variant).client_ref
        return len(self.sandbox._by_ref.get((self.channel.external_id, ref), ()))


@pytest.fixture
def world(db: Session, clock: FrozenClock) -> World:
    return build_world(db, clock)


def build_world(db: Session, clock: FrozenClock) -> World:
    workspace = make_workspace(db)
    owner = make_member(db, workspace, "owner")
    channel = make_channel(db, workspace)
    sandbox = SandboxNetwork(seed=7, clock=clock, sleep=lambda _s: None)
    sandbox.account(channel.external_id, channel.handle)
    gateway = SandboxGateway(sandbox)
    policy = EnginePolicy()
    ctx = SendContext(gateway=gateway, policy=policy, rng=random.Random(1), clock=clock.now)
    return World(db, clock, workspace, owner, channel, sandbox, gateway, ctx, policy)
