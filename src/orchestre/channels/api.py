"""JSON routes of the channels domain."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from orchestre.apischema import problems
from orchestre.channels import schemas, service
from orchestre.deps import DB, AppSettings, CurrentActor, CursorQuery, LimitQuery
from orchestre.kit.crypto import SecretBox
from orchestre.kit.keys import secret_box

router = APIRouter(tags=["channels"])

BASE = "/workspaces/{workspace_id}/channels"


def _box(settings: AppSettings) -> SecretBox:
    return secret_box(settings)


Box = Annotated[SecretBox, Depends(_box)]


@router.get(BASE, response_model=schemas.ChannelPage, responses=problems(400, 422))
def list_channels(
    actor: CurrentActor,
    db: DB,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    status: Annotated[schemas.Status | None, Query()] = None,
    network: Annotated[service.Network | None, Query()] = None,
) -> schemas.ChannelPage:
    """The workspace's channels with their health, in the order they were connected."""
    page = service.list_channels(db, actor, cursor, limit, status=status, network=network)
    return schemas.ChannelPage(
        items=[schemas.Channel.model_validate(c) for c in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    BASE,
    response_model=schemas.Channel,
    status_code=status.HTTP_201_CREATED,
    responses=problems(400, 409, 422, described={409: "The account is already connected here"}),
)
def connect_channel(
    body: schemas.ChannelCreate, actor: CurrentActor, db: DB, box: Box
) -> schemas.Channel:
    """Connect an account (an account that was disconnected is reconnected)."""
    channel = service.connect_channel(
        db,
        actor,
        box,
        body.network,
        body.external_id,
        body.handle,
        body.display_name,
        avatar_url=body.avatar_url,
        credentials=body.credentials,
    )
    return schemas.Channel.model_validate(channel)


@router.get(BASE + "/{channel_id}", response_model=schemas.Channel, responses=problems(400, 422))
def get_channel(channel_id: uuid.UUID, actor: CurrentActor, db: DB) -> schemas.Channel:
    return schemas.Channel.model_validate(service.get_channel(db, actor, channel_id))


@router.patch(BASE + "/{channel_id}", response_model=schemas.Channel, responses=problems(400, 422))
def update_channel(
    channel_id: uuid.UUID, body: schemas.ChannelUpdate, actor: CurrentActor, db: DB
) -> schemas.Channel:
    """Rename the channel or change its avatar in Orchestre."""
    changes = body.model_dump(exclude_unset=True)
    channel = service.update_channel(db, actor, channel_id, **changes)
    return schemas.Channel.model_validate(channel)


@router.post(
    BASE + "/{channel_id}/disconnect", response_model=schemas.Channel, responses=problems(400, 422)
)
def disconnect_channel(channel_id: uuid.UUID, actor: CurrentActor, db: DB) -> schemas.Channel:
    """Stop using the channel and wipe its credentials; its posts and history stay."""
    return schemas.Channel.model_validate(service.disconnect_channel(db, actor, channel_id))


@router.delete(
    BASE + "/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(
        400, 409, 422, described={409: "The channel has scheduled or published posts"}
    ),
)
def delete_channel(channel_id: uuid.UUID, actor: CurrentActor, db: DB) -> Response:
    """Delete the channel and its drafts; refused while it has scheduled or published posts."""
    service.delete_channel(db, actor, channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
