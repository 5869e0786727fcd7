"""JSON routes for what posts draw on: editorial line, content pillars, campaigns, media."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from orchestre.apischema import problems
from orchestre.deps import DB, AppSettings, CurrentActor, CursorQuery, LimitQuery
from orchestre.posts import campaigns, editorial, media, media_fix, schemas

router = APIRouter()
WS = "/workspaces/{workspace_id}"


# --- editorial line ---------------------------------------------------------------------------


@router.get(
    WS + "/editorial-line",
    response_model=schemas.EditorialLine,
    responses=problems(),
    tags=["editorial line"],
)
def get_editorial_line(
    workspace_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.EditorialLine:
    """Tone notes, banned words and required tags every variant is checked against."""
    return schemas.EditorialLine.model_validate(editorial.get_line(db, actor))


@router.put(
    WS + "/editorial-line",
    response_model=schemas.EditorialLine,
    responses=problems(422),
    tags=["editorial line"],
)
def put_editorial_line(
    workspace_id: uuid.UUID, body: schemas.EditorialLineUpdate, actor: CurrentActor, db: DB
) -> schemas.EditorialLine:
    """Replace the editorial line (needs workspace.manage)."""
    return schemas.EditorialLine.model_validate(editorial.put_line(db, actor, body))


# --- content pillars --------------------------------------------------------------------------


@router.get(
    WS + "/pillars",
    response_model=schemas.PillarPage,
    responses=problems(422),
    tags=["editorial line"],
)
def list_pillars(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> schemas.PillarPage:
    """Content pillars by name, with their target share of posts."""
    page = editorial.list_pillars(db, actor, cursor, limit)
    return schemas.PillarPage(
        items=[schemas.ContentPillar.model_validate(p) for p in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    WS + "/pillars",
    status_code=201,
    response_model=schemas.ContentPillar,
    responses=problems(409, 422),
    tags=["editorial line"],
)
def create_pillar(
    workspace_id: uuid.UUID, body: schemas.PillarCreate, actor: CurrentActor, db: DB
) -> schemas.ContentPillar:
    """Add a pillar; the target shares of all pillars add up to 100 % at most."""
    return schemas.ContentPillar.model_validate(editorial.create_pillar(db, actor, body))


@router.patch(
    WS + "/pillars/{pillar_id}",
    response_model=schemas.ContentPillar,
    responses=problems(409, 422),
    tags=["editorial line"],
)
def update_pillar(
    workspace_id: uuid.UUID,
    pillar_id: uuid.UUID,
    body: schemas.PillarUpdate,
    actor: CurrentActor,
    db: DB,
) -> schemas.ContentPillar:
    return schemas.ContentPillar.model_validate(editorial.update_pillar(db, actor, pillar_id, body))


@router.delete(
    WS + "/pillars/{pillar_id}",
    status_code=204,
    response_class=Response,
    responses=problems(),
    tags=["editorial line"],
)
def delete_pillar(
    workspace_id: uuid.UUID, pillar_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    """Delete a pillar; its posts stay, without a pillar."""
    editorial.delete_pillar(db, actor, pillar_id)
    return Response(status_code=204)


# --- campaigns --------------------------------------------------------------------------------


@router.get(
    WS + "/campaigns",
    response_model=schemas.CampaignPage,
    responses=problems(422),
    tags=["campaigns"],
)
def list_campaigns(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> schemas.CampaignPage:
    """Campaigns, newest first."""
    page = campaigns.list_campaigns(db, actor, cursor, limit)
    return schemas.CampaignPage(
        items=[schemas.Campaign.model_validate(c) for c in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    WS + "/campaigns",
    status_code=201,
    response_model=schemas.Campaign,
    responses=problems(409, 422),
    tags=["campaigns"],
)
def create_campaign(
    workspace_id: uuid.UUID, body: schemas.CampaignCreate, actor: CurrentActor, db: DB
) -> schemas.Campaign:
    return schemas.Campaign.model_validate(campaigns.create_campaign(db, actor, body))


@router.get(
    WS + "/campaigns/{campaign_id}",
    response_model=schemas.Campaign,
    responses=problems(),
    tags=["campaigns"],
)
def get_campaign(
    workspace_id: uuid.UUID, campaign_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.Campaign:
    return schemas.Campaign.model_validate(campaigns.get_campaign(db, actor, campaign_id))


@router.patch(
    WS + "/campaigns/{campaign_id}",
    response_model=schemas.Campaign,
    responses=problems(409, 422),
    tags=["campaigns"],
)
def update_campaign(
    workspace_id: uuid.UUID,
    campaign_id: uuid.UUID,
    body: schemas.CampaignUpdate,
    actor: CurrentActor,
    db: DB,
) -> schemas.Campaign:
    return schemas.Campaign.model_validate(campaigns.update_campaign(db, actor, campaign_id, body))


@router.delete(
    WS + "/campaigns/{campaign_id}",
    status_code=204,
    response_class=Response,
    responses=problems(),
    tags=["campaigns"],
)
def delete_campaign(
    workspace_id: uuid.UUID, campaign_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    """Delete a campaign; its posts stay, without a campaign."""
    campaigns.delete_campaign(db, actor, campaign_id)
    return Response(status_code=204)


# --- media ------------------------------------------------------------------------------------


@router.post(
    WS + "/media",
    status_code=201,
    response_model=schemas.MediaAsset,
    responses=problems(413, 415, 422),
    tags=["media"],
)
def upload_media(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    settings: AppSettings,
    file: Annotated[UploadFile, File(description="JPEG, PNG, GIF, WebP, MP4, MOV or WebM")],
    alt_text: Annotated[str, Form(max_length=1500)] = "",
) -> schemas.MediaAsset:
    """Upload a file; its type is read from its content, not its name."""
    asset = media.upload(
        db,
        actor,
        file.file,
        file.filename,
        media_root=settings.media_dir,
        max_bytes=settings.max_upload_bytes,
        alt_text=alt_text,
    )
    return schemas.MediaAsset.model_validate(asset)


@router.get(
    WS + "/media", response_model=schemas.MediaPage, responses=problems(422), tags=["media"]
)
def list_media(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> schemas.MediaPage:
    """Uploaded media, newest first."""
    page = media.list_media(db, actor, cursor, limit)
    return schemas.MediaPage(
        items=[schemas.MediaAsset.model_validate(m) for m in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    WS + "/media/{media_id}",
    response_model=schemas.MediaAsset,
    responses=problems(),
    tags=["media"],
)
def get_media(
    workspace_id: uuid.UUID, media_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.MediaAsset:
    return schemas.MediaAsset.model_validate(media.get_media(db, actor, media_id))


@router.get(
    WS + "/media/{media_id}/file",
    response_class=FileResponse,
    tags=["media"],
    responses={
        **problems(),
        200: {
            "description": "The file, with its content type",
            "content": {"image/*": {}, "video/*": {}},
        },
    },
)
def media_file(
    workspace_id: uuid.UUID, media_id: uuid.UUID, actor: CurrentActor, db: DB, settings: AppSettings
) -> FileResponse:
    """The stored file itself, served with the content type measured at upload."""
    asset, path = media.media_file(db, actor, media_id, media_root=settings.media_dir)
    return FileResponse(
        path,
        media_type=asset.content_type,
        filename=asset.filename,
        content_disposition_type="inline",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"},
    )


@router.patch(
    WS + "/media/{media_id}",
    response_model=schemas.MediaAsset,
    responses=problems(422),
    tags=["media"],
)
def update_media(
    workspace_id: uuid.UUID,
    media_id: uuid.UUID,
    body: schemas.MediaUpdate,
    actor: CurrentActor,
    db: DB,
) -> schemas.MediaAsset:
    """Change the alt text."""
    return schemas.MediaAsset.model_validate(
        media.update_alt_text(db, actor, media_id, body.alt_text)
    )


@router.delete(
    WS + "/media/{media_id}",
    status_code=204,
    response_class=Response,
    responses=problems(409),
    tags=["media"],
)
def delete_media(
    workspace_id: uuid.UUID, media_id: uuid.UUID, actor: CurrentActor, db: DB, settings: AppSettings
) -> Response:
    """Delete a media that no variant uses."""
    media.delete_media(db, actor, media_id, media_root=settings.media_dir)
    return Response(status_code=204)


@router.post(
    WS + "/media/{media_id}/fix",
    status_code=201,
    response_model=schemas.MediaAsset,
    responses={
        **problems(409, 422),
        200: {
            "description": "The same fix was made before: that file",
            "model": schemas.MediaAsset,
        },
        202: {
            "description": "A video: converted in the background (status 'processing')",
            "model": schemas.MediaAsset,
        },
    },
    tags=["media"],
)
def fix_media(
    workspace_id: uuid.UUID,
    media_id: uuid.UUID,
    body: schemas.MediaFixCreate,
    actor: CurrentActor,
    db: DB,
    settings: AppSettings,
) -> JSONResponse:
    """'Fix for <network>': a new file derived from this one that fits the network's format.

    Images are converted now (201); videos in the background (202, then poll the media until
    its status is 'ready' or 'failed'). A file no conversion can fix gets 422 with the reason.
    """
    result = media_fix.fix_media(
        db, actor, media_id, body.network, body.format, media_root=settings.media_dir
    )
    out = schemas.MediaAsset.model_validate(result.asset)
    processing = result.asset.status == "processing"
    status = 202 if processing else 201 if result.created else 200
    return JSONResponse(out.model_dump(mode="json"), status_code=status)


@router.get(
    WS + "/media/{media_id}/thumbnail",
    response_class=FileResponse,
    tags=["media"],
    responses={**problems(), 200: {"description": "A JPEG frame", "content": {"image/jpeg": {}}}},
)
def media_thumbnail(
    workspace_id: uuid.UUID, media_id: uuid.UUID, actor: CurrentActor, db: DB, settings: AppSettings
) -> FileResponse:
    """The cover frame of a video fixed for a network, for previews."""
    path = media.thumbnail_file(db, actor, media_id, media_root=settings.media_dir)
    return FileResponse(
        path,
        media_type="image/jpeg",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"},
    )
