"""JSON routes of the workspaces domain: sign-in, first run, me, workspaces, members, tokens."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.orm import Session, sessionmaker

from orchestre.apischema import problems
from orchestre.config import Settings
from orchestre.deps import (
    DB,
    SESSION_COOKIE,
    AppSettings,
    CurrentActor,
    CurrentPrincipal,
    CursorQuery,
    LimitQuery,
    Principal,
    check_csrf,
    get_session_factory,
    optional_principal,
)
from orchestre.errors import Forbidden
from orchestre.models import Membership, User, Workspace
from orchestre.workspaces import auth, notifications, schemas, service
from orchestre.workspaces.permissions import Role, permissions_of

router = APIRouter()

Factory = Annotated[sessionmaker[Session], Depends(get_session_factory)]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _set_session_cookie(response: Response, settings: Settings, raw: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=settings.session_max_age_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def _my_workspace(workspace: Workspace, membership: Membership) -> schemas.MyWorkspace:
    granted = permissions_of(frozenset(Role(r) for r in membership.roles))
    return schemas.MyWorkspace(
        **schemas.Workspace.model_validate(workspace).model_dump(),
        membership_id=membership.id,
        roles=list(membership.roles),
        permissions=sorted(p.value for p in granted),
    )


def _member(membership: Membership, user: User) -> schemas.Member:
    return schemas.Member(
        id=membership.id,
        user_id=user.id,
        email=user.email,
        name=user.name,
        roles=list(membership.roles),
        joined_at=membership.created_at,
    )


# Sign-in --------------------------------------------------------------------------------------


@router.post(
    "/auth/login",
    response_model=schemas.SessionCreated,
    tags=["auth"],
    responses=problems(400, 401, 422, 429, in_workspace=False),
)
def login(
    body: schemas.SessionCreate,
    request: Request,
    response: Response,
    factory: Factory,
    settings: AppSettings,
) -> schemas.SessionCreated:
    """Sign in: sets the session cookie and returns the CSRF token for writes."""
    signed = auth.sign_in(factory, settings, body.email, body.password, _client_ip(request))
    _set_session_cookie(response, settings, signed.cookie_value)
    return schemas.SessionCreated(
        user=schemas.User.model_validate(signed.user), csrf_token=signed.web_session.csrf_token
    )


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    tags=["auth"],
    responses=problems(400, 403, 422, in_workspace=False),
)
def logout(request: Request, db: DB, settings: AppSettings, principal: MaybePrincipal) -> Response:
    """End this web session and forget its cookie (harmless when already signed out)."""
    raw = request.cookies.get(SESSION_COOKIE)
    if principal is not None and principal.web_session is not None and raw:
        check_csrf(request, principal.web_session)
        auth.close_session(db, raw)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure
    )
    return response


# First run ------------------------------------------------------------------------------------


@router.get("/setup", response_model=schemas.Setup, tags=["setup"])
def setup_state(db: DB) -> schemas.Setup:
    """Whether Orchestre still waits for its first account."""
    return schemas.Setup(needs_owner=service.needs_owner(db))


@router.post(
    "/setup",
    response_model=schemas.SetupDone,
    status_code=status.HTTP_201_CREATED,
    tags=["setup"],
    responses=problems(400, 409, 422, in_workspace=False),
)
def setup(
    body: schemas.SetupCreate, db: DB, response: Response, settings: AppSettings
) -> schemas.SetupDone:
    """Create the first account as owner of a first workspace, and sign it in."""
    user, workspace = service.set_up(
        db, body.email, body.name, body.password, body.workspace_name, body.timezone, body.locale
    )
    raw, web_session = auth.open_session(db, settings, user)
    _set_session_cookie(response, settings, raw)
    return schemas.SetupDone(
        user=schemas.User.model_validate(user),
        workspace=schemas.Workspace.model_validate(workspace),
        csrf_token=web_session.csrf_token,
    )


# Me -------------------------------------------------------------------------------------------


@router.get(
    "/me",
    response_model=schemas.User,
    tags=["me"],
    responses=problems(400, 401, 422, in_workspace=False),
)
def me(principal: CurrentPrincipal) -> schemas.User:
    return schemas.User.model_validate(principal.user)


@router.patch(
    "/me",
    response_model=schemas.User,
    tags=["me"],
    responses=problems(400, 401, 403, 422, in_workspace=False),
)
def update_me(body: schemas.UserUpdate, principal: CurrentPrincipal, db: DB) -> schemas.User:
    """Change my name, language or time zone."""
    user = service.update_profile(db, principal.user, **body.model_dump(exclude_unset=True))
    return schemas.User.model_validate(user)


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    tags=["me"],
    responses=problems(400, 401, 403, 422, in_workspace=False),
)
def change_password(body: schemas.PasswordUpdate, principal: CurrentPrincipal, db: DB) -> Response:
    """Change my password; every other web session of mine ends."""
    keep = principal.web_session.id if principal.web_session else None
    service.change_password(db, principal.user, body.current_password, body.new_password, keep)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _token_workspace(principal: Principal) -> uuid.UUID | None:
    # A token sees only its own workspace, even among a person's notifications.
    return principal.token.workspace_id if principal.token else None


@router.get(
    "/me/notifications",
    response_model=schemas.NotificationPage,
    tags=["me"],
    responses=problems(400, 401, 422, in_workspace=False),
)
def list_notifications(
    principal: CurrentPrincipal,
    db: DB,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    unread_only: bool = False,
) -> schemas.NotificationPage:
    """My notifications, newest first, with the unread count."""
    page, unread = notifications.list_notifications(
        db,
        principal.user,
        workspace_id=_token_workspace(principal),
        unread_only=unread_only,
        cursor=cursor,
        limit=limit,
    )
    items = [schemas.Notification.model_validate(n) for n in page.items]
    return schemas.NotificationPage(items=items, next_cursor=page.next_cursor, unread=unread)


@router.post(
    "/me/notifications/read",
    response_model=schemas.NotificationsUnread,
    tags=["me"],
    responses=problems(400, 401, 403, 404, 422, in_workspace=False),
)
def read_notifications(
    body: schemas.NotificationReadCreate, principal: CurrentPrincipal, db: DB
) -> schemas.NotificationsUnread:
    """Mark the given notifications read, or all with {"all": true}."""
    unread = notifications.mark_notifications_read(
        db,
        principal.user,
        None if body.all else body.ids,
        workspace_id=_token_workspace(principal),
    )
    return schemas.NotificationsUnread(unread=unread)


# Workspaces -----------------------------------------------------------------------------------


@router.get(
    "/workspaces",
    response_model=schemas.WorkspacePage,
    tags=["workspaces"],
    responses=problems(400, 401, 422, in_workspace=False),
)
def list_workspaces(
    principal: CurrentPrincipal, db: DB, cursor: CursorQuery = None, limit: LimitQuery = 50
) -> schemas.WorkspacePage:
    """The workspaces I belong to, with my roles (a token sees only its own)."""
    page = service.list_workspaces(
        db, principal.user.id, only=_token_workspace(principal), cursor=cursor, limit=limit
    )
    items = [_my_workspace(ws, m) for ws, m in page.items]
    return schemas.WorkspacePage(items=items, next_cursor=page.next_cursor)


@router.post(
    "/workspaces",
    response_model=schemas.MyWorkspace,
    status_code=status.HTTP_201_CREATED,
    tags=["workspaces"],
    responses=problems(400, 401, 403, 409, 422, in_workspace=False),
)
def create_workspace(
    body: schemas.WorkspaceCreate, principal: CurrentPrincipal, db: DB
) -> schemas.MyWorkspace:
    """Create a workspace; I become its owner."""
    if principal.token is not None:
        raise Forbidden(
            "An API token acts in one workspace only; create workspaces while signed in.",
            code="token_scope",
        )
    workspace = service.create_workspace(db, principal.user, body.name, body.timezone, body.locale)
    actor = principal.actor(db, workspace.id)
    _, membership = service.get_workspace(db, actor)
    return _my_workspace(workspace, membership)


@router.get(
    "/workspaces/{workspace_id}",
    response_model=schemas.MyWorkspace,
    tags=["workspaces"],
    responses=problems(400, 422),
)
def get_workspace(actor: CurrentActor, db: DB) -> schemas.MyWorkspace:
    workspace, membership = service.get_workspace(db, actor)
    return _my_workspace(workspace, membership)


@router.patch(
    "/workspaces/{workspace_id}",
    response_model=schemas.MyWorkspace,
    tags=["workspaces"],
    responses=problems(400, 409, 422),
)
def update_workspace(
    body: schemas.WorkspaceUpdate, actor: CurrentActor, db: DB
) -> schemas.MyWorkspace:
    """Rename the workspace or change its time zone or language."""
    service.update_workspace(db, actor, **body.model_dump(exclude_unset=True))
    workspace, membership = service.get_workspace(db, actor)
    return _my_workspace(workspace, membership)


# Members --------------------------------------------------------------------------------------


@router.get(
    "/workspaces/{workspace_id}/members",
    response_model=schemas.MemberPage,
    tags=["members"],
    responses=problems(400, 422),
)
def list_members(
    actor: CurrentActor, db: DB, cursor: CursorQuery = None, limit: LimitQuery = 50
) -> schemas.MemberPage:
    page = service.list_members(db, actor, cursor, limit)
    return schemas.MemberPage(
        items=[_member(m, u) for m, u in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/workspaces/{workspace_id}/members",
    response_model=schemas.Member,
    status_code=status.HTTP_201_CREATED,
    tags=["members"],
    responses=problems(400, 409, 422),
)
def add_member(body: schemas.MemberCreate, actor: CurrentActor, db: DB) -> schemas.Member:
    """Add a person by email; with name and password, create their account first."""
    membership, user = service.add_member(
        db, actor, body.email, body.roles, body.name, body.password
    )
    return _member(membership, user)


@router.patch(
    "/workspaces/{workspace_id}/members/{membership_id}",
    response_model=schemas.Member,
    tags=["members"],
    responses=problems(400, 409, 422),
)
def change_roles(
    membership_id: uuid.UUID, body: schemas.MemberUpdate, actor: CurrentActor, db: DB
) -> schemas.Member:
    """Replace a member's roles (the last owner stays an owner)."""
    membership, user = service.change_roles(db, actor, membership_id, body.roles)
    return _member(membership, user)


