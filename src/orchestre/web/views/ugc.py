"""The UGC page: the board of creators' posts in columns by the state of their rights, the
brand mentions with media proposed for it, and an item's page (the request to the creator,
its proof, and a post made from a granted item).

Every use case is in `orchestre.ugc` (permissions are checked there); the inbox and the
listening pages post to `/ugc/collect` to put a message or a mention on the board."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from orchestre.models.ugc import UgcStatus
from orchestre.ugc import rights, service
from orchestre.ugc.repository import ItemFilters
from orchestre.web.forms import Form, attempt, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import list_channels, shell_context
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/ugc"
# Each status wears the colour of its like in the one status language.
STATUS_CLASS = {
    "collected": "draft",
    "rights_requested": "in_review",
    "granted": "approved",
    "refused": "failed",
    "expired": "paused",
}


def status_labels() -> dict[str, str]:
    return {
        "collected": _("Collected"),
        "rights_requested": _("Rights requested"),
        "granted": _("Rights granted"),
        "refused": _("Refused"),
        "expired": _("No answer"),
    }


def request_labels() -> dict[str, str]:
    return {
        "waiting": _("Waiting for the creator"),
        "granted": _("Granted"),
        "refused": _("Refused"),
        "expired": _("Expired without an answer"),
    }


def notices() -> dict[str, str]:
    return {
        "collected": _("Added to the UGC board."),
        "requested": _("Rights request sent. The creator's answer will be read automatically."),
        "tagged": _("Tags saved."),
        "deleted": _("Removed from the board."),
        "template_saved": _("Request template saved."),
    }


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@router.get(PAGE, response_class=HTMLResponse)
def board_page(request: Request, view: CurrentWorkspace) -> Response:
    return _render_board(request, view)


def _render_board(
    request: Request,
    view: WorkspaceView,
    *,
    form: FormData | None = None,
    form_errors: list[object] | None = None,
    status_code: int = 200,
) -> Response:
    raw = {k: request.query_params.get(k, "").strip() for k in ("network", "tag", "q")}
    found = service.board(
        view.db, view.actor, ItemFilters(None, raw["network"] or None, raw["tag"] or None, raw["q"])
    )
    columns = [(s.value, [i for i in found.items if i.status == s.value]) for s in UgcStatus]
    proposals = (
        service.proposals(view.db, view.actor, limit=6) if view.can(Permission.UGC_MANAGE) else []
    )
    context = shell_context(request, view, "ugc")
    context.update(
        columns=columns,
        counts=found.counts,
        requests=found.requests,
        total=sum(found.counts.values()),
        proposals=proposals,
        selection=raw,
        networks=sorted({i.network for i in found.items} | {raw["network"]} - {""}),
        labels=status_labels(),
        status_class=STATUS_CLASS,
        can_manage=view.can(Permission.UGC_MANAGE),
        templates=rights.list_templates(view.db, view.actor),
        form=form or {},
        form_errors=form_errors or [],
        notice=notices().get(request.query_params.get("done", "")),
    )
    return render(request, "ugc/board.html", context, status_code=status_code)


@router.post(PAGE + "/collect")
def collect(view: WorkspaceWrite, form: Form) -> Response:
    """From the inbox (message_id) or the listening page (mention_id): to the item's page."""
    item = service.collect(
        view.db,
        view.actor,
        message_id=_uuid(text(form, "message_id")),
        mention_id=_uuid(text(form, "mention_id")),
    )
    return redirect(f"{view.base}{PAGE}/items/{item.id}", "collected")


