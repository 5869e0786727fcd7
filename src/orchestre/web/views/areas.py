"""Pages of the shell that belong to no domain: the notifications list."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.web.forms import redirect
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.workspaces import notifications

router = APIRouter(prefix="/w/{workspace_id}")


@router.get("/notifications", response_class=HTMLResponse)
def notification_list(request: Request, view: CurrentWorkspace) -> Response:
    page, unread = notifications.list_notifications(
        view.db, view.user, workspace_id=view.workspace.id, limit=100
    )
    context = shell_context(request, view, "notifications")
    context.update(notifications=page.items, unread=unread)
    return render(request, "areas/notifications.html", context)


@router.post("/notifications/read")
def read_notifications(view: WorkspaceWrite) -> Response:
    notifications.mark_notifications_read(view.db, view.user, None, workspace_id=view.workspace.id)
    return redirect(f"{view.base}/notifications")
