"""The media library page: every file of the workspace in a grid with its filters, the
licences ending soon, an upload form, and one file's page (details, filing, tags, licence,
and the posts that used it).

Every read and write goes through `orchestre.posts.media_library` and `posts.media` (their
permissions are checked there); files are shown through the API's file routes, which check
the workspace again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from orchestre.connectors.rules import NETWORKS
from orchestre.errors import FieldError, Invalid, TooLarge, UnsupportedMedia
from orchestre.media.storage import media_storage
from orchestre.posts import media, media_library
from orchestre.posts.media_library import LibraryChanges, LibraryQuery
from orchestre.posts.media_schemas import LibraryAsset
from orchestre.web.forms import Form, attempt, redirect, text
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/media"
FILTER_KEYS = ("q", "tag", "kind", "orientation", "network", "folder", "expiry")
PAGE_SIZE = 48


def notices() -> dict[str, str]:
    return {
        "uploaded": _("File added to the library."),
        "saved": _("Changes saved."),
        "deleted": _("File deleted."),
    }


def labels() -> dict[str, dict[str, str]]:
    return {
        "kind": {"image": _("Image"), "video": _("Video"), "gif": _("Animated GIF")},
        "orientation": {
            "landscape": _("Landscape"),
            "portrait": _("Portrait"),
            "square": _("Square"),
        },
        "expiry": {
            "expired": _("Licence expired"),
            "expiring": _("Licence ends within 14 days"),
            "valid": _("Licence valid"),
        },
    }


def _number(raw: str) -> float | None:
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        return None
    return value if 0 <= value <= 86400 else None


def _query(request: Request) -> tuple[LibraryQuery, dict[str, str]]:
    raw = {k: request.query_params.get(k, "").strip() for k in (*FILTER_KEYS, "min", "max")}
    names = labels()
    query = LibraryQuery(
        q=raw["q"][:200],
        tag=raw["tag"][:40] or None,
        kind=raw["kind"] if raw["kind"] in names["kind"] else None,
        orientation=raw["orientation"] if raw["orientation"] in names["orientation"] else None,
        network=raw["network"] if raw["network"] in NETWORKS else None,
        folder=raw["folder"][:255] or None,
        expiry=raw["expiry"] if raw["expiry"] in names["expiry"] else None,  # type: ignore[arg-type]
        min_seconds=_number(raw["min"]) if raw["min"] else None,
        max_seconds=_number(raw["max"]) if raw["max"] else None,
        include_fixed=False,  # the page shows originals; a fix is reached from its post
    )
    return query, raw


def _items(rows: list[Any]) -> list[LibraryAsset]:
    return [LibraryAsset.model_validate(row) for row in rows]


@router.get(PAGE, response_class=HTMLResponse)
def library_page(request: Request, view: CurrentWorkspace) -> Response:
    return _render_library(request, view)


def _render_library(
    request: Request,
    view: WorkspaceView,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    query, raw = _query(request)
    cursor = request.query_params.get("cursor")
    search_errors: list[FieldError] = []
    try:
        page = media_library.search(view.db, view.actor, query, cursor, PAGE_SIZE)
        items, next_cursor = _items(page.items), page.next_cursor
    except Invalid as exc:
        search_errors = exc.errors
        items, next_cursor = [], None
    context = shell_context(request, view, "media")
    filtered = {k: v for k, v in raw.items() if v}
    context.update(
        items=items,
        next_cursor=next_cursor,
        selection=raw,
        filtered=bool(filtered),
        next_params=filtered,
        facets_folders=media_library.folders(view.db, view.actor),
        facets_tags=media_library.tags(view.db, view.actor),
        expiring=_items(media_library.expiring_soon(view.db, view.actor, 20)),
        labels=labels(),
        networks=NETWORKS,
        can_upload=view.can(Permission.MEDIA_UPLOAD),
        errors=(errors or []) + search_errors,
        notice=notices().get(request.query_params.get("done", "")),
        warning_days=media_library.EXPIRY_WARNING_DAYS,
        api=f"/api/v1/workspaces/{view.workspace.id}",
    )
    return render(request, "media/library.html", context, status_code=status_code)


@router.post(PAGE + "/upload")
def upload(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        message = _("Choose a file to upload.")
        return _render_library(request, view, [FieldError("file", "required", message)], 422)
    settings = view.viewer.settings
    try:
        asset = media.upload(
            view.db,
            view.actor,
            file.file,
            file.filename,
            media_root=settings.media_dir,
            max_bytes=settings.max_upload_bytes,
            alt_text=text(form, "alt_text")[:1500],
            storage=media_storage(settings),
        )
    except (UnsupportedMedia, TooLarge) as exc:
        error = FieldError("file", exc.code, _(exc.detail))
        return _render_library(request, view, [error], 415 if exc.code != "file_too_large" else 413)
    return redirect(f"{view.base}{PAGE}/{asset.id}", "uploaded")


def _render_asset(
    request: Request,
    view: WorkspaceView,
    media_id: uuid.UUID,
    *,
    form: FormData | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    asset = media.get_media(view.db, view.actor, media_id)
    item = LibraryAsset.model_validate(asset)
    context = shell_context(request, view, "media")
    context.update(
        item=item,
        usage=media_library.usage(view.db, view.actor, media_id),
        labels=labels(),
        can_edit=view.can(Permission.MEDIA_UPLOAD)
        and (asset.created_by == view.actor.user_id or view.can(Permission.POSTS_EDIT_ANY)),
        form=form,
        errors=errors or [],
        notice=notices().get(request.query_params.get("done", "")),
        warning_days=media_library.EXPIRY_WARNING_DAYS,
    )
    return render(request, "media/asset.html", context, status_code=status_code)


@router.get(PAGE + "/{media_id}", response_class=HTMLResponse)
def asset_page(request: Request, view: CurrentWorkspace, media_id: uuid.UUID) -> Response:
    return _render_asset(request, view, media_id)


def _expiry(raw: str) -> tuple[datetime | None, bool]:
    """(the licence's last moment, cleared): a date means the end of that day in UTC."""
    if not raw:
        return None, True
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC).date()
    except ValueError as exc:
        message = _("Write the date as YYYY-MM-DD.")
        raise Invalid(message, errors=[FieldError("licence_expires_at", "date", message)]) from exc
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC), False


