"""JSON routes of crisis detection: the alerts with their evidence, acknowledge, resolve,
and crisis mode (resume stays `POST .../publishing/resume`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor, CursorQuery, LimitQuery
from orchestre.moderation import crisis
from orchestre.moderation import crisis_schemas as schemas

router = APIRouter(tags=["crisis"])

BASE = "/workspaces/{workspace_id}/crisis/alerts"


@router.get(BASE, response_model=schemas.CrisisAlertPage, responses=problems(400, 422))
def list_alerts(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    status: Annotated[schemas.StatusFilter | None, Query()] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> schemas.CrisisAlertPage:
    """Crisis alerts, the latest first; `status=active` for open and acknowledged ones."""
    page = crisis.list_alerts(db, actor, status=status, cursor=cursor, limit=limit)
    return schemas.CrisisAlertPage(
        items=[schemas.CrisisAlert.model_validate(a) for a in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    BASE + "/{alert_id}", response_model=schemas.CrisisAlertDetail, responses=problems(400, 422)
)
def get_alert(
    workspace_id: uuid.UUID, alert_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.CrisisAlertDetail:
    """One alert with its evidence: volume against the baseline, terms, samples, channels."""
    return schemas.CrisisAlertDetail.model_validate(crisis.get_alert(db, actor, alert_id))


@router.post(
    BASE + "/{alert_id}/acknowledge",
    response_model=schemas.CrisisAlertDetail,
    responses=problems(400, 409, 422, described={409: "The alert is not open"}),
)
def acknowledge(
    workspace_id: uuid.UUID, alert_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.CrisisAlertDetail:
    """Someone is on it (audited)."""
    return schemas.CrisisAlertDetail.model_validate(crisis.acknowledge(db, actor, alert_id))


@router.post(
    BASE + "/{alert_id}/resolve",
    response_model=schemas.CrisisAlertDetail,
    responses=problems(400, 409, 422, described={409: "The alert is already resolved"}),
)
def resolve(
    workspace_id: uuid.UUID, alert_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.CrisisAlertDetail:
    """It is over (audited); publishing stays paused until someone resumes it."""
    return schemas.CrisisAlertDetail.model_validate(crisis.resolve(db, actor, alert_id))


@router.post(
    BASE + "/{alert_id}/crisis-mode",
    response_model=schemas.CrisisAlertDetail,
    responses=problems(400, 409, 422, described={409: "The alert is resolved"}),
)
def engage_crisis_mode(
    workspace_id: uuid.UUID,
    alert_id: uuid.UUID,
    body: schemas.CrisisModeCreate,
    actor: CurrentActor,
    db: DB,
) -> schemas.CrisisAlertDetail:
    """Crisis mode: pause publishing workspace-wide (already paused is fine), tell the team,
    pin the chosen saved replies as holding statements."""
    row = crisis.engage_crisis_mode(
        db,
        actor,
        alert_id,
        reason=body.reason,
        holding_statement_ids=body.holding_statement_ids,
    )
    return schemas.CrisisAlertDetail.model_validate(row)
