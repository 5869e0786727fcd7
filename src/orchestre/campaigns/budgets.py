"""Use cases of a campaign's plan: objective, budgets by channel and flight, and pacing."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from orchestre.analytics.periods import today_in
from orchestre.analytics.query import workspace_zone
from orchestre.audit.service import record
from orchestre.campaigns import repository
from orchestre.campaigns.pacing import Flight, Pacing, pace, plan
from orchestre.errors import FieldError, Invalid
from orchestre.kit.clock import utcnow
from orchestre.models import Campaign, CampaignBudget, CampaignObjective
from orchestre.posts import campaigns as campaigns_service
from orchestre.workspaces.permissions import Actor, Permission

AMOUNT_MAX = 10_000_000_000
FLIGHT_DAYS_MAX = 3660
BUDGETS_MAX = 100


@dataclass(frozen=True)
class BudgetInput:
    amount: float
    starts_on: date
    ends_on: date
    channel_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Plan:
    campaign: Campaign
    budgets: list[CampaignBudget]


def _campaign(session: Session, actor: Actor, campaign_id: uuid.UUID) -> Campaign:
    return campaigns_service.get_campaign(session, actor, campaign_id)


def get_plan(session: Session, actor: Actor, campaign_id: uuid.UUID) -> Plan:
    found = _campaign(session, actor, campaign_id)
    return Plan(found, repository.budgets(session, actor.workspace_id, [found.id]))


def _budget_errors(i: int, budget: BudgetInput, channels: set[uuid.UUID]) -> list[FieldError]:
    where = f"budgets[{i}]"
    errors = []
    if not math.isfinite(budget.amount) or not 0 <= budget.amount <= AMOUNT_MAX:
        errors.append(
            FieldError(
                f"{where}.amount",
                "range",
                "A budget is an amount from 0 to 10 billion.",
                limit=AMOUNT_MAX,
                actual=budget.amount,
            )
        )
    days = (budget.ends_on - budget.starts_on).days + 1
    if days < 1:
        errors.append(
            FieldError(
                f"{where}.ends_on",
                "after_starts_on",
                "A flight ends on or after the day it starts.",
                limit=budget.starts_on.isoformat(),
                actual=budget.ends_on.isoformat(),
            )
        )
    elif days > FLIGHT_DAYS_MAX:
        errors.append(
            FieldError(
                f"{where}.ends_on",
                "max_days",
                "A flight lasts at most 3660 days.",
                limit=FLIGHT_DAYS_MAX,
                actual=days,
            )
        )
    if budget.channel_id is not None and budget.channel_id not in channels:
        errors.append(FieldError(f"{where}.channel_id", "exists", "No such channel here."))
    return errors


def set_plan(
    session: Session,
    actor: Actor,
    campaign_id: uuid.UUID,
    objective: str | None,
    budgets: Sequence[BudgetInput],
) -> Plan:
    """Set the objective and replace the budgets (flights) of a campaign."""
    actor.require(Permission.CAMPAIGNS_MANAGE)
    found = _campaign(session, actor, campaign_id)
    channels = {c.id for c in repository.channels(session, actor.workspace_id)}
    errors = [e for i, b in enumerate(budgets) for e in _budget_errors(i, b, channels)]
    if objective is not None and objective not in set(CampaignObjective):
        errors.append(
            FieldError(
                "objective",
                "enum",
                "The objective is one of awareness, traffic, engagement, leads, sales.",
                limit=[o.value for o in CampaignObjective],
                actual=objective,
            )
        )
    if len(budgets) > BUDGETS_MAX:
        errors.append(FieldError("budgets", "max_items", "At most 100 budgets.", limit=BUDGETS_MAX))
    if errors:
        raise Invalid("The campaign's plan is refused.", code="campaign_plan", errors=errors)
    before = _snapshot(Plan(found, repository.budgets(session, actor.workspace_id, [found.id])))
    found.objective = objective
    rows = [
        CampaignBudget(
            workspace_id=actor.workspace_id,
            campaign_id=found.id,
            channel_id=b.channel_id,
            amount=round(b.amount, 2),
            starts_on=b.starts_on,
            ends_on=b.ends_on,
        )
        for b in budgets
    ]
    repository.replace_budgets(session, found.id, rows)
    result = Plan(found, rows)
    record(
        session,
        actor,
        "campaign.plan",
        "campaign",
        found.id,
        before=before,
        after=_snapshot(result),
    )
    return result


def _snapshot(p: Plan) -> dict[str, object]:
    return {
        "objective": p.campaign.objective,
        "budgets": [
            {
                "channel_id": str(b.channel_id) if b.channel_id else None,
                "amount": b.amount,
                "starts_on": b.starts_on.isoformat(),
                "ends_on": b.ends_on.isoformat(),
            }
            for b in p.budgets
        ],
    }


def flights_of(campaign: Campaign, budgets: Sequence[CampaignBudget]) -> list[Flight]:
    mine = [b for b in budgets if b.campaign_id == campaign.id]
    return plan(
        (Flight(b.starts_on, b.ends_on, b.amount) for b in mine if b.channel_id is None),
        (Flight(b.starts_on, b.ends_on, b.amount) for b in mine if b.channel_id is not None),
        campaign.budget,
        campaign.starts_on,
        campaign.ends_on,
    )


def pacing_of(
    session: Session,
    campaign: Campaign,
    budgets: Sequence[CampaignBudget],
    zone: str,
    now: datetime,
) -> Pacing:
    """The campaign's pacing on the evening of yesterday, local to `zone`."""
    as_of = today_in(zone, now) - timedelta(days=1)
    flights = flights_of(campaign, budgets)
    if not flights:
        return pace([], {}, as_of)
    first = min([f.starts_on for f in flights] + [campaign.starts_on or flights[0].starts_on])
    spend = repository.spend_by(
        session, campaign.workspace_id, campaign.id, first, as_of, zone, "day"
    )
    return pace(flights, spend, as_of)