def _render_item(
    request: Request,
    view: WorkspaceView,
    item_id: uuid.UUID,
    *,
    form: FormData | None = None,
    form_errors: list[object] | None = None,
    status_code: int = 200,
) -> Response:
    detail = service.item_detail(view.db, view.actor, item_id)
    item = detail.item
    templates = rights.list_templates(view.db, view.actor)
    language = (
        text(form, "language")
        if form
        else request.query_params.get("language") or view.workspace.locale[:2]
    )
    chosen = next((t for t in templates if t.language == language), templates[0])
    draft = rights.preview(
        view.db, view.actor, item.id, rights.RequestInput(language=chosen.language)
    )
    context = shell_context(request, view, "ugc")
    context.update(
        item=item,
        requests=detail.requests,
        post_ids=detail.post_ids,
        labels=status_labels(),
        request_labels=request_labels(),
        status_class=STATUS_CLASS,
        can_manage=view.can(Permission.UGC_MANAGE),
        askable=item.status in rights.ASKABLE,
        templates=templates,
        chosen=chosen,
        draft=(form.get("text") if form else None) or draft,
        channels=list_channels(view) if item.status == UgcStatus.GRANTED.value else [],
        form=form or {},
        form_errors=form_errors or [],
        notice=notices().get(request.query_params.get("done", "")),
    )
    return render(request, "ugc/board_item.html", context, status_code=status_code)


@router.get(PAGE + "/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, view: CurrentWorkspace, item_id: uuid.UUID) -> Response:
    return _render_item(request, view, item_id)


@router.post(PAGE + "/items/{item_id}/rights")
def request_rights(
    request: Request, view: WorkspaceWrite, form: Form, item_id: uuid.UUID
) -> Response:
    try:
        wait_days = int(text(form, "wait_days", "14"))
    except ValueError:
        wait_days = 0
    data = rights.RequestInput(
        language=text(form, "language", "en"), text=text(form, "text"), wait_days=wait_days
    )
    with attempt(view.db) as errors:
        rights.request_rights(view.db, view.actor, item_id, data)
    if errors:
        return _render_item(
            request, view, item_id, form=form, form_errors=list(errors), status_code=422
        )
    return redirect(f"{view.base}{PAGE}/items/{item_id}", "requested")


@router.post(PAGE + "/items/{item_id}/tags")
def save_tags(view: WorkspaceWrite, form: Form, item_id: uuid.UUID) -> Response:
    tags = [t for t in text(form, "tags").split(",") if t.strip()]
    service.update_item(view.db, view.actor, item_id, tags=tags)
    return redirect(f"{view.base}{PAGE}/items/{item_id}", "tagged")


@router.post(PAGE + "/items/{item_id}/delete")
def delete_item(view: WorkspaceWrite, item_id: uuid.UUID) -> Response:
    service.delete_item(view.db, view.actor, item_id)
    return redirect(f"{view.base}{PAGE}", "deleted")


@router.post(PAGE + "/items/{item_id}/post")
def create_post(request: Request, view: WorkspaceWrite, form: Form, item_id: uuid.UUID) -> Response:
    """A draft credited to the creator, opened in the post editor."""
    channel_ids = [c for c in (_uuid(v) for v in texts(form, "channel_ids")) if c is not None]
    with attempt(view.db) as errors:
        created = service.create_post(view.db, view.actor, item_id, channel_ids, text(form, "text"))
    if errors:
        return _render_item(
            request, view, item_id, form=form, form_errors=list(errors), status_code=422
        )
    return redirect(f"{view.base}/posts/{created.post.id}", "draft_saved")


@router.post(PAGE + "/templates")
def save_template(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    """Save a request template (a shipped one saved here becomes the workspace's own)."""
    data = rights.TemplateInput(
        name=text(form, "name"),
        language=text(form, "language"),
        body=text(form, "body"),
        grant_keywords=[k for k in text(form, "grant_keywords").split(",") if k.strip()],
        refuse_keywords=[k for k in text(form, "refuse_keywords").split(",") if k.strip()],
    )
    with attempt(view.db) as errors:
        rights.save_template(view.db, view.actor, data, _uuid(text(form, "template_id")))
    if errors:
        return _render_board(request, view, form=form, form_errors=list(errors), status_code=422)
    return redirect(f"{view.base}{PAGE}", "template_saved")
