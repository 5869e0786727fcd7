"""Routes of content planning under /workspaces/{workspace_id}/assistant: propose a plan,
read it, the calendar's AI drafts of a period, accept or discard one item or a whole plan."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from orchestre.apischema import problems
from orchestre.assistant import planning_schemas as s
from orchestre.assistant import planning_service as service
from orchestre.deps import DB, CurrentActor
from orchestre.kit.clock import utcnow

router = APIRouter(tags=["assistant"])

BASE = "/workspaces/{workspace_id}/assistant"
PLANS = BASE + "/plans"
PLAN = PLANS + "/{plan_id}"
ITEMS = BASE + "/plan-items"
ITEM = ITEMS + "/{plan_item_id}"

FromQuery = Annotated[
    AwareDatetime | None,
    Query(alias="from", description="start of the range, with its offset (default: now - 31 days)"),
]
ToQuery = Annotated[
    AwareDatetime | None,
    Query(description="end of the range, excluded, with its offset (default: from + 62 days)"),
]


def item_out(view: service.ItemView) -> s.PlanItem:
    item = view.item
    return s.PlanItem(
        id=item.id,
        plan_id=item.plan_id,
        position=item.position,
        channel_id=item.channel_id,
        network=view.channel.network,
        handle=view.channel.handle,
        pillar_id=item.pillar_id,
        pillar=view.pillar,
        slot_at=item.slot_at,
        local_slot=view.local_slot.strftime("%Y-%m-%dT%H:%M"),
        text=item.text,
        status=item.status,
        ai_draft=True,
        source=item.source,
        prompt_id=item.prompt_id,
        call_id=item.call_id,
        fell_back=item.fell_back,
        post_id=item.post_id,
    )


def plan_out(view: service.PlanView) -> s.Plan:
    plan = view.plan
    return s.Plan(
        id=plan.id,
        weeks=plan.weeks,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        timezone=plan.timezone,
        language=plan.language,
        shares=plan.shares,
        source=plan.source,
        prompt_id=plan.prompt_id,
        call_id=plan.call_id,
        fell_back=plan.fell_back,
        created_at=plan.created_at,
        items=[item_out(i) for i in view.items],
    )


def decision_out(decision: service.DecisionView) -> s.Decision:
    return s.Decision(item=item_out(decision.item), outcome=decision.outcome)


@router.post(PLANS, status_code=201, response_model=s.Plan, responses=problems(404, 422))
def propose(workspace_id: uuid.UUID, body: s.PlanCreate, actor: CurrentActor, db: DB) -> s.Plan:
    """A plan for the next weeks: AI drafts on the calendar, nothing posted until accepted
    (assistant.use and posts.create)."""
    return plan_out(service.propose(db, actor, body))


@router.get(PLAN, response_model=s.Plan, responses=problems(404))
def get_plan(workspace_id: uuid.UUID, plan_id: uuid.UUID, actor: CurrentActor, db: DB) -> s.Plan:
    return plan_out(service.get_plan(db, actor, plan_id))


@router.get(ITEMS, response_model=s.PlanEvents, responses=problems(422))
def calendar_items(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    from_: FromQuery = None,
    to: ToQuery = None,
) -> s.PlanEvents:
    """The AI drafts of a period, for the calendar: proposed items, and accepted ones whose
    post has no time of its own yet."""
    starts = from_ or (utcnow() - timedelta(days=31))
    ends: datetime = to or (starts + timedelta(days=62))
    views = service.calendar_items(db, actor, starts, ends)
    zone = service.workspace_zone(db, actor)
    return s.PlanEvents(timezone=zone, events=[item_out(v) for v in views])


@router.post(ITEM + "/accept", response_model=s.Decision, responses=problems(404, 409, 422))
def accept_item(
    workspace_id: uuid.UUID,
    plan_item_id: uuid.UUID,
    body: s.ItemDecide,
    actor: CurrentActor,
    db: DB,
) -> s.Decision:
    """The item becomes a draft post; with `schedule`, it is submitted and scheduled at its
    time only as far as the workspace's review and the caller's role allow."""
    return decision_out(service.accept(db, actor, plan_item_id, schedule=body.schedule))


@router.post(ITEM + "/discard", response_model=s.Decision, responses=problems(404, 409))
def discard_item(
    workspace_id: uuid.UUID, plan_item_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Decision:
    return decision_out(service.discard(db, actor, plan_item_id))


@router.post(PLAN + "/accept", response_model=s.Decisions, responses=problems(404, 409, 422))
def accept_plan(
    workspace_id: uuid.UUID, plan_id: uuid.UUID, body: s.ItemDecide, actor: CurrentActor, db: DB
) -> s.Decisions:
    """Accept every item still proposed, in time order."""
    decided = service.decide_all(db, actor, plan_id, accept_items=True, schedule=body.schedule)
    return s.Decisions(decisions=[decision_out(d) for d in decided])


@router.post(PLAN + "/discard", response_model=s.Decisions, responses=problems(404))
def discard_plan(
    workspace_id: uuid.UUID, plan_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Decisions:
    decided = service.decide_all(db, actor, plan_id, accept_items=False, schedule=False)
    return s.Decisions(decisions=[decision_out(d) for d in decided])
