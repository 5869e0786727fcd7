"""SQL of the campaigns domain (budgets, pacing alerts, webhook secret), scoped to a workspace."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.analytics import repository as analytics
from orchestre.analytics.periods import midnight
from orchestre.analytics.repository import Filters, Span
from orchestre.models import (
    Campaign,
    CampaignBudget,
    CampaignHookReceipt,
    CampaignHookSecret,
    CampaignPacingAlert,
    CampaignResult,
    Channel,
)


def campaigns(session: Session, workspace_id: uuid.UUID) -> list[Campaign]:
    query = select(Campaign).where(Campaign.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(Campaign.created_at.desc(), Campaign.id)))


def campaign_by_name(session: Session, workspace_id: uuid.UUID, name: str) -> Campaign | None:
    query = select(Campaign).where(Campaign.workspace_id == workspace_id, Campaign.name == name)
    return session.scalars(query).first()


def channels(session: Session, workspace_id: uuid.UUID) -> list[Channel]:
    query = select(Channel).where(Channel.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(Channel.display_name, Channel.id)))


def budgets(
    session: Session, workspace_id: uuid.UUID, campaign_ids: Sequence[uuid.UUID]
) -> list[CampaignBudget]:
    query = select(CampaignBudget).where(
        CampaignBudget.workspace_id == workspace_id, CampaignBudget.campaign_id.in_(campaign_ids)
    )
    return list(session.scalars(query.order_by(CampaignBudget.starts_on, CampaignBudget.id)))


def replace_budgets(
    session: Session, campaign_id: uuid.UUID, rows: Sequence[CampaignBudget]
) -> None:
    session.execute(delete(CampaignBudget).where(CampaignBudget.campaign_id == campaign_id))
    session.add_all(rows)
    session.flush()


def _span(first: date, last: date, zone: str) -> Span:
    return Span(midnight(first, zone), midnight(last + timedelta(days=1), zone), first, last, zone)


def spend_by(
    session: Session,
    workspace_id: uuid.UUID,
    campaign_id: uuid.UUID,
    first: date,
    last: date,
    zone: str,
    by: str,
) -> dict[Any, float]:
    """The campaign's spend by local day (`by` "day"), by channel ("channel") or by
    channel and day ("channel_day", keyed (channel id, day)), counted as analytics counts
    it."""
    if last < first:
        return {}
    sums = analytics.campaign_sums(
        session,
        workspace_id,
        _span(first, last, zone),
        Filters(campaign_id=campaign_id),
        group_by="channel" if by.startswith("channel") else None,
        interval="day" if by.endswith("day") else None,
    )
    whole_key = by == "channel_day"
    return {
        (key if whole_key else key[-1]): s.spend.total
        for key, s in sums.items()
        if s.spend.total is not None
    }


def running_campaigns(session: Session, since: date) -> list[Campaign]:
    """Campaigns of every workspace whose plan may still run after `since`."""
    has_flight = exists().where(
        CampaignBudget.campaign_id == Campaign.id, CampaignBudget.ends_on >= since
    )
    own_dates = (
        Campaign.budget.is_not(None) & Campaign.starts_on.is_not(None) & (Campaign.ends_on >= since)
    )
    return list(session.scalars(select(Campaign).where(or_(has_flight, own_dates))))


def mark_alert(session: Session, campaign_id: uuid.UUID, day: date, direction: str) -> bool:
    """True the first time this campaign is marked for this day and direction."""
    try:
        with session.begin_nested():
            session.add(CampaignPacingAlert(campaign_id=campaign_id, day=day, direction=direction))
            session.flush()
    except IntegrityError:
        return False
    return True


def hook_secret(session: Session, workspace_id: uuid.UUID) -> CampaignHookSecret | None:
    query = select(CampaignHookSecret).where(CampaignHookSecret.workspace_id == workspace_id)
    return session.scalars(query).first()


def take_receipt(session: Session, workspace_id: uuid.UUID, digest: str) -> bool:
    """True when this signed body was not taken before (the receipt is stored)."""
    try:
        with session.begin_nested():
            session.add(CampaignHookReceipt(workspace_id=workspace_id, digest=digest))
            session.flush()
    except IntegrityError:
        return False
    return True


def campaign_keys(
    session: Session, workspace_id: uuid.UUID
) -> tuple[dict[str, uuid.UUID], dict[uuid.UUID, str]]:
    """Each campaign by its id (as text) and by its utm_campaign tag; and its currency."""
    query = select(Campaign.id, Campaign.utm_campaign, Campaign.currency).where(
        Campaign.workspace_id == workspace_id
    )
    found: dict[str, uuid.UUID] = {}
    currencies: dict[uuid.UUID, str] = {}
    for campaign_id, tag, currency in session.execute(query):
        found[str(campaign_id)] = campaign_id
        currencies[campaign_id] = currency
        if tag:
            found.setdefault(tag, campaign_id)
    return found, currencies


def forget_receipts(session: Session, before: datetime) -> int:
    """Drop webhook receipts older than any signature still taken."""
    done = session.execute(
        delete(CampaignHookReceipt).where(CampaignHookReceipt.received_at < before)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def sources(
    session: Session, workspace_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[tuple[str, str, date, date]]:
    """(source, attribution window, first day, last day) of the campaign's results."""
    query = (
        select(
            CampaignResult.source,
            CampaignResult.attribution,
            func.min(CampaignResult.day),
            func.max(CampaignResult.day),
        )
        .where(
            CampaignResult.workspace_id == workspace_id,
            CampaignResult.campaign_id == campaign_id,
        )
        .group_by(CampaignResult.source, CampaignResult.attribution)
        .order_by(CampaignResult.source, CampaignResult.attribution)
    )
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(query)]
