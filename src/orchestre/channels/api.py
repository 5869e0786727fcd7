"""JSON routes of the channels domain."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from orchestre.apischema import problems
from orchestre.channels import connect, schemas, service
from orchestre.channels.apps import NetworkAccess, access_for
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


# Connecting for real (OAuth 2, app passwords) -------------------------------------------------


def _access(request: Request, settings: AppSettings) -> NetworkAccess:
    return access_for(settings, request.app.state)


Access = Annotated[NetworkAccess, Depends(_access)]


@router.post(
    BASE + "/connect",
    response_model=schemas.ConnectStarted,
    responses=problems(400, 422, described={422: "Unknown network or app not set up"}),
)
def start_connect(
    body: schemas.ConnectStart, actor: CurrentActor, db: DB, access: Access
) -> schemas.ConnectStarted:
    """Start connecting an account through the network's page: send the person to
    `authorization_url`; the network brings them back to /oauth/callback/{network}."""
    url = connect.start_oauth(db, actor, access, body.network, body.base_url, origin="api")
    return schemas.ConnectStarted(authorization_url=url)


@router.post(
    BASE + "/connect/password",
    response_model=schemas.Channel,
    status_code=status.HTTP_201_CREATED,
    responses=problems(400, 422, 429, described={429: "The network did not answer"}),
)
def connect_with_password(
    body: schemas.ConnectPassword, actor: CurrentActor, db: DB, access: Access
) -> schemas.Channel:
    """Connect an account with an identifier and an app password (never stored)."""
    channel = connect.connect_password(
        db, actor, access, body.network, body.identifier, body.password, body.base_url
    )
    return schemas.Channel.model_validate(channel)


@router.get(
    BASE + "/connect/{attempt_id}",
    response_model=schemas.AccountChoices,
    responses=problems(400, 422),
)
def connect_choices(
    attempt_id: uuid.UUID, actor: CurrentActor, db: DB, access: Access
) -> schemas.AccountChoices:
    """The accounts (pages) an authorization opened, waiting to be picked."""
    attempt, choices = connect.pending_choices(db, actor, access, attempt_id)
    items = [
        schemas.AccountChoice(
            external_id=c["external_id"], handle=c["handle"], display_name=c["display_name"]
        )
        for c in choices
    ]
    return schemas.AccountChoices(network=attempt.network, items=items)


@router.post(
    BASE + "/connect/{attempt_id}/choose",
    response_model=schemas.ChannelList,
    responses=problems(400, 422),
)
def connect_choose(
    attempt_id: uuid.UUID,
    body: schemas.ConnectChoose,
    actor: CurrentActor,
    db: DB,
    access: Access,
) -> schemas.ChannelList:
    """Connect the accounts picked among those the authorization opened."""
    channels = connect.choose_accounts(db, actor, access, attempt_id, body.external_ids)
    return schemas.ChannelList(items=[schemas.Channel.model_validate(c) for c in channels])


@router.get(
    "/workspaces/{workspace_id}/networks",
    response_model=schemas.NetworkOffers,
    responses=problems(400, 422),
)
def networks(actor: CurrentActor, db: DB, access: Access) -> schemas.NetworkOffers:
    """The installed networks, how their accounts connect and whether they can yet."""
    offers = connect.networks_offered(db, actor, access)
    return schemas.NetworkOffers(
        items=[schemas.NetworkOffer.model_validate(offer) for offer in offers]
    )
