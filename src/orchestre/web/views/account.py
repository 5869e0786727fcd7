"""Pages for getting in and around: sign-in, first run, sign-out, language, workspace choice."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from zoneinfo import available_timezones

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from orchestre.config import Settings
from orchestre.deps import DB, SESSION_COOKIE, AppSettings, check_csrf
from orchestre.errors import NotFound, RateLimited, Unauthenticated
from orchestre.web import i18n
from orchestre.web.forms import Form, attempt, optional, redirect, text, toasts_for
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import (
    CsrfChecked,
    CurrentViewer,
    anonymous_language,
    client_ip,
    safe_next,
)
from orchestre.workspaces import auth
from orchestre.workspaces import service as workspaces

router = APIRouter()

# UTC first: a person or a workspace may choose it as much as any city.
TIMEZONES = [
    "UTC",
    *sorted(tz for tz in available_timezones() if "/" in tz and not tz.startswith("Etc/")),
]


def _set_session_cookie(response: Response, settings: Settings, raw: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )


@router.get("/", response_class=RedirectResponse)
def home(request: Request, db: DB, settings: AppSettings) -> Response:
    """Where someone lands: the first-run page, the sign-in page, or their workspace."""
    if workspaces.needs_owner(db):
        return RedirectResponse("/setup", status_code=303)
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return RedirectResponse("/login", status_code=303)
    try:
        user, web_session = auth.resolve_web_session(db, settings, raw)
    except Unauthenticated:
        return RedirectResponse("/login", status_code=303)
    memberships = workspaces.workspaces_of(db, user.id)
    ids = [ws.id for ws, _membership in memberships]
    if not ids:
        return RedirectResponse("/workspaces/new", status_code=303)
    target = web_session.current_workspace_id if web_session.current_workspace_id in ids else ids[0]
    return RedirectResponse(f"/w/{target}/posts", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, db: DB, settings: AppSettings) -> Response:
    anonymous_language(request, settings)
    if workspaces.needs_owner(db):
        return RedirectResponse("/setup", status_code=303)
    notice = _("You are signed out.") if request.query_params.get("signed_out") else None
    return render(
        request,
        "auth/login.html",
        {"next": safe_next(request.query_params.get("next")), "notice": notice},
    )


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: Form, settings: AppSettings) -> Response:
    anonymous_language(request, settings)
    email = text(form, "email").strip()
    next_url = safe_next(text(form, "next"))
    factory = request.app.state.session_factory
    try:
        signed_in = auth.sign_in(
            factory, settings, email, text(form, "password"), client_ip(request)
        )
    except RateLimited:
        error = _("Too many failed sign-in attempts. Wait a few minutes and try again.")
        return render(
            request,
            "auth/login.html",
            {"error": error, "email": email, "next": next_url},
            status_code=429,
        )
    except Unauthenticated:
        error = _("Wrong email or password. Check both and try again.")
        return render(
            request,
            "auth/login.html",
            {"error": error, "email": email, "next": next_url},
            status_code=401,
        )
    response = RedirectResponse(next_url, status_code=303)
    _set_session_cookie(response, settings, signed_in.cookie_value)
    return response


@router.post("/logout")
def logout(request: Request, db: DB, viewer: CsrfChecked) -> Response:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        auth.close_session(db, raw)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _setup_context(
    form: dict[str, str], errors: Sequence[object] | None = None
) -> dict[str, object]:
    return {
        "form": form,
        "errors": errors or [],
        "timezones": TIMEZONES,
        "default_timezone": "Europe/Paris" if i18n.current().locale == "fr" else "UTC",
    }


@router.get("/setup", response_class=HTMLResponse)
def setup_page(request: Request, db: DB, settings: AppSettings) -> Response:
    anonymous_language(request, settings)
    if not workspaces.needs_owner(db):
        return RedirectResponse("/login", status_code=303)
    return render(request, "auth/setup.html", _setup_context({}))


@router.post("/setup", response_class=HTMLResponse)
def setup(request: Request, db: DB, form: Form, settings: AppSettings) -> Response:
    language = anonymous_language(request, settings)
    if not workspaces.needs_owner(db):
        return RedirectResponse("/login", status_code=303)
    values = {k: text(form, k) for k in ("name", "email", "workspace", "timezone")}
    with attempt(db) as errors:
        user, workspace = workspaces.set_up(
            db,
            values["email"],
            values["name"],
            text(form, "password"),
            values["workspace"],
            # No choice sent (no script, no selection): the owner has no zone of their own.
            timezone=values["timezone"] or None,
            locale=language.locale,
        )
        raw, web_session = auth.open_session(db, settings, user)
        workspaces.set_current_workspace(db, web_session, workspace.id)
    if errors:
        return render(request, "auth/setup.html", _setup_context(values, errors), status_code=422)
    response = redirect(f"/w/{workspace.id}/posts", "workspace_created")
    _set_session_cookie(response, settings, raw)
    return response


@router.post("/language")
def change_language(request: Request, db: DB, form: Form, settings: AppSettings) -> Response:
    """Signed in: saved as the person's preference. Signed out: remembered in a cookie."""
    locale = i18n.supported(text(form, "locale")) or settings.default_locale
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        try:
            user, web_session = auth.resolve_web_session(db, settings, raw)
        except Unauthenticated:
            user = None
        if user is not None:
            check_csrf(request, web_session, optional(form, "csrf_token"))
            workspaces.update_profile(db, user, locale=locale)
    response = redirect(safe_next(text(form, "next")))
    response.set_cookie(
        i18n.LOCALE_COOKIE,
        locale,
        max_age=365 * 24 * 3600,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/workspaces/switch")
def switch_workspace(db: DB, form: Form, viewer: CsrfChecked) -> Response:
    try:
        workspace_id = uuid.UUID(text(form, "workspace_id"))
    except ValueError as exc:
        raise NotFound("Workspace not found.", code="workspace_not_found") from exc
    workspaces.set_current_workspace(db, viewer.web_session, workspace_id)
    return redirect(f"/w/{workspace_id}/posts")


@router.get("/workspaces/new", response_class=HTMLResponse)
def new_workspace_page(request: Request, viewer: CurrentViewer) -> Response:
    return render(
        request,
        "workspaces/new.html",
        {
            "form": {},
            "errors": [],
            "timezones": TIMEZONES,
            "csrf_token": viewer.csrf_token,
            "user": viewer.user,
            "has_workspace": bool(workspaces.workspaces_of(viewer.db, viewer.user.id)),
            "toasts": toasts_for(request),
        },
    )


@router.post("/workspaces/new", response_class=HTMLResponse)
def create_workspace(request: Request, db: DB, form: Form, viewer: CsrfChecked) -> Response:
    values = {k: text(form, k) for k in ("name", "timezone")}
    with attempt(db) as errors:
        workspace = workspaces.create_workspace(
            db,
            viewer.user,
            values["name"],
            timezone=values["timezone"] or "UTC",
            locale=viewer.language.locale,
        )
        workspaces.set_current_workspace(db, viewer.web_session, workspace.id)
    if errors:
        return render(
            request,
            "workspaces/new.html",
            {
                "form": values,
                "errors": errors,
                "timezones": TIMEZONES,
                "csrf_token": viewer.csrf_token,
                "user": viewer.user,
                "has_workspace": bool(workspaces.workspaces_of(db, viewer.user.id)),
            },
            status_code=422,
        )
    return redirect(f"/w/{workspace.id}/posts", "workspace_created")
