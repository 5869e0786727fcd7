"""The hooks into publishing and channels: a failed publication, one needing a person, a
channel to reconnect and a published post each reach the webhooks (and emails) after the
transaction commits, with the right event."""

from __future__ import annotations

import json

import httpx
from sqlalchemy.orm import Session

from orchestre.connectors.base import CredentialError, PermanentError
from orchestre.delivery import dispatch, service
from orchestre.delivery.dispatch import DeliveryContext
from orchestre.kit.clock import FrozenClock
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.models.delivery import WebhookDelivery
from orchestre.worker.queue import pending_jobs
from orchestre.worker.registry import run
from orchestre.workspaces.permissions import Actor, Role
from tests.delivery.conftest import Scripted
from tests.publishing.conftest import World, build_world

ALL = [
    "publication.failed",
    "publication.needs_attention",
    "publication.published",
    "channel.needs_reconnection",
]


def _world(db: Session, clock: FrozenClock) -> tuple[World, SecretBox]:
    world = build_world(db, clock)
    box = SecretBox([new_key()])
    actor = Actor(world.owner.id, world.workspace.id, frozenset({Role.OWNER}))
    service.create_endpoint(db, actor, box, url="https://hooks.example.com/x", events=ALL)
    return world, box


def _fan_out(db: Session) -> None:
    for job in [j for j in pending_jobs(db) if j.name == dispatch.FAN_OUT]:
        run(db, job.name, job.kwargs)


def _events(db: Session) -> list[str]:
    return [d.event for d in db.query(WebhookDelivery).order_by(WebhookDelivery.created_at)]


def test_a_published_post_is_sent_to_the_webhook(db: Session, clock: FrozenClock) -> None:
    world, box = _world(db, clock)
    variant = world.schedule()
    world.later(minutes=6)
    assert world.run_due() == ["published"]
    (delivery,) = db.query(WebhookDelivery).all()
    assert delivery.event == "publication.published"
    data = delivery.payload["data"]
    assert data["variant_id"] == str(variant.id)
    assert data["external_id"] == world.publication(variant).external_id
    assert data["network"] == "sandbox"
    receiver = Scripted([httpx.Response(200)])
    ctx = DeliveryContext(box=box, transport=httpx.MockTransport(receiver), sleep=lambda _: None)
    dispatch.deliver(db, ctx, delivery.id)
    assert json.loads(receiver.requests[0].content)["type"] == "publication.published"


def test_a_refused_post_is_publication_failed(db: Session, clock: FrozenClock) -> None:
    world, _ = _world(db, clock)
    world.schedule()
    world.later(minutes=6)
    world.sandbox.fail_next(PermanentError("Duplicate content.", network="sandbox"))
    assert world.run_due() == ["failed"]
    _fan_out(db)
    assert _events(db) == ["publication.failed"]
    (delivery,) = db.query(WebhookDelivery).all()
    assert delivery.payload["data"]["reason"] == "Duplicate content."


def test_revoked_credentials_need_attention_and_reconnection(
    db: Session, clock: FrozenClock
) -> None:
    world, _ = _world(db, clock)
    world.schedule()
    world.later(minutes=6)
    world.sandbox.fail_next(CredentialError("Token revoked.", definitive=True, network="sandbox"))
    assert world.run_due() == ["needs_attention"]
    _fan_out(db)
    assert sorted(_events(db)) == ["channel.needs_reconnection", "publication.needs_attention"]
