"""Campaign results from the ad platforms: links to platform campaigns and their sync.

A link (`CampaignAdLink`) says that a campaign on an ad platform, in an ad account the
connected channel can read, counts towards an Orchestre campaign. Every `EVERY` (6 hours)
each link's channel is asked again for the last `LOOKBACK_DAYS` days (conversions arrive
late, and platforms correct spend for a few days), and the figures are written through
`campaigns.results.record_results` with source = the network's name and the attribution
window the platform counted conversions with: a day read again replaces that day's
figures, never adds to them.

The sync works per (campaign, channel): the platform campaigns linked to one Orchestre
campaign through one channel are summed by day (exactly, as decimals) into one result row
per day, since a result row is keyed by campaign, day, channel and source. Days are the
ad account's, as the platform reports them. Linked platform campaigns reporting in
different currencies on one channel are not added up: the sync says so and writes nothing.

Links are staggered (each has a phase of its own inside the period, from its id) and
failures follow the channel metrics exactly (`insights.collection.reach`): a passing
failure waits, honouring Retry-After, else with a growing delay; a refused credential marks
the channel as needing reconnection and its links wait; a disconnected channel is not
asked. A passing failure never disconnects a channel.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.analytics.channel_metrics import next_slot
from orchestre.audit.service import record
from orchestre.campaigns.ad_credentials import AdOpener
from orchestre.campaigns.results import ResultRow, record_results
from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.connectors.base import AdResult, Capability, Installation, ad_reporting
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.insights.collection import (
    CLAIM_LEASE,
    MAX_FAILURES,
    WAIT_FOR_RECONNECTION,
    Failure,
    Opener,
    reach,
    retry_delay,
)
from orchestre.insights.runtime import MeasuringLoop
from orchestre.kit.clock import utcnow
from orchestre.kit.db import claim_leased
from orchestre.models import Channel
from orchestre.models.campaigns_ads import CampaignAdLink
from orchestre.posts import campaigns as campaigns_service
from orchestre.workspaces.permissions import Actor, Permission

log = logging.getLogger(__name__)

EVERY = timedelta(hours=6)
LOOKBACK_DAYS = 7
LATEST_ZONE_BEHIND = timedelta(hours=12)
BATCH = 100
# How often the loop looks for due links (each link is read every EVERY).
ROUND_SECONDS = 300.0
LINKS_PER_CAMPAIGN_MAX = 200
ATTRIBUTION_MAX = 64  # campaign_results.attribution
_AD_ACCOUNT = re.compile(r"^[A-Za-z0-9_:.-]{1,64}$")
_EXTERNAL = re.compile(r"^[A-Za-z0-9_:.-]{1,128}$")


@dataclass
class SyncReport:
    synced: int = 0  # links read
    rows: int = 0  # result rows written or changed (a day read again unchanged is not)
    postponed: int = 0  # links waiting after a failure
    skipped: int = 0  # disconnected channels
    needs_reconnection: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LinkInput:
    channel_id: uuid.UUID
    ad_account_id: str
    external_campaign_id: str


# Links -----------------------------------------------------------------------------------


def list_links(session: Session, actor: Actor, campaign_id: uuid.UUID) -> list[CampaignAdLink]:
    """The campaign's links, oldest first (anyone who may see the campaign)."""
    campaign = campaigns_service.get_campaign(session, actor, campaign_id)
    return _links_of(session, campaign.workspace_id, campaign.id)


