"""Settings page of outgoing webhooks: endpoints (secret shown once) and the delivery log."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.delivery import service as webhooks
from orchestre.delivery.webhooks import EVENTS
from orchestre.kit.keys import secret_box
from orchestre.web.forms import Form, attempt, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/settings/webhooks"


def event_labels() -> dict[str, str]:
    return {
        "publication.failed": _("A publication failed"),
        "publication.needs_attention": _("A publication needs a person"),
        "publication.published": _("A publication went out"),
        "channel.needs_reconnection": _("A channel needs reconnecting"),
        "inbox.response_overdue": _("A conversation missed its first-response target"),
        "moderation.escalated": _("A moderation rule escalated a message"),
        "crisis.alert": _("A crisis alert was raised"),
    }


def _page(request: Request, view: WorkspaceView, status_code: int = 200, **extra: Any) -> Response:
    endpoints = webhooks.list_endpoints(view.db, view.actor)
    log = webhooks.list_deliveries(view.db, view.actor, limit=30).items
    context = shell_context(request, view, "settings")
    context.update(
        tab="webhooks",
        errors=[],
        endpoints=endpoints,
        deliveries=log,
        urls={e.id: e.url for e in endpoints},
        events=EVENTS,
        event_labels=event_labels(),
        form={"url": "", "description": "", "events": list(EVENTS[:2])},
    )
    context.update(extra)
    return render(request, "settings/webhooks.html", context, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
def page(request: Request, view: CurrentWorkspace) -> Response:
    return _page(request, view)


@router.post(PAGE, response_class=HTMLResponse)
def create(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    url, description = text(form, "url").strip(), text(form, "description")
    events = texts(form, "events")
    box = secret_box(view.viewer.settings)
    with attempt(view.db) as errors:
        created = webhooks.create_endpoint(
            view.db, view.actor, box, url=url, events=events, description=description
        )
    if errors:
        values = {"url": url, "description": description, "events": events}
        return _page(request, view, 422, errors=errors, form=values)
    # The secret is shown on this response only: it is stored encrypted, so no redirect.
    return _page(request, view, new_secret=created.secret, new_url=created.endpoint.url)


@router.post(PAGE + "/{endpoint_id}/toggle", response_class=HTMLResponse)
def toggle(view: WorkspaceWrite, endpoint_id: uuid.UUID) -> Response:
    row = webhooks.get_endpoint(view.db, view.actor, endpoint_id)
    webhooks.update_endpoint(view.db, view.actor, endpoint_id, enabled=not row.enabled)
    return redirect(f"{view.base}{PAGE}", "settings_saved")


@router.post(PAGE + "/{endpoint_id}/rotate", response_class=HTMLResponse)
def rotate(request: Request, view: WorkspaceWrite, endpoint_id: uuid.UUID) -> Response:
    box = secret_box(view.viewer.settings)
    rotated = webhooks.rotate_secret(view.db, view.actor, box, endpoint_id)
    return _page(request, view, new_secret=rotated.secret, new_url=rotated.endpoint.url)


@router.post(PAGE + "/{endpoint_id}/delete", response_class=HTMLResponse)
def delete(view: WorkspaceWrite, endpoint_id: uuid.UUID) -> Response:
    webhooks.delete_endpoint(view.db, view.actor, endpoint_id)
    return redirect(f"{view.base}{PAGE}", "settings_saved")
