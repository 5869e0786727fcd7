"""Web pages: mounting the static files, the page routers and the HTML error pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from orchestre.errors import DomainError
from orchestre.web import i18n
from orchestre.web.render import STATIC_DIR, render
from orchestre.web.session import SignInRequired, anonymous_language


class LanguageScope:
    """Gives each request its own language object, which the page dependencies fill in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            i18n.begin(i18n.Language())
        await self.app(scope, receive, send)


def _sign_in_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if request.headers.get("hx-request"):
        # htmx would swap the login page into a fragment: ask it for a full navigation.
        return Response(status_code=204, headers={"HX-Redirect": exc.next_url})
    return RedirectResponse(exc.next_url, status_code=303)


def html_error(request: Request, exc: DomainError, status: int) -> Response:
    """An error as a page (or a toast for htmx), in the reader's language."""
    if not i18n.current().resolved:
        anonymous_language(request, request.app.state.settings)
    detail = i18n.gettext(exc.detail) if exc.detail else ""
    context = {"status": status, "detail": detail, "code": exc.code, "errors": exc.errors}
    if request.headers.get("hx-request"):
        # Whatever the request targeted, an error shows as a toast.
        headers = {"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"}
        return render(request, "errors/toast.html", context, status_code=status, headers=headers)
    return render(request, "errors/error.html", context, status_code=status)


def mount_web(app: FastAPI) -> None:
    from orchestre.web.views import ROUTERS

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.add_middleware(LanguageScope)
    app.add_exception_handler(SignInRequired, _sign_in_redirect)
    app.state.html_error_handler = html_error
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)