@router.delete(
    "/workspaces/{workspace_id}/members/{membership_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    tags=["members"],
    responses=problems(400, 409, 422),
)
def remove_member(membership_id: uuid.UUID, actor: CurrentActor, db: DB) -> Response:
    """Remove a member (not the last owner); their tokens here are revoked."""
    service.remove_member(db, actor, membership_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# API tokens -----------------------------------------------------------------------------------


@router.get(
    "/workspaces/{workspace_id}/tokens",
    response_model=schemas.ApiTokenPage,
    tags=["tokens"],
    responses=problems(400, 422),
)
def list_tokens(
    actor: CurrentActor,
    db: DB,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    everyone: Annotated[bool, Query(description="Every member's tokens (members.manage)")] = False,
) -> schemas.ApiTokenPage:
    """My API tokens in this workspace, newest first (never the token itself)."""
    page = service.list_tokens(db, actor, everyone=everyone, cursor=cursor, limit=limit)
    return schemas.ApiTokenPage(
        items=[schemas.ApiToken.model_validate(t) for t in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/workspaces/{workspace_id}/tokens",
    response_model=schemas.ApiTokenCreated,
    status_code=status.HTTP_201_CREATED,
    tags=["tokens"],
    responses=problems(400, 422),
)
def issue_token(
    body: schemas.ApiTokenCreate, actor: CurrentActor, db: DB
) -> schemas.ApiTokenCreated:
    """Create a personal API token for this workspace; the token is shown only here."""
    raw, token = service.issue_token(db, actor, body.name, body.expires_at)
    return schemas.ApiTokenCreated(**schemas.ApiToken.model_validate(token).model_dump(), token=raw)


@router.delete(
    "/workspaces/{workspace_id}/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    tags=["tokens"],
    responses=problems(400, 422),
)
def revoke_token(token_id: uuid.UUID, actor: CurrentActor, db: DB) -> Response:
    """Revoke a token: mine, or anyone's with members.manage. It stops working at once."""
    service.revoke_token(db, actor, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
