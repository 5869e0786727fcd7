"""What every workspace page shows around its content: navigation, channels, counts, user menu."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from orchestre.approvals import service as approvals
from orchestre.channels import service as channels
from orchestre.inbox import service as inbox
from orchestre.inbox.repository import ConversationFilters
from orchestre.models import Channel, ChannelStatus
from orchestre.moderation import crisis
from orchestre.publishing import service as publishing
from orchestre.web.forms import toasts_for
from orchestre.web.i18n import gettext as _
from orchestre.web.session import WorkspaceView
from orchestre.workspaces import notifications
from orchestre.workspaces import service as workspaces
from orchestre.workspaces.permissions import Permission


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    icon: str
    url: str
    active: bool
    count: int = 0


def _nav(view: WorkspaceView, section: str, queue_count: int) -> list[NavItem]:
    base = view.base
    items = [
        ("calendar", _("Calendar"), "calendar", f"{base}/calendar", 0),
        ("compose", _("Compose"), "compose", f"{base}/posts/new", 0),
        ("posts", _("Posts"), "posts", f"{base}/posts", 0),
        ("media", _("Media library"), "posts", f"{base}/media", 0),
        ("approvals", _("Approvals"), "approvals", f"{base}/approvals", queue_count),
        (
            "publishing",
            _("Publishing"),
            "send",
            f"{base}/publishing",
            publishing.attention_count(view.db, view.workspace.id),
        ),
        ("inbox", _("Inbox"), "inbox", f"{base}/inbox", _new_conversations(view)),
        ("moderation", _("Moderation"), "shield", f"{base}/moderation", 0),
        ("crisis", _("Crisis"), "alert", f"{base}/crisis", _active_alerts(view)),
        ("analytics", _("Analytics"), "analytics", f"{base}/analytics", 0),
        ("reports", _("Reports"), "posts", f"{base}/reports", 0),
        ("experiments", _("Experiments"), "analytics", f"{base}/experiments", 0),
        ("listening", _("Listening"), "listening", f"{base}/listening", 0),
        ("competitors", _("Competitors"), "analytics", f"{base}/competitors", 0),
        ("ugc", _("UGC"), "user", f"{base}/ugc", 0),
        ("contests", _("Contests"), "campaigns", f"{base}/contests", 0),
        ("campaigns", _("Campaigns"), "campaigns", f"{base}/campaigns", 0),
        ("settings", _("Settings"), "settings", f"{base}/settings", 0),
    ]
    return [
        NavItem(key, label, icon, url, key == section, count)
        for key, label, icon, url, count in items
    ]


def _new_conversations(view: WorkspaceView) -> int:
    if not view.can(Permission.INBOX_VIEW):
        return 0
    return inbox.status_counts(view.db, view.actor, ConversationFilters()).get("new", 0)


def _active_alerts(view: WorkspaceView) -> int:
    if not view.can(Permission.INBOX_VIEW):
        return 0
    return len(crisis.list_alerts(view.db, view.actor, status="active", limit=20).items)


def list_channels(view: WorkspaceView) -> list[Channel]:
    """The workspace's channels, disconnected ones left out (nothing can be published there)."""
    page = channels.list_channels(view.db, view.actor, limit=200)
    return [c for c in page.items if c.status != ChannelStatus.DISCONNECTED.value]


def shell_context(request: Request, view: WorkspaceView, section: str) -> dict[str, Any]:
    """The template context of the app layout; pages add their own keys to it."""
    queue = approvals.queue_for(view.db, view.actor) if view.can(Permission.POSTS_APPROVE) else []
    _page, unread = notifications.list_notifications(
        view.db, view.user, workspace_id=view.workspace.id, unread_only=True, limit=1
    )
    members = workspaces.list_members(view.db, view.actor, limit=200).items
    shell = {
        "workspace": view.workspace,
        "workspaces": [ws for ws, _membership in workspaces.workspaces_of(view.db, view.user.id)],
        "user": view.user,
        "base": view.base,
        "nav": _nav(view, section, len(queue)),
        "channels": list_channels(view),
        "unread_notifications": unread,
        "member_count": len(members),
        "can_create_workspace": True,
        "query": request.query_params.get("q"),
        "pause": (
            publishing.workspace_pause(view.db, view.workspace.id)
            if view.workspace.crisis_mode
            else None
        ),
    }
    return {
        "shell": shell,
        "csrf_token": view.viewer.csrf_token,
        "actor": view.actor,
        "can": view.can,
        "P": Permission,
        "base": view.base,
        "toasts": toasts_for(request),
    }