def campaign_pacing(
    session: Session, actor: Actor, campaign_id: uuid.UUID, now: datetime | None = None
) -> Pacing:
    actor.require(Permission.ANALYTICS_VIEW)
    found = _campaign(session, actor, campaign_id)
    budgets = repository.budgets(session, actor.workspace_id, [found.id])
    zone = workspace_zone(session, actor.workspace_id)
    return pacing_of(session, found, budgets, zone, now or utcnow())


def all_pacing(
    session: Session, actor: Actor, now: datetime | None = None
) -> list[tuple[Campaign, Pacing]]:
    """Every campaign of the workspace with its pacing, newest first."""
    actor.require(Permission.ANALYTICS_VIEW)
    found = repository.campaigns(session, actor.workspace_id)
    budgets = repository.budgets(session, actor.workspace_id, [c.id for c in found])
    zone = workspace_zone(session, actor.workspace_id)
    at = now or utcnow()
    return [(c, pacing_of(session, c, budgets, zone, at)) for c in found]


@dataclass(frozen=True)
class Source:
    """Where a campaign's results came from, the window its conversions were counted with
    ("" when the source does not say) and the days it covers."""

    source: str
    attribution: str
    first: date
    last: date


def result_sources(session: Session, actor: Actor, campaign_id: uuid.UUID) -> list[Source]:
    actor.require(Permission.ANALYTICS_VIEW)
    found = _campaign(session, actor, campaign_id)
    return [Source(*row) for row in repository.sources(session, actor.workspace_id, found.id)]


def spend_by_channel(
    session: Session, actor: Actor, campaign_id: uuid.UUID, first: date, last: date
) -> dict[uuid.UUID, float]:
    """Each channel's spend over these local days (channel rows of the results)."""
    actor.require(Permission.ANALYTICS_VIEW)
    found = _campaign(session, actor, campaign_id)
    zone = workspace_zone(session, actor.workspace_id)
    return repository.spend_by(session, actor.workspace_id, found.id, first, last, zone, "channel")


def channel_pacing(
    session: Session, actor: Actor, campaign_id: uuid.UUID, now: datetime | None = None
) -> dict[uuid.UUID, Pacing]:
    """Each channel with budgets of its own, paced on its own flights and spend."""
    actor.require(Permission.ANALYTICS_VIEW)
    found = _campaign(session, actor, campaign_id)
    flights: dict[uuid.UUID, list[Flight]] = {}
    for b in repository.budgets(session, actor.workspace_id, [found.id]):
        if b.channel_id is not None:
            flights.setdefault(b.channel_id, []).append(Flight(b.starts_on, b.ends_on, b.amount))
    if not flights:
        return {}
    zone = workspace_zone(session, actor.workspace_id)
    as_of = today_in(zone, now or utcnow()) - timedelta(days=1)
    first = min(f.starts_on for fs in flights.values() for f in fs)
    spend = repository.spend_by(
        session, actor.workspace_id, found.id, first, as_of, zone, "channel_day"
    )
    return {
        channel_id: pace(
            mine, {day: v for (cid, day), v in spend.items() if cid == channel_id}, as_of
        )
        for channel_id, mine in flights.items()
    }
