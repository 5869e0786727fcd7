"""Boosting a published post: on the sandbox's ad platform it is made, audited and linked;
on a network without boosts it is refused with the network named."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.campaigns.ad_sync import list_links, sync_campaign_now
from orchestre.campaigns.boosts import BoostInput, boost_publication
from orchestre.connectors.base import (
    AmbiguousError,
    BudgetKind,
    Capability,
    PermanentError,
    RetryableError,
)
from orchestre.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from orchestre.kit.clock import FrozenClock
from orchestre.models import AuditEntry, Campaign, CampaignResult, Publication
from orchestre.workspaces.permissions import Actor, Role
from tests.insights.conftest import World, build_world

ASK = BoostInput("act_77", Decimal("25.50"), "EUR", 3, countries=("FR",))


@pytest.fixture
def world(db: Session, clock: FrozenClock) -> World:
    return build_world(db, clock)


def actor(world: World, role: str = "owner") -> Actor:
    return Actor(world.owner.id, world.workspace.id, frozenset({Role(role)}))


def boost(world: World, publication: Publication, ask: BoostInput = ASK):  # type: ignore[no-untyped-def]
    return boost_publication(world.db, actor(world), publication.id, ask, world.opener)


def test_a_boost_is_made_paused_and_audited(world: World, db: Session) -> None:
    published = world.publish_now()
    made = boost(world, published)
    assert made.network == "sandbox"
    assert made.ref.external_campaign_id == "act_77-boost-1"
    assert not made.ref.active
    assert made.ref.ends_at == world.clock.now() + timedelta(days=3)
    assert made.link is None
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "publication.boost")).one()
    assert entry.entity_id == str(published.id)
    assert entry.after is not None
    assert entry.after["budget"] == "25.50"
    assert entry.after["external_campaign_id"] == "act_77-boost-1"


def test_a_boost_linked_to_a_campaign_brings_its_results(world: World, db: Session) -> None:
    spring = Campaign(workspace_id=world.workspace.id, name="Soldes")
    db.add(spring)
    db.flush()
    published = world.publish_now()
    ask = BoostInput("act_77", Decimal(40), "EUR", 5, BudgetKind.DAILY, ("FR",), True, spring.id)
    made = boost(world, published, ask)
    assert made.ref.active
    assert made.link is not None
    assert [link.external_campaign_id for link in list_links(db, actor(world), spring.id)] == [
        made.ref.external_campaign_id
    ]
    world.later(days=3)
    assert sync_campaign_now(db, actor(world), spring.id, world.opener).synced == 1
    query = select(CampaignResult.day).where(CampaignResult.campaign_id == spring.id)
    days = set(db.scalars(query))
    start = (world.clock.now() - timedelta(days=3)).date()
    assert days
    assert days <= {start + timedelta(days=n) for n in range(4)}


def test_a_network_without_boosts_is_named_in_the_refusal(world: World) -> None:
    published = world.publish_now()
    world.channel.network = "mastodon"
    world.db.flush()
    world.opener.capabilities_of["mastodon"] = frozenset({Capability.PUBLISH_TEXT})
    with pytest.raises(Invalid) as refused:
        boost(world, published)
    assert refused.value.detail == "Boosting is not available on Mastodon."
    assert [(e.field, e.rule) for e in refused.value.errors] == [("publication", "boost_supported")]
    world.channel.network = "friendica"  # no connector installed for it

    def unknown(network: str) -> frozenset[Capability]:
        raise KeyError(network)

    world.opener.capabilities = unknown  # type: ignore[method-assign]
    with pytest.raises(Invalid, match="not available on friendica"):
        boost(world, published)


def test_bad_input_and_unpublished_posts_are_refused_with_each_rule(world: World) -> None:
    variant = world.schedule(world.clock.now() + timedelta(days=1))
    pending = world.publication(variant)
    bad = BoostInput("act 77", Decimal(0), "eur", 0, countries=("France",))
    with pytest.raises(Invalid) as refused:
        boost(world, pending, bad)
    assert {(e.field, e.rule) for e in refused.value.errors} == {
        ("ad_account_id", "pattern"),
        ("budget", "range"),
        ("currency", "iso4217"),
        ("days", "range"),
        ("countries", "iso3166"),
        ("publication", "published"),
    }
    with pytest.raises(NotFound):
        boost_publication(world.db, actor(world), uuid.uuid4(), ASK, world.opener)
    with pytest.raises(Forbidden):
        boost_publication(world.db, actor(world, "analyst"), pending.id, ASK, world.opener)


@pytest.mark.parametrize(
    ("failure", "domain"),
    [
        (RetryableError("slow down", retry_after=90, network="sandbox"), RateLimited),
        (AmbiguousError("no answer", network="sandbox"), Conflict),
        (PermanentError("Ad account disabled", network="sandbox"), Invalid),
    ],
)
def test_network_failures_are_said_in_the_domains_words(
    world: World, failure: Exception, domain: type[Exception]
) -> None:
    published = world.publish_now()
    world.sandbox.fail_next(failure)  # type: ignore[arg-type]
    with pytest.raises(domain) as caught:
        boost(world, published)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 90
    if isinstance(caught.value, Invalid):
        assert caught.value.errors[0].message == "Ad account disabled"