def _links_of(
    session: Session, workspace_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[CampaignAdLink]:
    query = (
        select(CampaignAdLink)
        .where(
            CampaignAdLink.workspace_id == workspace_id,
            CampaignAdLink.campaign_id == campaign_id,
        )
        .order_by(CampaignAdLink.created_at, CampaignAdLink.id)
    )
    return list(session.scalars(query))


def capabilities_of(opener: Opener, network: str) -> frozenset[Capability]:
    """What the network's connector declares; nothing when it is not installed here."""
    try:
        return opener.capabilities(network)
    except Exception:  # an unknown or broken connector: it reads no ad results
        return frozenset()


def link_campaign(
    session: Session,
    actor: Actor,
    campaign_id: uuid.UUID,
    data: LinkInput,
    opener: Opener,
) -> CampaignAdLink:
    """Count a platform campaign towards this campaign (campaigns.manage); it is read at once
    by the next sync round."""
    actor.require(Permission.CAMPAIGNS_MANAGE)
    campaign = campaigns_service.get_campaign(session, actor, campaign_id)
    channel = session.get(Channel, data.channel_id)
    errors = []
    if channel is None or channel.workspace_id != actor.workspace_id:
        errors.append(FieldError("channel_id", "exists", "No such channel here."))
    elif Capability.AD_REPORTING not in capabilities_of(opener, channel.network):
        errors.append(
            FieldError(
                "channel_id",
                "ad_reporting",
                f"Ad results are not available on {channel.network}.",
                actual=channel.network,
            )
        )
    ad_account = data.ad_account_id.strip()
    external = data.external_campaign_id.strip()
    if not _AD_ACCOUNT.match(ad_account):
        errors.append(
            FieldError(
                "ad_account_id",
                "pattern",
                "An ad account id is 1 to 64 letters, digits, '_', ':', '.' or '-'.",
            )
        )
    if not _EXTERNAL.match(external):
        errors.append(
            FieldError(
                "external_campaign_id",
                "pattern",
                "A platform campaign id is 1 to 128 letters, digits, '_', ':', '.' or '-'.",
            )
        )
    if errors:
        raise Invalid("This link cannot be made.", errors=errors)
    assert channel is not None
    taken = session.scalar(
        select(CampaignAdLink).where(
            CampaignAdLink.channel_id == channel.id,
            CampaignAdLink.ad_account_id == ad_account,
            CampaignAdLink.external_campaign_id == external,
        )
    )
    if taken is not None:
        raise Invalid(
            "This platform campaign is already linked.",
            errors=[
                FieldError(
                    "external_campaign_id",
                    "unique",
                    "A platform campaign counts towards one campaign only.",
                )
            ],
        )
    if len(_links_of(session, actor.workspace_id, campaign.id)) >= LINKS_PER_CAMPAIGN_MAX:
        raise Invalid(
            "Too many links.",
            errors=[
                FieldError(
                    "campaign",
                    "max_links",
                    "A campaign has at most 200 platform campaigns.",
                    limit=LINKS_PER_CAMPAIGN_MAX,
                )
            ],
        )
    link = CampaignAdLink(
        workspace_id=actor.workspace_id,
        campaign_id=campaign.id,
        channel_id=channel.id,
        network=channel.network,
        ad_account_id=ad_account,
        external_campaign_id=external,
        next_sync_at=utcnow(),
    )
    session.add(link)
    session.flush()
    record(
        session, actor, "campaign.ad_link.create", "campaign_ad_link", link.id, after=_audit(link)
    )
    return link


def unlink_campaign(
    session: Session, actor: Actor, campaign_id: uuid.UUID, link_id: uuid.UUID
) -> None:
    """Stop reading a platform campaign (campaigns.manage); results already recorded stay."""
    actor.require(Permission.CAMPAIGNS_MANAGE)
    link = _link(session, actor, campaign_id, link_id)
    record(
        session, actor, "campaign.ad_link.delete", "campaign_ad_link", link.id, before=_audit(link)
    )
    session.delete(link)
    session.flush()


def _link(
    session: Session, actor: Actor, campaign_id: uuid.UUID, link_id: uuid.UUID
) -> CampaignAdLink:
    link = session.get(CampaignAdLink, link_id)
    if link is None or link.workspace_id != actor.workspace_id or link.campaign_id != campaign_id:
        raise NotFound("No such link.")
    return link


def _audit(link: CampaignAdLink) -> dict[str, object]:
    return {
        "campaign_id": str(link.campaign_id),
        "channel_id": str(link.channel_id),
        "network": link.network,
        "ad_account_id": link.ad_account_id,
        "external_campaign_id": link.external_campaign_id,
    }


# Sync --------------------------------------------------------------------------------------


def sync_campaign_now(
    session: Session,
    actor: Actor,
    campaign_id: uuid.UUID,
    opener: Opener,
    *,
    lookback: int = LOOKBACK_DAYS,
) -> SyncReport:
    """Read the campaign's links now (campaigns.manage), whatever their schedule."""
    actor.require(Permission.CAMPAIGNS_MANAGE)
    campaign = campaigns_service.get_campaign(session, actor, campaign_id)
    report = SyncReport()
    now = utcnow()
    for group in _groups(_links_of(session, campaign.workspace_id, campaign.id)):
        _sync_group(session, opener, group, now, EVERY, lookback, report, commit=False)
    session.flush()
    return report


def claim_due(
    session: Session, now: datetime, limit: int, *, commit: bool = True
) -> list[CampaignAdLink]:
    """The links due now, claimed for `CLAIM_LEASE` so two workers never read the same."""
    stmt = (
        select(CampaignAdLink)
        .where(CampaignAdLink.next_sync_at <= now)
        .order_by(CampaignAdLink.next_sync_at, CampaignAdLink.id)
        .limit(limit)
    )
    return claim_leased(session, stmt, "next_sync_at", now + CLAIM_LEASE, commit=commit)


def sync_due(
    session: Session,
    opener: Opener,
    *,
    clock: Callable[[], datetime] = utcnow,
    every: timedelta = EVERY,
    lookback: int = LOOKBACK_DAYS,
    batch: int = BATCH,
    commit: bool = True,
) -> SyncReport:
    """Read the links that are due, one (campaign, channel) group per transaction
    (`commit=False`: all in the caller's transaction)."""
    report = SyncReport()
    now = clock()
    for group in _groups(claim_due(session, now, batch, commit=commit)):
        if not commit:
            _sync_group(session, opener, group, now, every, lookback, report, commit=False)
            continue
        try:
            _sync_group(session, opener, group, now, every, lookback, report)
            session.commit()
        except Exception:  # a bug or the database: these links wait out their claim
            session.rollback()
            log.exception("ad results of campaign %s could not be synced", group[0].campaign_id)
    session.flush()
    return report


def window(now: datetime, lookback: int) -> tuple[date, date]:
    """The days read: the last `lookback` days up to the latest day that has begun in every
    time zone (ad accounts in UTC-12 are still on yesterday when UTC's day starts), so no
    platform is asked about a day it has not reached. Today, where it has begun, is read
    by the next rounds."""
    until = (now - LATEST_ZONE_BEHIND).date()
    return until - timedelta(days=lookback), until


def _groups(links: Sequence[CampaignAdLink]) -> list[list[CampaignAdLink]]:
    groups: dict[tuple[uuid.UUID, uuid.UUID], list[CampaignAdLink]] = defaultdict(list)
    for link in links:
        groups[(link.campaign_id, link.channel_id)].append(link)
    return list(groups.values())


def _sync_group(
    session: Session,
    opener: Opener,
    claimed: list[CampaignAdLink],
    now: datetime,
    every: timedelta,
    lookback: int,
    report: SyncReport,
    *,
    commit: bool = True,
) -> None:
    first = claimed[0]
    # Every link of this campaign and channel, due or not: their days are summed together.
    links = [
        link
        for link in _links_of(session, first.workspace_id, first.campaign_id)
        if link.channel_id == first.channel_id
    ]
    since, until = window(now, lookback)

    def read(installation: Installation) -> list[AdResult]:
        reader = ad_reporting(installation, network=first.network)
        wanted: dict[str, list[str]] = defaultdict(list)
        for link in links:
            wanted[link.ad_account_id].append(link.external_campaign_id)
        results: list[AdResult] = []
        for account, campaigns in wanted.items():
            found = reader.read_ad_results(account, since, until, campaigns)
            results.extend(r for r in found if r.external_campaign_id in set(campaigns))
        return results

    # The platform is asked outside any transaction (see `reach`) unless `commit` is off.
    outcome = reach(
        session, _Reporting(opener), first.channel_id, "ad results", read, commit=commit
    )
    if isinstance(outcome, Failure):
        for link in links:
            _failed(link, outcome, now, every, report)
        return
    _, results = outcome
    rows, problem = _rows(first.campaign_id, first.channel_id, results)
    if problem:
        report.errors.append(problem)
        for link in links:
            link.last_error = problem
            link.next_sync_at = next_slot(link.id, now, every)
        return
    summary = record_results(session, first.workspace_id, rows, source=first.network)
    report.rows += summary.inserted + summary.updated
    for link in links:
        report.synced += 1
        link.failures = 0
        link.last_error = None
        link.last_synced_at = now
        link.next_sync_at = next_slot(link.id, now, every)


class _Reporting:
    """`opener` as `reach` sees it: `reach` asks for READ_METRICS, the ad sync for
    AD_REPORTING, so the one stands for the other here."""

    def __init__(self, opener: Opener) -> None:
        self._opener = opener

    def capabilities(self, network: str) -> frozenset[Capability]:
        found = self._opener.capabilities(network)
        if Capability.AD_REPORTING in found:
            return found | {Capability.READ_METRICS}
        return found - {Capability.READ_METRICS}

    def open(self, session: Session, channel: Channel) -> Installation:
        return self._opener.open(session, channel)


def _rows(
    campaign_id: uuid.UUID, channel_id: uuid.UUID, results: Sequence[AdResult]
) -> tuple[list[ResultRow], str | None]:
    """One row per day, the linked platform campaigns summed exactly; or why not."""
    currencies = sorted({r.currency for r in results})
    if len(currencies) > 1:
        return [], (
            "The linked platform campaigns report in different currencies "
            f"({', '.join(currencies)}); link campaigns of one currency per channel."
        )
    by_day: dict[date, list[AdResult]] = defaultdict(list)
    for result in results:
        by_day[result.day].append(result)
    rows = []
    for day in sorted(by_day):
        found = by_day[day]
        revenues = [r.revenue for r in found if r.revenue is not None]
        rows.append(
            ResultRow(
                campaign_id=campaign_id,
                day=day,
                channel_id=channel_id,
                spend=float(sum((r.spend for r in found), Decimal(0))),
                revenue=float(sum(revenues, Decimal(0))) if revenues else None,
                conversions=float(sum((r.conversions for r in found), Decimal(0))),
                clicks=float(sum(r.clicks for r in found)),
                impressions=float(sum(r.impressions for r in found)),
                currency=found[0].currency,
                attribution="; ".join(sorted({r.attribution for r in found if r.attribution}))[
                    :ATTRIBUTION_MAX
                ],
            )
        )
    return rows, None


def _failed(
    link: CampaignAdLink, failure: Failure, now: datetime, every: timedelta, report: SyncReport
) -> None:
    link.last_error = failure.reason[:2000]
    report.needs_reconnection += int(failure.reconnect)
    if failure.action == "end":  # disconnected: look again next period
        report.skipped += 1
        link.failures = 0
        link.next_sync_at = next_slot(link.id, now, every)
        return
    report.postponed += 1
    if failure.action == "wait":
        link.next_sync_at = now + WAIT_FOR_RECONNECTION
        return
    link.failures += 1
    if link.failures >= MAX_FAILURES:  # give this period up; the next one tries afresh
        link.failures = 0
        link.next_sync_at = next_slot(link.id, now, every)
        return
    link.next_sync_at = now + retry_delay(link.failures, failure.retry_after)


# The loop ------------------------------------------------------------------------------------


class AdSyncLoop(MeasuringLoop[SyncReport]):
    name = "orchestre-ad-sync"
    round = timedelta(seconds=ROUND_SECONDS)

    def measure(self, session: Session) -> SyncReport:
        return sync_due(session, self._opener, clock=self._clock)

    def after_round(self, result: SyncReport) -> None:
        if result.synced or result.postponed:
            log.info(
                "ad results: %d links synced (%d rows), %d postponed",
                result.synced,
                result.rows,
                result.postponed,
            )


def start_ad_sync(settings: Settings, factory: sessionmaker[Session]) -> AdSyncLoop:
    """The production loop of a process that runs workers, started (stop it on exit)."""
    loop = AdSyncLoop(factory, AdOpener(access_for(settings)))
    loop.start()
    return loop
