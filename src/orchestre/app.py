"""The web application factory: middleware, routers, and the error -> HTTP table."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from orchestre import __version__, errors, openapi
from orchestre.config import Settings, get_settings
from orchestre.kit.db import make_engine, make_session_factory

log = logging.getLogger(__name__)

# One table maps each semantic error to its HTTP status.
STATUS_OF: list[tuple[type[errors.DomainError], int]] = [
    (errors.NotFound, 404),
    (errors.TransitionRefused, 409),
    (errors.Conflict, 409),
    (errors.Forbidden, 403),
    (errors.Unauthenticated, 401),
    (errors.Invalid, 422),
    (errors.TooLarge, 413),
    (errors.UnsupportedMedia, 415),
    (errors.RateLimited, 429),
]

PROBLEM_JSON = "application/problem+json"


def status_of(exc: errors.DomainError) -> int:
    for kind, status in STATUS_OF:
        if isinstance(exc, kind):
            return status
    return 400


def problem(
    status: int,
    title: str,
    detail: str,
    code: str,
    instance: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/api/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.DomainError)
    status = status_of(exc)
    headers = {}
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if _wants_html(request):
        html_handler = getattr(request.app.state, "html_error_handler", None)
        if html_handler is not None:
            response: Response = html_handler(request, exc, status)
            return response
    extra = {"errors": [e.as_dict() for e in exc.errors]} if exc.errors else None
    return problem(
        status, TITLES.get(status, "Error"), exc.detail, exc.code, request.url.path, extra, headers
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    items = []
    malformed = False
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        if err.get("type") == "json_invalid":
            malformed = True
        items.append(
            {
                "field": ".".join(loc) or "body",
                "rule": err.get("type", "invalid"),
                "message": err.get("msg", ""),
            }
        )
    if malformed:
        return problem(
            400,
            "Malformed JSON",
            "The request body is not valid JSON.",
            "malformed_json",
            request.url.path,
            {"errors": items},
        )
    return problem(
        422,
        "Invalid input",
        "Some fields are invalid; see 'errors'.",
        "validation_failed",
        request.url.path,
        {"errors": items},
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    if _wants_html(request):
        html_handler = getattr(request.app.state, "html_error_handler", None)
        if html_handler is not None:
            response: Response = html_handler(
                request, errors.DomainError(detail, code=code), exc.status_code
            )
            return response
    return problem(
        exc.status_code,
        TITLES.get(exc.status_code, "Error"),
        detail,
        code,
        request.url.path,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if _wants_html(request):
        html_handler = getattr(request.app.state, "html_error_handler", None)
        if html_handler is not None:
            response: Response = html_handler(
                request,
                errors.DomainError(
                    "Something went wrong on our side; it was logged.", code="internal_error"
                ),
                500,
            )
            return response
    return problem(
        500,
        "Internal error",
        "Something went wrong on our side; it was logged.",
        "internal_error",
        request.url.path,
    )


def create_app(
    settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    if session_factory is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        session_factory = make_session_factory(make_engine(settings.resolved_database_url()))

    app = FastAPI(
        title="Orchestre",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url=None,  # served below with local assets: FastAPI's default loads a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory

    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)

    from orchestre.middleware import BodySizeLimit

    app.add_middleware(BodySizeLimit)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> Response:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="Orchestre API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
            # No validator badge: it would call validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/healthz", tags=["health"])
    def healthz(request: Request) -> dict[str, str]:
        factory: sessionmaker[Session] = request.app.state.session_factory
        with factory() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok"}

    from orchestre.routes import include_all

    include_all(app)
    openapi.install(app)
    return app
