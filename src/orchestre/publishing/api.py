"""JSON routes of publishing: the crisis pause, the engine's state, the publications."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor, CursorQuery, LimitQuery
from orchestre.publishing import schemas, service

router = APIRouter(tags=["publishing"])

BASE = "/workspaces/{workspace_id}"


@router.get(BASE + "/publishing", response_model=schemas.Status, responses=problems(400, 422))
def publishing_status(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> schemas.Status:
    """Whether publishing is paused (workspace or channels), publications by state, what is next."""
    found = service.status(db, actor)
    return schemas.Status.model_validate(found)


@router.post(
    BASE + "/publishing/pause",
    response_model=schemas.Pause,
    status_code=status.HTTP_201_CREATED,
    responses=problems(400, 409, 422, described={409: "Publishing is already paused here"}),
)
def pause(
    workspace_id: uuid.UUID, body: schemas.PauseCreate, actor: CurrentActor, db: DB
) -> schemas.Pause:
    """Crisis pause: hold every scheduled publication of the workspace, or of one channel."""
    row = service.pause(db, actor, channel_id=body.channel_id, reason=body.reason)
    return schemas.Pause.model_validate(row)


@router.post(
    BASE + "/publishing/resume",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(400, 409, 422, described={409: "Publishing is not paused here"}),
)
def resume(
    workspace_id: uuid.UUID, body: schemas.ResumeCreate, actor: CurrentActor, db: DB
) -> Response:
    """Lift the pause; held publications go out (missed ones wait for a person)."""
    service.resume(db, actor, channel_id=body.channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    BASE + "/publications", response_model=schemas.PublicationPage, responses=problems(400, 422)
)
def list_publications(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    state: Annotated[schemas.State | None, Query()] = None,
    channel_id: uuid.UUID | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> schemas.PublicationPage:
    """Publications, soonest due first: what is waiting, what went out, what failed and why."""
    page = service.list_publications(
        db, actor, state=state, channel_id=channel_id, cursor=cursor, limit=limit
    )
    return schemas.PublicationPage(
        items=[schemas.Publication.model_validate(p) for p in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    BASE + "/publications/{publication_id}",
    response_model=schemas.Publication,
    responses=problems(400, 422),
)
def get_publication(
    workspace_id: uuid.UUID, publication_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.Publication:
    return schemas.Publication.model_validate(service.get_publication(db, actor, publication_id))


@router.post(
    BASE + "/publications/{publication_id}/publish-now",
    response_model=schemas.Publication,
    responses=problems(400, 409, 422, described={409: "It is not failed nor waiting for a person"}),
)
def publish_now(
    workspace_id: uuid.UUID, publication_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.Publication:
    """Send again now what failed or was missed (looked up on the network first if needed)."""
    return schemas.Publication.model_validate(service.publish_now(db, actor, publication_id))
