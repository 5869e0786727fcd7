"""Request-scoped dependencies shared by JSON routes and pages: transaction and identity."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.errors import Forbidden, NotFound, Unauthenticated
from orchestre.kit.crypto import constant_time_equals
from orchestre.kit.db import transaction
from orchestre.kit.pagination import MAX_LIMIT
from orchestre.models import ApiToken, User, WebSession
from orchestre.workspaces import auth
from orchestre.workspaces.permissions import Actor

SESSION_COOKIE = "orchestre_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_db(request: Request) -> Iterator[Session]:
    """One request, one transaction: committed when the route returns, rolled back on error."""
    with transaction(get_session_factory(request)) as session:
        yield session


# scope="function": commit BEFORE the response is sent, so a failed commit is an error
# the client sees, never a 2xx for work that was not saved.
DB = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
# ?cursor=&limit= of every list.
CursorQuery = Annotated[str | None, Query(description="next_cursor of the previous page")]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a person through a web session or through an API token."""

    user: User
    web_session: WebSession | None = None
    token: ApiToken | None = None

    def actor(self, session: Session, workspace_id: uuid.UUID) -> Actor:
        if self.token is not None and self.token.workspace_id != workspace_id:
            # A token is scoped to one workspace: any other one does not exist for it.
            raise NotFound("Workspace not found.", code="workspace_not_found")
        token_id = self.token.id if self.token else None
        return auth.actor_for(session, self.user.id, workspace_id, token_id)


# Declared so the OpenAPI document (and /api/docs' Authorize button) shows how to send a
# token; auto_error=False because a web session cookie is the other way in.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="A personal API token (orc_…), created in Settings → API tokens.",
)
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def check_csrf(request: Request, web_session: WebSession, form_token: str | None = None) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER) or form_token or ""
    if not sent or not constant_time_equals(sent, web_session.csrf_token):
        raise Forbidden(
            "The form has expired or did not come from Orchestre. Reload the page and try again.",
            code="csrf_failed",
        )


def optional_principal(
    request: Request, db: DB, settings: AppSettings, credentials: BearerCredentials
) -> Principal | None:
    raw_token = credentials.credentials.strip() if credentials else None
    if raw_token:
        user, token = auth.resolve_api_token(db, raw_token)
        return Principal(user=user, token=token)
    raw_cookie = request.cookies.get(SESSION_COOKIE)
    if raw_cookie:
        try:
            user, web_session = auth.resolve_web_session(db, settings, raw_cookie)
        except Unauthenticated as exc:
            # Kept so that the JSON API can say the session expired, not just "sign in".
            request.state.session_error = exc
            return None
        return Principal(user=user, web_session=web_session)
    return None


def api_principal(
    request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]
) -> Principal:
    """For JSON routes: a bearer token, or a web session with its CSRF header on writes."""
    if principal is None:
        expired: Unauthenticated | None = getattr(request.state, "session_error", None)
        if expired is not None:
            raise expired
        raise Unauthenticated(
            "Sign in, or send an API token as 'Authorization: Bearer <token>'.",
            code="unauthenticated",
        )
    if principal.web_session is not None:
        check_csrf(request, principal.web_session)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(api_principal)]


def workspace_actor(workspace_id: uuid.UUID, principal: CurrentPrincipal, db: DB) -> Actor:
    return principal.actor(db, workspace_id)


CurrentActor = Annotated[Actor, Depends(workspace_actor)]
