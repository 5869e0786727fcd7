"""Who is looking at a page: the signed-in person, their language, the workspace and its actor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.deps import DB, SESSION_COOKIE, AppSettings, check_csrf
from orchestre.errors import Unauthenticated
from orchestre.models import User, WebSession, Workspace
from orchestre.web import i18n
from orchestre.workspaces import auth
from orchestre.workspaces import service as workspaces
from orchestre.workspaces.permissions import Actor, Permission


class SignInRequired(Exception):
    """A page needs a signed-in person: the handler redirects to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def sign_in_url(request: Request) -> str:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return "/login?next=" + quote(target, safe="")


def safe_next(value: str | None) -> str:
    """Only a path on this site: an outside URL in ?next= would make an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def anonymous_language(request: Request, settings: Settings) -> i18n.Language:
    language = i18n.current()
    language.locale = i18n.negotiate(
        None,
        request.cookies.get(i18n.LOCALE_COOKIE),
        request.headers.get("accept-language"),
        settings.default_locale,
    )
    language.resolved = True
    return language


def page_language(request: Request, settings: AppSettings) -> i18n.Language:
    return anonymous_language(request, settings)


@dataclass
class Viewer:
    """A signed-in person looking at a page."""

    request: Request
    db: Session
    settings: Settings
    user: User
    web_session: WebSession
    language: i18n.Language

    @property
    def csrf_token(self) -> str:
        return self.web_session.csrf_token


def current_viewer(request: Request, db: DB, settings: AppSettings) -> Viewer:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        raise SignInRequired(sign_in_url(request))
    try:
        user, web_session = auth.resolve_web_session(db, settings, raw)
    except Unauthenticated as exc:
        raise SignInRequired(sign_in_url(request)) from exc
    language = anonymous_language(request, settings)
    language.locale = i18n.negotiate(
        user.locale,
        request.cookies.get(i18n.LOCALE_COOKIE),
        request.headers.get("accept-language"),
        settings.default_locale,
    )
    # Outside a workspace, a person who never chose a zone sees UTC; workspace_view refines it.
    language.timezone = user.timezone or "UTC"
    return Viewer(request, db, settings, user, web_session, language)


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


@dataclass
class WorkspaceView:
    """A signed-in member looking at one of their workspaces."""

    viewer: Viewer
    workspace: Workspace
    actor: Actor

    @property
    def db(self) -> Session:
        return self.viewer.db

    @property
    def user(self) -> User:
        return self.viewer.user

    def can(self, permission: Permission) -> bool:
        return self.actor.can(permission)

    @property
    def base(self) -> str:
        return f"/w/{self.workspace.id}"


def workspace_view(workspace_id: uuid.UUID, viewer: CurrentViewer) -> WorkspaceView:
    # A workspace one does not belong to is a 404, exactly as in the JSON API.
    actor = auth.actor_for(viewer.db, viewer.user.id, workspace_id)
    workspace, _membership = workspaces.get_workspace(viewer.db, actor)
    # A person who never chose a zone sees the workspace's, where its posts are planned.
    viewer.language.timezone = viewer.user.timezone or workspace.timezone
    return WorkspaceView(viewer, workspace, actor)


CurrentWorkspace = Annotated[WorkspaceView, Depends(workspace_view)]


async def csrf_checked(request: Request, viewer: CurrentViewer) -> Viewer:
    """Refuse a form or htmx write that does not carry this session's CSRF token."""
    check_csrf(request, viewer.web_session, await _form_token(request))
    return viewer


CsrfChecked = Annotated[Viewer, Depends(csrf_checked)]


async def _form_token(request: Request) -> str | None:
    if "form" not in request.headers.get("content-type", ""):
        return None
    value = (await request.form()).get("csrf_token")
    return value if isinstance(value, str) else None


async def csrf_workspace(request: Request, view: CurrentWorkspace) -> WorkspaceView:
    """A write in a workspace: member, and the form or htmx header carries the CSRF token."""
    check_csrf(request, view.viewer.web_session, await _form_token(request))
    return view


WorkspaceWrite = Annotated[WorkspaceView, Depends(csrf_workspace)]
