"""Campaign results from the ad platforms: links, the periodic sync against the sandbox's
ad platform (idempotent, late days read again), and its failure rules."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.campaigns.ad_credentials import AdOpener
from orchestre.campaigns.ad_sync import (
    EVERY,
    LOOKBACK_DAYS,
    AdSyncLoop,
    LinkInput,
    link_campaign,
    list_links,
    start_ad_sync,
    sync_campaign_now,
    sync_due,
    unlink_campaign,
    window,
)
from orchestre.config import Settings
from orchestre.connectors.base import (
    AdResult,
    Capability,
    CredentialError,
    Installation,
    RetryableError,
    ad_reporting,
)
from orchestre.errors import Forbidden, Invalid, NotFound
from orchestre.insights.collection import RETRY_BASE
from orchestre.kit.clock import FrozenClock
from orchestre.models import AuditEntry, Campaign, CampaignResult, ChannelStatus
from orchestre.models.campaigns_ads import CampaignAdLink
from orchestre.workspaces.permissions import Actor, Role
from tests.insights.conftest import World, build_world

AD_ACCOUNT = "act_77"


@pytest.fixture
def world(db: Session, clock: FrozenClock) -> World:
    return build_world(db, clock)


def owner(world: World, role: str = "owner") -> Actor:
    return Actor(world.owner.id, world.workspace.id, frozenset({Role(role)}))


def campaign(world: World, name: str = "Soldes") -> Campaign:
    found = Campaign(workspace_id=world.workspace.id, name=name)
    world.db.add(found)
    world.db.flush()
    return found


def link(world: World, spring: Campaign, external: str) -> CampaignAdLink:
    data = LinkInput(world.channel.id, AD_ACCOUNT, external)
    return link_campaign(world.db, owner(world), spring.id, data, world.opener)


def results(world: World, spring: Campaign) -> list[tuple[Any, ...]]:
    world.db.expire_all()
    rows = world.db.scalars(
        select(CampaignResult)
        .where(CampaignResult.campaign_id == spring.id)
        .order_by(CampaignResult.day)
    )
    return [
        (r.day, r.channel_key, r.source, r.spend, r.revenue, r.conversions, r.clicks,
         r.impressions, r.currency, r.attribution)
        for r in rows
    ]  # fmt: skip


def expected(world: World, externals: list[str]) -> dict[object, tuple[Decimal, int]]:
    """What the sandbox says for these platform campaigns over the sync's window."""
    since, until = window(world.clock.now(), LOOKBACK_DAYS)
    reader = ad_reporting(world.opener.open(world.db, world.channel))
    found: list[AdResult] = reader.read_ad_results(AD_ACCOUNT, since, until, externals)
    by_day: dict[object, tuple[Decimal, int]] = {}
    for r in found:
        spend, clicks = by_day.get(r.day, (Decimal(0), 0))
        by_day[r.day] = (spend + r.spend, clicks + r.clicks)
    return by_day


def test_a_sync_writes_one_row_per_day_summing_the_linked_campaigns(world: World) -> None:
    spring = campaign(world)
    link(world, spring, f"{AD_ACCOUNT}-1")
    link(world, spring, f"{AD_ACCOUNT}-2")
    report = sync_due(world.db, world.opener, clock=world.clock.now, commit=False)
    assert report.synced == 2
    rows = results(world, spring)
    want = expected(world, [f"{AD_ACCOUNT}-1", f"{AD_ACCOUNT}-2"])
    assert report.rows == len(rows) == len(want) > 0
    for day, channel_key, source, spend, revenue, conversions, clicks, _, currency, counted in rows:
        assert (channel_key, source, currency) == (str(world.channel.id), "sandbox", "EUR")
        assert counted == "7d_click,1d_view"
        assert spend == pytest.approx(float(want[day][0]))
        assert clicks == want[day][1]
        assert revenue is not None
        assert conversions is not None
    for found in list_links(world.db, owner(world), spring.id):
        assert found.last_synced_at == world.clock.now()
        assert found.last_error is None
        assert found.next_sync_at > world.clock.now()


def test_syncing_twice_gives_the_same_rows(world: World) -> None:
    spring = campaign(world)
    link(world, spring, f"{AD_ACCOUNT}-1")
    sync_campaign_now(world.db, owner(world), spring.id, world.opener)
    first = results(world, spring)
    again = sync_campaign_now(world.db, owner(world), spring.id, world.opener)
    assert again.synced == 1
    assert again.rows == 0  # every day read again is unchanged
    assert results(world, spring) == first


def test_the_next_round_reads_the_last_days_again_and_adds_the_new_one(world: World) -> None:
    spring = campaign(world)
    linked = link(world, spring, f"{AD_ACCOUNT}-1")
    sync_due(world.db, world.opener, clock=world.clock.now, commit=False)
    before = {r[0] for r in results(world, spring)}
    assert sync_due(world.db, world.opener, clock=world.clock.now, commit=False).synced == 0
    world.move_to(linked.next_sync_at + timedelta(days=1))
    assert sync_due(world.db, world.opener, clock=world.clock.now, commit=False).synced == 1
    after = {r[0] for r in results(world, spring)}
    window_start = window(world.clock.now(), LOOKBACK_DAYS)[0]
    assert before <= after  # days that left the window keep their figures
    assert {d for d in after if d >= window_start} == set(expected(world, [f"{AD_ACCOUNT}-1"]))
    assert max(after) > max(before)
    assert linked.next_sync_at - world.clock.now() <= EVERY