@router.post(PAGE + "/{media_id}")
def save_asset(request: Request, view: WorkspaceWrite, media_id: uuid.UUID, form: Form) -> Response:
    with attempt(view.db) as errors:
        expires, cleared = _expiry(text(form, "licence_expires_at").strip())
        changes = LibraryChanges(
            title=text(form, "title")[:255],
            description=text(form, "description")[:5000],
            alt_text=text(form, "alt_text")[:1500],
            folder=text(form, "folder")[:255],
            tags=[t for t in text(form, "tags").split(",") if t.strip()],
            licence_source=text(form, "licence_source")[:255],
            licensor=text(form, "licensor")[:255],
            licence_expires_at=expires,
            clear_licence_expiry=cleared,
        )
        media_library.update(view.db, view.actor, media_id, changes)
    if errors:
        return _render_asset(request, view, media_id, form=form, errors=errors, status_code=422)
    return redirect(f"{view.base}{PAGE}/{media_id}", "saved")


@router.post(PAGE + "/{media_id}/delete")
def delete_asset(request: Request, view: WorkspaceWrite, media_id: uuid.UUID) -> Response:
    settings = view.viewer.settings
    with attempt(view.db) as errors:
        media.delete_media(
            view.db,
            view.actor,
            media_id,
            media_root=settings.media_dir,
            storage=media_storage(settings),
        )
    if errors:
        return _render_asset(request, view, media_id, errors=errors, status_code=409)
    return redirect(f"{view.base}{PAGE}", "deleted")
