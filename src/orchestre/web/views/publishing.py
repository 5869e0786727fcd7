"""The publishing page: the crisis pause, what needs a person, what failed, what comes next."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.publishing import service as publishing
from orchestre.web.forms import Form, optional, redirect, text
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceWrite
from orchestre.web.shell import shell_context

router = APIRouter(prefix="/w/{workspace_id}")


def _back(view: CurrentWorkspace | WorkspaceWrite, form_next: str | None) -> str:
    # Only a page of this workspace: never an address from elsewhere.
    if form_next and form_next.startswith(view.base + "/"):
        return form_next
    return f"{view.base}/publishing"


@router.get("/publishing", response_class=HTMLResponse)
def page(request: Request, view: CurrentWorkspace) -> Response:
    context = shell_context(request, view, "publishing")
    lists = {
        state: publishing.list_publications(view.db, view.actor, state=state, limit=50).items
        for state in ("needs_attention", "failed", "scheduled", "sending", "claimed")
    }
    context.update(
        status=publishing.status(view.db, view.actor),
        lists=lists,
        variants=publishing.variants_for([p for rows in lists.values() for p in rows], view.db),
    )
    return render(request, "publishing/page.html", context)


@router.post("/publishing/pause")
def pause(view: WorkspaceWrite, form: Form) -> Response:
    channel = optional(form, "channel_id")
    publishing.pause(
        view.db,
        view.actor,
        channel_id=uuid.UUID(channel) if channel else None,
        reason=text(form, "reason"),
    )
    return redirect(_back(view, optional(form, "next")), "paused")


@router.post("/publishing/resume")
def resume(view: WorkspaceWrite, form: Form) -> Response:
    channel = optional(form, "channel_id")
    publishing.resume(view.db, view.actor, channel_id=uuid.UUID(channel) if channel else None)
    return redirect(_back(view, optional(form, "next")), "resumed")


@router.post("/publishing/{publication_id}/publish-now")
def publish_now(view: WorkspaceWrite, publication_id: uuid.UUID) -> Response:
    publishing.publish_now(view.db, view.actor, publication_id)
    return redirect(f"{view.base}/publishing", "publishing_again")