def test_the_window_never_reaches_a_day_some_zone_has_not_begun() -> None:
    at = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)  # 23:00 on the 14th in UTC-10
    assert window(at, 7) == (date(2030, 3, 7), date(2030, 3, 14))
    assert window(at.replace(hour=13), 7) == (date(2030, 3, 8), date(2030, 3, 15))


def test_a_rate_limit_waits_its_retry_after_and_keeps_the_channel(world: World) -> None:
    spring = campaign(world)
    linked = link(world, spring, f"{AD_ACCOUNT}-1")
    world.sandbox.fail_next(RetryableError("slow down", retry_after=7200, network="sandbox"))
    report = sync_due(world.db, world.opener, clock=world.clock.now, commit=False)
    assert report.postponed == 1
    assert linked.failures == 1
    assert linked.next_sync_at == world.clock.now() + max(RETRY_BASE, timedelta(hours=2))
    assert linked.last_error == "slow down"
    assert world.channel.status == ChannelStatus.CONNECTED.value
    assert results(world, spring) == []


def test_a_refused_token_marks_the_channel_and_waits(world: World) -> None:
    spring = campaign(world)
    linked = link(world, spring, f"{AD_ACCOUNT}-1")
    world.sandbox.fail_next(CredentialError("token revoked", network="sandbox"))
    report = sync_due(world.db, world.opener, clock=world.clock.now, commit=False)
    assert report.needs_reconnection == 1
    world.db.refresh(world.channel)
    assert world.channel.status != ChannelStatus.CONNECTED.value
    assert linked.last_error == "token revoked"


def test_campaigns_in_two_currencies_are_not_added_up(world: World) -> None:
    spring = campaign(world)
    linked = link(world, spring, "eur-campaign")
    link(world, spring, "usd-campaign")

    class TwoCurrencies:
        def __init__(self, inner: Installation) -> None:
            self.inner = inner

        def read_ad_results(self, *args: object, **kwargs: object) -> list[AdResult]:
            day = world.clock.now().date()
            return [
                AdResult("eur-campaign", day, Decimal(3), "EUR"),
                AdResult("usd-campaign", day, Decimal(4), "USD"),
            ]

    world.opener.wrap = TwoCurrencies  # type: ignore[assignment]
    report = sync_due(world.db, world.opener, clock=world.clock.now, commit=False)
    assert report.errors
    assert "EUR, USD" in (linked.last_error or "")
    assert results(world, spring) == []


def test_links_are_checked_scoped_and_audited(world: World, db: Session) -> None:
    spring = campaign(world)
    made = link(world, spring, f"{AD_ACCOUNT}-1")
    with pytest.raises(Invalid) as twice:
        link(world, spring, f"{AD_ACCOUNT}-1")
    assert [(e.field, e.rule) for e in twice.value.errors] == [("external_campaign_id", "unique")]
    with pytest.raises(Invalid) as bad:
        link_campaign(
            db, owner(world), spring.id, LinkInput(uuid.uuid4(), "act 1", ""), world.opener
        )
    assert {(e.field, e.rule) for e in bad.value.errors} == {
        ("channel_id", "exists"),
        ("ad_account_id", "pattern"),
        ("external_campaign_id", "pattern"),
    }
    world.opener.capabilities_of["sandbox"] = frozenset(Capability) - {Capability.AD_REPORTING}
    with pytest.raises(Invalid) as unsupported:
        link(world, spring, "other")
    assert [(e.field, e.rule) for e in unsupported.value.errors] == [("channel_id", "ad_reporting")]
    with pytest.raises(Forbidden):
        link_campaign(
            db,
            owner(world, "analyst"),
            spring.id,
            LinkInput(world.channel.id, AD_ACCOUNT, "x"),
            world.opener,
        )
    with pytest.raises(NotFound):
        unlink_campaign(db, owner(world), spring.id, uuid.uuid4())
    unlink_campaign(db, owner(world), spring.id, made.id)
    assert list_links(db, owner(world), spring.id) == []
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"campaign.ad_link.create", "campaign.ad_link.delete"} <= actions


def test_the_loop_syncs_due_links_in_its_own_session(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    spring = campaign(world)
    link(world, spring, f"{AD_ACCOUNT}-1")
    world.db.commit()
    loop = AdSyncLoop(session_factory, world.opener, clock=world.clock.now)
    first = loop.run_once()
    assert (first.synced, first.postponed) == (1, 0)
    assert first.rows == len(results(world, spring)) > 0
    assert loop.run_once().synced == 0  # not due again before its next slot


def test_the_production_loop_opens_channels_with_their_ad_secrets(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    loop = start_ad_sync(settings, session_factory)
    try:
        assert isinstance(loop._opener, AdOpener)
        assert loop.name == "orchestre-ad-sync"
    finally:
        loop.stop()


def test_the_sync_asks_for_ad_reporting_not_for_post_metrics(world: World) -> None:
    spring = campaign(world)
    linked = link(world, spring, f"{AD_ACCOUNT}-1")
    world.opener.capabilities_of["sandbox"] = frozenset(Capability) - {Capability.READ_METRICS}
    assert sync_due(world.db, world.opener, clock=world.clock.now, commit=False).synced == 1
    world.opener.capabilities_of["sandbox"] = frozenset(Capability) - {Capability.AD_REPORTING}
    world.move_to(linked.next_sync_at)
    report = sync_due(world.db, world.opener, clock=world.clock.now, commit=False)
    assert (report.synced, report.skipped) == (0, 1)
    assert linked.last_error == "sandbox does not report ad results."
