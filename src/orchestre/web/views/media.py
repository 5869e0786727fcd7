"""A variant's media in the editor: findings per file and 'Fix for <network>' with htmx.

The partial `posts/_media_fix.html` is served on its own (GET, polled every two seconds
while a video is converted) and in answer to the two writes: ask for the fix, and use the
fixed file instead of the original on the variant.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.connectors.rules import NETWORKS
from orchestre.errors import FieldError
from orchestre.media.storage import media_storage
from orchestre.posts import media_fix, media_library, media_panel
from orchestre.web.forms import Form, attempt, text
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
PANEL = "/posts/{post_id}/variants/{variant_id}/media"
POLL_SECONDS = 2
LIBRARY_CHOICES = 24  # the newest files of the library offered to attach


def _known(network: str) -> str | None:
    """Filter the library by what fits the network, when the network has published rules."""
    return network if network in NETWORKS else None


def _panel(
    request: Request,
    view: WorkspaceView,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    errors: list[FieldError] | None = None,
) -> Response:
    panel = media_panel.media_panel(view.db, view.actor, post_id, variant_id)
    attached = {item.asset.id for item in panel.items}
    library = media_library.search(
        view.db,
        view.actor,
        media_library.LibraryQuery(network=_known(panel.channel.network), include_fixed=False),
        limit=LIBRARY_CHOICES,
    ).items
    context: dict[str, Any] = {
        "library": [asset for asset in library if asset.id not in attached],
        "base": view.base,
        "csrf_token": view.viewer.csrf_token,
        "can": view.can,
        "P": Permission,
        "panel": panel,
        "errors": errors or [],
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "posts/_media_fix.html", context, status_code=422 if errors else 200)


@router.get(PANEL, response_class=HTMLResponse)
def variant_media(
    request: Request, view: CurrentWorkspace, post_id: uuid.UUID, variant_id: uuid.UUID
) -> Response:
    return _panel(request, view, post_id, variant_id)


@router.post(PANEL + "/{media_id}/fix", response_class=HTMLResponse)
def fix(
    request: Request,
    view: WorkspaceWrite,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    media_id: uuid.UUID,
) -> Response:
    """Fix one file for the variant's network and format (images now, videos in the job)."""
    panel = media_panel.media_panel(view.db, view.actor, post_id, variant_id)
    with attempt(view.db) as errors:
        media_fix.fix_media(
            view.db,
            view.actor,
            media_id,
            panel.channel.network,
            panel.format,
            media_root=view.viewer.settings.media_dir,
            storage=media_storage(view.viewer.settings),
        )
    return _panel(request, view, post_id, variant_id, errors)


@router.post(PANEL + "/{media_id}/use-fixed", response_class=HTMLResponse)
def use_fixed(
    request: Request,
    view: WorkspaceWrite,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    media_id: uuid.UUID,
    form: Form,
) -> Response:
    """Attach the fixed file in place of the original (an edit: a reviewed post goes back)."""
    raw = text(form, "version")
    version = max(1, int(raw)) if raw.isdigit() else 1
    with attempt(view.db) as errors:
        media_panel.use_fixed(view.db, view.actor, post_id, variant_id, media_id, version)
    return _panel(request, view, post_id, variant_id, errors)


def _version(form: Any) -> int:
    raw = text(form, "version")
    return max(1, int(raw)) if raw.isdigit() else 1


@router.post(PANEL + "/attach", response_class=HTMLResponse)
def attach(
    request: Request, view: WorkspaceWrite, post_id: uuid.UUID, variant_id: uuid.UUID, form: Form
) -> Response:
    """Attach a file of the library to the variant."""
    try:
        media_id = uuid.UUID(text(form, "media_id"))
    except ValueError:
        return _panel(
            request,
            view,
            post_id,
            variant_id,
            [FieldError("media_id", "uuid", "Choose a file of the library.")],
        )
    with attempt(view.db) as errors:
        media_panel.attach(view.db, view.actor, post_id, variant_id, media_id, _version(form))
    return _panel(request, view, post_id, variant_id, errors)


@router.post(PANEL + "/{media_id}/detach", response_class=HTMLResponse)
def detach(
    request: Request,
    view: WorkspaceWrite,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    media_id: uuid.UUID,
    form: Form,
) -> Response:
    """Take a file off the variant (it stays in the library)."""
    with attempt(view.db) as errors:
        media_panel.detach(view.db, view.actor, post_id, variant_id, media_id, _version(form))
    return _panel(request, view, post_id, variant_id, errors)
