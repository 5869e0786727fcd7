"""Areas that later issues fill in: each gets an honest empty state with the one useful action."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.web.forms import redirect
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.workspaces import notifications
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")


def _area(
    request: Request,
    view: WorkspaceView,
    section: str,
    title: str,
    icon: str,
    heading: str,
    text: str,
    bullets: list[str],
) -> Response:
    context = shell_context(request, view, section)
    can_write = view.can(Permission.POSTS_CREATE)
    context.update(
        title=title,
        icon=icon,
        heading=heading,
        text=text,
        bullets=bullets,
        action_url=f"{view.base}/posts/new" if can_write else f"{view.base}/posts",
        action_label=_("Create a post") if can_write else _("See the posts"),
    )
    return render(request, "areas/empty.html", context)


@router.get("/listening", response_class=HTMLResponse)
def listening(request: Request, view: CurrentWorkspace) -> Response:
    return _area(
        request,
        view,
        "listening",
        _("Listening"),
        "listening",
        _("Follow what people say about your brand"),
        _("Track keywords, hashtags and competitors; spot trends and your share of voice."),
        [
            _("Bursts of terms and topics are detected automatically."),
            _("Competitor benchmarks compare your results with theirs."),
        ],
    )


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
