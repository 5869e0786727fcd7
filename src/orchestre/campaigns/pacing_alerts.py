"""The periodic pacing check: tells a campaign's managers when its spend is heading for an
over- or under-spend beyond the band, once per campaign and direction per local day.

Every process that runs workers keeps a `PacingWatcher` going; several may run at once: the
unique (campaign, day, direction) mark lets only one of them notify.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.analytics.periods import today_in
from orchestre.analytics.query import workspace_zone
from orchestre.campaigns import repository
from orchestre.campaigns.budgets import pacing_of
from orchestre.channels.repository import members_with_roles
from orchestre.config import Settings
from orchestre.kit.clock import utcnow
from orchestre.kit.db import transaction
from orchestre.kit.loops import PeriodicLoop
from orchestre.models import Campaign
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Permission, roles_with

log = logging.getLogger(__name__)

EVERY_SECONDS = 900.0
KIND = "campaign_pacing"
TOLD_ROLES = roles_with(Permission.CAMPAIGNS_MANAGE)


def check_campaign(session: Session, campaign: Campaign, now: datetime) -> str | None:
    """The direction the managers were told about now, or None."""
    zone = workspace_zone(session, campaign.workspace_id)
    budgets = repository.budgets(session, campaign.workspace_id, [campaign.id])
    pacing = pacing_of(session, campaign, budgets, zone, now)
    if pacing.alert is None:
        return None
    if not repository.mark_alert(session, campaign.id, today_in(zone, now), pacing.alert):
        return None
    people = members_with_roles(session, campaign.workspace_id, TOLD_ROLES)
    notify(
        session,
        campaign.workspace_id,
        people,
        KIND,
        {
            "campaign_id": str(campaign.id),
            "title": campaign.name,
            "direction": pacing.alert,
            "budget": round(pacing.total, 2),
            "projected": round(pacing.projected, 2),
            "currency": campaign.currency,
        },
    )
    return pacing.alert


def check_round(factory: sessionmaker[Session], now: datetime) -> int:
    """One round over every running campaign, one transaction each; how many alerts went."""
    with transaction(factory) as session:
        # A day of margin either side covers every time zone's local "yesterday".
        ids = [
            c.id for c in repository.running_campaigns(session, (now - timedelta(days=2)).date())
        ]
        # Webhook receipts outlive any signature we would still take by far.
        repository.forget_receipts(session, now - timedelta(days=1))
    sent = 0
    for campaign_id in ids:
        try:
            with transaction(factory) as session:
                campaign = session.get(Campaign, campaign_id)
                if campaign is not None and check_campaign(session, campaign, now):
                    sent += 1
        except Exception:
            log.exception("pacing check of campaign %s failed; trying again", campaign_id)
    return sent


class PacingWatcher(PeriodicLoop[int]):
    name = "orchestre-campaign-pacing"

    def __init__(self, factory: sessionmaker[Session], *, every: float = EVERY_SECONDS) -> None:
        super().__init__(every=every)
        self._factory = factory

    def run_once(self) -> int:
        return check_round(self._factory, utcnow())

    def after_round(self, result: int) -> None:
        if result:
            log.info("campaign pacing: %d alert(s) sent", result)


def start_pacing_watch(settings: Settings, factory: sessionmaker[Session]) -> PacingWatcher:
    """The production loop of a process that runs workers, started (stop it on exit)."""
    loop = PacingWatcher(factory)
    loop.start()
    return loop
