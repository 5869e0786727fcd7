"""JSON routes for what posts draw on: editorial line, content pillars, campaigns, media."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, StreamingResponse

from orchestre.apischema import problems
from orchestre.config import Settings
from orchestre.deps import DB, AppSettings, CurrentActor, CursorQuery, LimitQuery
from orchestre.media.storage import LocalStorage, media_storage
from orchestre.posts import campaigns, editorial, media, media_fix, media_library, schemas
from orchestre.posts import media_schemas as ms

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


def serve_stored(
    settings: Settings, key: str, content_type: str, filename: str | None, missing: str
) -> Response:
    """The stored bytes: a file response from the local folder, or from an object store a
    redirect to a short-lived presigned address (when configured) or a stream."""
    storage = media_storage(settings)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"}
    if isinstance(storage, LocalStorage):
        path = media.stored_path(storage, key, missing)
        return FileResponse(
            path,
            media_type=content_type,
            filename=filename,
            content_disposition_type="inline",
            headers=headers,
        )
    url = storage.presigned_url(key, content_type, filename or key.rsplit("/", 1)[-1])
    if url is not None:
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    return StreamingResponse(storage.iter_chunks(key), media_type=content_type, headers=headers)


@router.post(
    WS + "/media",
    status_code=201,
    response_model=ms.LibraryAsset,
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
) -> ms.LibraryAsset:
    """Upload a file; its type is read from its content, not its name."""
    asset = media.upload(
        db,
        actor,
        file.file,
        file.filename,
        media_root=settings.media_dir,
        max_bytes=settings.max_upload_bytes,
        alt_text=alt_text,
        storage=media_storage(settings),
    )
    return ms.LibraryAsset.model_validate(asset)


@router.get(WS + "/media", response_model=ms.LibraryPage, responses=problems(422), tags=["media"])
def list_media(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    q: Annotated[
        str,
        Query(
            max_length=200,
            description="Words of the title, file name, alt text, description or tags"
            " (case and accents ignored)",
        ),
    ] = "",
    tag: Annotated[str | None, Query(max_length=40)] = None,
    kind: Annotated[ms.MediaKind | None, Query()] = None,
    orientation: Annotated[ms.Orientation | None, Query()] = None,
    min_seconds: Annotated[float | None, Query(ge=0, le=86400)] = None,
    max_seconds: Annotated[float | None, Query(ge=0, le=86400)] = None,
    network: Annotated[
        str | None,
        Query(max_length=32, description="Files one of this network's formats takes as they are"),
    ] = None,
    folder: Annotated[
        str | None, Query(max_length=255, description="This folder and those below it")
    ] = None,
    expiry: Annotated[
        ms.ExpiryFilter | None,
        Query(description="expired, expiring (within 14 days) or valid (no end, or later)"),
    ] = None,
    include_fixed: Annotated[
        bool, Query(description="false: leave out the files fixed for a network")
    ] = True,
) -> ms.LibraryPage:
    """The media library, newest first, narrowed by every filter given."""
    query = media_library.LibraryQuery(
        q=q,
        tag=tag,
        kind=kind,
        orientation=orientation,
        min_seconds=min_seconds,
        max_seconds=max_seconds,
        network=network,
        folder=folder,
        expiry=expiry,
        include_fixed=include_fixed,
    )
    page = media_library.search(db, actor, query, cursor, limit)
    return ms.LibraryPage(
        items=[ms.LibraryAsset.model_validate(m) for m in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    WS + "/media-library/facets",
    response_model=ms.LibraryFacets,
    responses=problems(),
    tags=["media"],
)
def media_facets(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> ms.LibraryFacets:
    """The folders and tags in use, with how many files each holds."""
    return ms.LibraryFacets(
        folders=[ms.FolderCount(folder=f, count=n) for f, n in media_library.folders(db, actor)],
        tags=[ms.TagCount(tag=t, count=n) for t, n in media_library.tags(db, actor)],
    )


@router.get(
    WS + "/media/{media_id}",
    response_model=ms.LibraryAsset,
    responses=problems(),
    tags=["media"],
)
def get_media(
    workspace_id: uuid.UUID, media_id: uuid.UUID, actor: CurrentActor, db: DB
) -> ms.LibraryAsset:
    return ms.LibraryAsset.model_validate(media.get_media(db, actor, media_id))


@router.get(
    WS + "/media/{media_id}/usage",
    response_model=ms.MediaUsageList,
    responses=problems(),
    tags=["media"],
)
def media_usage(
    workspace_id: uuid.UUID, media_id: uuid.UUID, actor: CurrentActor, db: DB
) -> ms.MediaUsageList:
    """The posts and variants that used this file (or a file fixed from it), newest first."""
    return ms.MediaUsageList(
        items=[
            ms.MediaUsage(
                post_id=u.post.id,
                post_title=u.post.title,
                variant_id=u.variant.id,
                channel_id=u.channel.id,
                network=u.channel.network,
                channel_handle=u.channel.handle,
                state=u.variant.state,
                scheduled_at=u.variant.scheduled_at,
                published_at=u.variant.published_at,
                media_id=u.media_id,
            )
            for u in media_library.usage(db, actor, media_id)
        ]
    )


@router.get(
    WS + "/media/{media_id}/file",
    response_class=Response,
    tags=["media"],
    responses={
        **problems(),
        200: {
            "description": "The file, with its content type",
            "content": {"image/*": {}, "video/*": {}},
        },
        307: {"description": "With an object store set to redirect: a short-lived address"},
    },
)
def media_file(
    workspace_id: uuid.UUID, media_id: uuid.UUID, actor: CurrentActor, db: DB, settings: AppSettings
) -> Response:
    """The stored file itself, served with the content type measured at upload."""
    asset, key = media.media_object(db, actor, media_id)
    return serve_stored(settings, key, asset.content_type, asset.filename, media.MISSING_FILE)


@router.patch(
    WS + "/media/{media_id}",
    response_model=ms.LibraryAsset,
    responses=problems(403, 422),
    tags=["media"],
)
def update_media(
    workspace_id: uuid.UUID,
    media_id: uuid.UUID,
    body: ms.LibraryUpdate,
    actor: CurrentActor,
    db: DB,
) -> ms.LibraryAsset:
    """Change the alt text, title, description, folder, tags or licence (only those sent)."""
    sent = body.model_fields_set
    changes = media_library.LibraryChanges(
        title=body.title,
        description=body.description,
        alt_text=body.alt_text,
        folder=body.folder,
        tags=body.tags,
        licence_source=body.licence_source,
        licensor=body.licensor,
        licence_expires_at=body.licence_expires_at,
        clear_licence_expiry="licence_expires_at" in sent and body.licence_expires_at is None,
    )
    return ms.LibraryAsset.model_validate(media_library.update(db, actor, media_id, changes))


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
    media.delete_media(
        db, actor, media_id, media_root=settings.media_dir, storage=media_storage(settings)
    )
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
        db,
        actor,
        media_id,
        body.network,
        body.format,
        media_root=settings.media_dir,
        storage=media_storage(settings),
    )
    out = ms.LibraryAsset.model_validate(result.asset)
    processing = result.asset.status == "processing"
    status = 202 if processing else 201 if result.created else 200
    return JSONResponse(out.model_dump(mode="json"), status_code=status)


@router.get(
    WS + "/media/{media_id}/thumbnail",
    response_class=Response,
    tags=["media"],
    responses={**problems(), 200: {"description": "A JPEG frame", "content": {"image/jpeg": {}}}},
)
def media_thumbnail(
    workspace_id: uuid.UUID, media_id: uuid.UUID, actor: CurrentActor, db: DB, settings: AppSettings
) -> Response:
    """The cover frame of a video fixed for a network, for previews."""
    key = media.thumbnail_key(db, actor, media_id)
    return serve_stored(settings, key, "image/jpeg", None, media.MISSING_THUMBNAIL)
