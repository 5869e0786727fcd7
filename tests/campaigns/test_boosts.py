"""Boosting a published post: on the sandbox's ad platform it is made, audited and linked;
on a network without boosts it is refused with the network named."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
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
    CredentialError,
    PermanentError,
    RetryableError,
)
from orchestre.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from orchestre.kit.clock import FrozenClock
from orchestre.models import AuditEntry, Campaign, CampaignResult, Publication
from orchestre.workspaces.permissions import Actor, Role
from tests.insights.conftest import World, build_world


def wall(text: str) -> datetime:
    """A wall time in the workspace's zone (Europe/Paris), as the form and the API give it."""
    return datetime.fromisoformat(text)


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
        (CredentialError("token revoked", definitive=False, network="sandbox"), Conflict),
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


def test_a_boost_starts_at_a_wall_time_of_the_workspace_and_keeps_its_hour_over_dst(
    world: World, db: Session
) -> None:
    """Paris, 29 March 2030 at 10:00 for 3 days: the clocks move on the 31st, so it ends
    on 1 April at 10:00 summer time, 71 hours later."""
    published = world.publish_now()
    ask = replace(ASK, start=wall("2030-03-29T10:00"))
    made = boost(world, published, ask)
    assert made.ref is not None
    assert made.ref.ends_at == datetime(2030, 4, 1, 8, 0, tzinfo=UTC)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "publication.boost")).one()
    assert entry.after is not None
    assert entry.after["starts_at"] == "2030-03-29T09:00:00+00:00"
    assert entry.after["ends_at"] == "2030-04-01T08:00:00+00:00"
    assert entry.after["days"] == 3


def test_a_boost_runs_until_an_end_and_counts_its_days_begun(world: World) -> None:
    published = world.publish_now()
    ask = replace(ASK, days=None, end=wall("2030-03-20T18:00"))  # now: the 15th, 10:00
    made = boost(world, published, ask)
    assert made.ref is not None
    assert made.ref.ends_at == datetime(2030, 3, 20, 17, 0, tzinfo=UTC)
    aware = replace(ASK, start=datetime(2030, 4, 2, 6, 0, tzinfo=UTC))
    later = boost(world, published, aware)
    assert later.ref is not None
    assert later.ref.ends_at == datetime(2030, 4, 5, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"start": wall("2030-03-14T10:00")}, "start", "future"),
        ({"start": wall("2031-06-01T10:00")}, "start", "range"),
        ({"start": wall("2030-03-31T02:30")}, "start", "nonexistent_local_time"),
        ({"end": wall("2030-03-20T10:00")}, "days", "one_of"),
        ({"days": None}, "days", "one_of"),
        ({"days": None, "end": wall("2030-03-15T20:00")}, "end", "range"),
        ({"days": None, "end": wall("2030-07-01T10:00")}, "end", "range"),
        ({"days": 91}, "days", "range"),
        ({"authorization_code": "x" * 513}, "authorization_code", "length"),
        ({"start": wall("9999-12-31T23:59")}, "start", "range"),
        ({"start": wall("0001-01-01T00:00")}, "start", "range"),
        ({"days": None, "end": datetime(9999, 12, 31, 23, 59, tzinfo=UTC)}, "end", "range"),
        ({"options": {"Objective": "X"}}, "options", "shape"),
        ({"options": {"objective": ""}}, "options", "shape"),
    ],
)
def test_a_schedule_that_cannot_be_kept_is_refused_naming_its_rule(
    world: World, change: dict[str, object], field: str, rule: str
) -> None:
    published = world.publish_now()
    with pytest.raises(Invalid) as refused:
        boost(world, published, replace(ASK, **change))  # type: ignore[arg-type]
    assert (field, rule) in {(e.field, e.rule) for e in refused.value.errors}


def test_an_uncertain_boost_is_recorded_and_not_made_twice_silently(
    world: World, db: Session
) -> None:
    published = world.publish_now()
    world.sandbox.fail_next(AmbiguousError("no answer", network="sandbox"))  # type: ignore[arg-type]
    made = boost(world, published)
    assert made.ref is None
    assert made.unmade is not None
    assert made.unmade.code == "boost_uncertain"
    assert "Look in the ad account" in made.unmade.detail
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "publication.boost_uncertain")
    ).one()
    assert entry.entity_id == str(published.id)
    assert entry.after is not None
    assert entry.after["budget"] == "25.50"
    with pytest.raises(Conflict) as again:
        boost(world, published)
    assert [(e.field, e.rule) for e in again.value.errors] == [("after_uncertain", "confirm")]
    world.later(seconds=1)  # the audit orders by time: each step at its own instant
    looked = boost(world, published, replace(ASK, after_uncertain=True))
    assert looked.ref is not None
    world.later(seconds=1)
    assert boost(world, published).ref is not None  # the last boost is sure again


def test_the_authorization_code_reaches_the_network_but_no_record(
    world: World, db: Session
) -> None:
    published = world.publish_now()
    world.sandbox.fail_next(
        PermanentError(
            "This code is for another post.", network="sandbox", code="authorization_code"
        )  # type: ignore[arg-type]
    )
    with pytest.raises(Invalid) as refused:
        boost(world, published, replace(ASK, authorization_code="#spark-code-secret"))
    assert [(e.field, e.rule) for e in refused.value.errors] == [
        ("authorization_code", "network_refused")
    ]
    boost(world, published, replace(ASK, authorization_code="#spark-code-secret"))
    entries = db.scalars(select(AuditEntry)).all()
    assert entries
    assert all("#spark-code-secret" not in str(e.after) for e in entries)


def test_a_token_refused_for_good_marks_the_channel_and_is_kept(world: World, db: Session) -> None:
    published = world.publish_now()
    world.sandbox.fail_next(
        CredentialError("token revoked", definitive=True, network="sandbox")  # type: ignore[arg-type]
    )
    made = boost(world, published)
    assert made.ref is None
    assert made.unmade is not None
    assert made.unmade.code == "channel_needs_reconnection"
    db.refresh(world.channel)
    assert world.channel.status == "needs_reconnection"
    assert not db.scalars(select(AuditEntry).where(AuditEntry.action == "publication.boost")).all()


def test_an_option_the_platform_does_not_take_is_refused_under_options(world: World) -> None:
    published = world.publish_now()
    with pytest.raises(Invalid) as refused:
        boost(world, published, replace(ASK, options={"objective": "VIDEO_VIEWS"}))
    assert [(e.field, e.rule) for e in refused.value.errors] == [("options", "network_refused")]
    assert "no boost option objective on sandbox" in refused.value.errors[0].message
