"""JSON routes of the posts domain: posts, variants and scheduling (see also library_api)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor, CursorQuery, LimitQuery
from orchestre.posts import scheduling, schemas, service
from orchestre.posts.library_api import router as library_router
from orchestre.posts.repository import PostFilters

router = APIRouter(tags=["posts"])

POSTS = "/workspaces/{workspace_id}/posts"
POST = POSTS + "/{post_id}"


@router.post(POSTS, status_code=201, response_model=schemas.Post, responses=problems(422))
def create_post(
    workspace_id: uuid.UUID, body: schemas.PostCreate, actor: CurrentActor, db: DB
) -> schemas.Post:
    """Write a draft post with one variant per channel."""
    return schemas.post_out(service.create_post(db, actor, body))


@router.get(POSTS, response_model=schemas.PostPage, responses=problems(422))
def list_posts(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    from_: Annotated[
        datetime | None, Query(alias="from", description="scheduled at or after (aware)")
    ] = None,
    to: Annotated[datetime | None, Query(description="scheduled before (aware)")] = None,
    status: Annotated[str | None, Query(description="a variant state")] = None,
    channel_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    pillar_id: uuid.UUID | None = None,
    tag: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="text search")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> schemas.PostPage:
    """Newest first; the variant filters (dates, status, channel) must match one same variant."""
    filters = PostFilters(
        starts=from_,
        ends=to,
        status=status,
        channel_id=channel_id,
        campaign_id=campaign_id,
        pillar_id=pillar_id,
        tag=tag,
        q=q,
    )
    page = service.list_posts(db, actor, filters, cursor, limit)
    return schemas.PostPage(
        items=[schemas.post_out(v) for v in page.items], next_cursor=page.next_cursor
    )


@router.get(POST, response_model=schemas.Post, responses=problems())
def get_post(
    workspace_id: uuid.UUID, post_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.Post:
    """The post with its variants, their states, schedules, media and findings."""
    return schemas.post_out(service.get_post(db, actor, post_id))


@router.patch(POST, response_model=schemas.Post, responses=problems(409, 422))
def update_post(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    body: schemas.PostUpdate,
    actor: CurrentActor,
    db: DB,
) -> schemas.Post:
    """Change the post; send the `version` you read, a stale one gets 409."""
    return schemas.post_out(service.update_post(db, actor, post_id, body))


@router.delete(POST, status_code=204, response_class=Response, responses=problems(409))
def delete_post(
    workspace_id: uuid.UUID, post_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    """Delete a post that has nothing published."""
    service.delete_post(db, actor, post_id)
    return Response(status_code=204)


@router.post(
    POST + "/variants", status_code=201, response_model=schemas.Post, responses=problems(409, 422)
)
def add_channel(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    body: schemas.PostChannelCreate,
    actor: CurrentActor,
    db: DB,
) -> schemas.Post:
    """Add a channel to the post: a new draft variant."""
    return schemas.post_out(service.add_channel(db, actor, post_id, body))


@router.patch(
    POST + "/variants/{variant_id}", response_model=schemas.Post, responses=problems(409, 422)
)
def update_variant(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    body: schemas.VariantUpdate,
    actor: CurrentActor,
    db: DB,
) -> schemas.Post:
    """Edit one variant; changing reviewed content sends the post back to draft."""
    return schemas.post_out(service.update_variant(db, actor, post_id, variant_id, body))


@router.delete(
    POST + "/variants/{variant_id}", response_model=schemas.Post, responses=problems(409, 422)
)
def remove_channel(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    version: Annotated[int | None, Query(ge=1, description="the version you read")] = None,
) -> schemas.Post:
    """Remove a channel (its variant) from the post."""
    return schemas.post_out(service.remove_channel(db, actor, post_id, variant_id, version))


@router.post(POST + "/schedule", response_model=schemas.Post, responses=problems(409, 422))
def schedule(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    body: schemas.ScheduleCreate,
    actor: CurrentActor,
    db: DB,
) -> schemas.Post:
    """Schedule approved variants at `at` (with offset) or `local_time` (workspace's zone)."""
    return schemas.post_out(scheduling.schedule(db, actor, post_id, body))


@router.post(POST + "/unschedule", response_model=schemas.Post, responses=problems(409, 422))
def unschedule(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    body: schemas.UnscheduleCreate | None = None,
) -> schemas.Post:
    """Take scheduled variants off the calendar; they stay approved."""
    data = body if body is not None else schemas.UnscheduleCreate()
    return schemas.post_out(scheduling.unschedule(db, actor, post_id, data))


router.include_router(library_router)
