"""The approval queue: posts waiting for this person's decision, answered in place with htmx."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.approvals import service as approvals
from orchestre.web.forms import Form, attempt, redirect, text
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceWrite
from orchestre.web.shell import shell_context

router = APIRouter(prefix="/w/{workspace_id}")


@router.get("/approvals", response_class=HTMLResponse)
def queue(request: Request, view: CurrentWorkspace) -> Response:
    context = shell_context(request, view, "approvals")
    context.update(
        items=approvals.queue_for(view.db, view.actor),
        steps=approvals.list_steps(view.db, view.actor),
    )
    return render(request, "approvals/queue.html", context)


@router.post("/approvals/{post_id}/decide", response_class=HTMLResponse)
def decide(request: Request, view: WorkspaceWrite, post_id: uuid.UUID, form: Form) -> Response:
    decision: Literal["approved", "changes_requested"] = (
        "changes_requested" if text(form, "decision") == "changes_requested" else "approved"
    )
    comment = text(form, "comment")
    with attempt(view.db) as errors:
        review = approvals.decide(view.db, view.actor, post_id, decision, comment)
    if not request.headers.get("hx-request"):
        return redirect(f"{view.base}/approvals", None if errors else "decided")
    context = shell_context(request, view, "approvals")
    if errors:
        item = next(
            (i for i in approvals.queue_for(view.db, view.actor) if i.post_id == post_id), None
        )
        context.update(item=item, errors=errors, comment=comment)
        return render(request, "approvals/_item.html", context, status_code=422)
    context.update(post_id=post_id, decision=decision, review=review)
    return render(request, "approvals/_decided.html", context)
