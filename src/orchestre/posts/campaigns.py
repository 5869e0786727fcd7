"""Campaigns that group posts: dates, budget and the utm_campaign tag for their links."""

from __future__ import annotations

import re
import uuid
from datetime import date

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.kit.text import fold
from orchestre.models import Campaign
from orchestre.posts import repository
from orchestre.posts.schemas import CampaignCreate, CampaignUpdate
from orchestre.workspaces.permissions import Actor, Permission

P = Permission


def slugify(name: str) -> str:
    """'Soldes d'été 2030' -> 'soldes-d-ete-2030', the form utm_campaign expects."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug[:120].rstrip("-") or "campaign"


def _campaign(session: Session, actor: Actor, campaign_id: uuid.UUID) -> Campaign:
    campaign = repository.get_campaign(session, actor.workspace_id, campaign_id)
    if campaign is None:
        raise NotFound("This campaign does not exist in this workspace.", code="campaign_not_found")
    return campaign


def _check(
    session: Session,
    actor: Actor,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    other_than: uuid.UUID | None,
) -> None:
    if repository.campaign_named(session, actor.workspace_id, name, other_than) is not None:
        raise Conflict(
            f"A campaign named \u201c{name}\u201d already exists; choose another name.",
            code="duplicate_campaign",
        )
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        message = f"The campaign ends ({ends_on}) before it starts ({starts_on}); fix the dates."
        raise Invalid(
            message,
            code="campaign_dates",
            errors=[
                FieldError(
                    "ends_on",
                    "after_starts_on",
                    message,
                    limit=starts_on.isoformat(),
                    actual=ends_on.isoformat(),
                )
            ],
        )


def list_campaigns(
    session: Session, actor: Actor, cursor: str | None = None, limit: int = 50
) -> Page[Campaign]:
    """Newest first."""
    actor.require(P.POSTS_VIEW)
    limit = clamp_limit(limit)
    after = decode_cursor_or_invalid(cursor)
    rows = repository.list_campaigns(session, actor.workspace_id, after, limit)
    return Page.from_rows(rows, limit, key=lambda c: (c.created_at, c.id))


def get_campaign(session: Session, actor: Actor, campaign_id: uuid.UUID) -> Campaign:
    actor.require(P.POSTS_VIEW)
    return _campaign(session, actor, campaign_id)


def create_campaign(session: Session, actor: Actor, data: CampaignCreate) -> Campaign:
    actor.require(P.CAMPAIGNS_MANAGE)
    name = " ".join(data.name.split())
    _check(session, actor, name, data.starts_on, data.ends_on, None)
    campaign = Campaign(
        workspace_id=actor.workspace_id,
        name=name,
        description=data.description,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        budget=data.budget,
        currency=data.currency,
        utm_campaign=data.utm_campaign or slugify(name),
    )
    repository.add(session, campaign)
    record(session, actor, "campaign.create", "campaign", campaign.id, after=snapshot(campaign))
    return campaign


def update_campaign(
    session: Session, actor: Actor, campaign_id: uuid.UUID, data: CampaignUpdate
) -> Campaign:
    """Only the fields sent change; null clears dates, budget and utm_campaign."""
    actor.require(P.CAMPAIGNS_MANAGE)
    campaign = _campaign(session, actor, campaign_id)
    fields = data.model_fields_set
    name = " ".join(data.name.split()) if data.name is not None else campaign.name
    starts_on = data.starts_on if "starts_on" in fields else campaign.starts_on
    ends_on = data.ends_on if "ends_on" in fields else campaign.ends_on
    _check(session, actor, name, starts_on, ends_on, campaign.id)
    before = snapshot(campaign)
    campaign.name, campaign.starts_on, campaign.ends_on = name, starts_on, ends_on
    if data.description is not None:
        campaign.description = data.description
    if data.currency is not None:
        campaign.currency = data.currency
    if "budget" in fields:
        campaign.budget = data.budget
    if "utm_campaign" in fields:
        campaign.utm_campaign = data.utm_campaign
    session.flush()
    record(
        session,
        actor,
        "campaign.update",
        "campaign",
        campaign.id,
        before=before,
        after=snapshot(campaign),
    )
    return campaign


def delete_campaign(session: Session, actor: Actor, campaign_id: uuid.UUID) -> None:
    """Posts of a deleted campaign keep existing, without a campaign."""
    actor.require(P.CAMPAIGNS_MANAGE)
    campaign = _campaign(session, actor, campaign_id)
    before = snapshot(campaign)
    repository.delete(session, campaign)
    record(session, actor, "campaign.delete", "campaign", campaign_id, before=before)
