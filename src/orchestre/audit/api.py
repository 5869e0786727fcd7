"""JSON routes of the audit domain: the workspace's audit log, filtered and paginated."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from orchestre.apischema import problems
from orchestre.audit import service
from orchestre.audit.repository import AuditFilter
from orchestre.audit.schemas import AuditPage
from orchestre.deps import DB, CurrentActor, CursorQuery, LimitQuery

router = APIRouter(tags=["audit"])


@router.get(
    "/workspaces/{workspace_id}/audit",
    response_model=AuditPage,
    responses=problems(
        422,
        described={
            403: "Your role does not allow reading the audit log",
            422: "A filter or the cursor is not valid",
        },
    ),
)
def audit_log(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    entity_type: Annotated[str | None, Query(max_length=40, examples=["post"])] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_user_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64, examples=["post.approved"])] = None,
    since: Annotated[
        datetime | None,
        Query(alias="from", description="Entries at or after this instant (with its zone)."),
    ] = None,
    until: Annotated[
        datetime | None,
        Query(alias="to", description="Entries before this instant (with its zone)."),
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> AuditPage:
    """Who changed what and when, with the state before and after; newest first."""
    filters = AuditFilter(
        entity_type=entity_type,
        entity_id=entity_id,
        actor_user_id=actor_user_id,
        action=action,
        since=since,
        until=until,
    )
    page = service.list_entries(db, actor, filters, cursor, limit)
    return AuditPage.model_validate(page)
