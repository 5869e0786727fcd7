"""The Jinja2 environment of the pages, and the one function turning a template into a response."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from orchestre import __version__
from orchestre.web import i18n

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def _static_version() -> str:
    """Changes when the vendored packages change, so browsers do not keep stale copies."""
    digest = hashlib.sha256(__version__.encode())
    for name in ("vendor/versions.json", "css/app.css", "js/app.js"):
        path = STATIC_DIR / name
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _static(path: str) -> str:
    return f"/static/{path}?v={STATIC_VERSION}"


def _htmx_headers(csrf_token: str | None) -> Markup:
    # json.dumps output carries no markup; the template puts it in a single-quoted attribute.
    return Markup(json.dumps({"X-CSRF-Token": csrf_token or ""}).replace("'", "\\u0027"))  # noqa: S704


def _mentions(body: str) -> Markup:
    """Escape a comment, then highlight each @email mention."""
    escaped = str(escape(body))
    return Markup(_MENTION.sub(r'<span class="mention">\g<0></span>', escaped))  # noqa: S704


def _with_query(request: Request, **changes: str | None) -> str:
    """The current URL with some query parameters replaced (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return request.url.path + ("?" + urlencode(params) if params else "")


_MENTION = re.compile(
    r"(?<![\w@.+-])@[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
STATIC_VERSION = _static_version()

env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
    trim_blocks=True,
    lstrip_blocks=True,
)
env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
)
env.filters.update(
    datetime=i18n.format_datetime,
    date=i18n.format_date,
    time=i18n.format_time,
    relative=i18n.format_relative,
    number=i18n.format_number,
    share=i18n.format_share,
    local_input=i18n.local_input_value,
    mentions=_mentions,
)
env.globals.update(
    with_query=_with_query,
    static=_static,
    htmx_headers=_htmx_headers,
    language_name=i18n.language_name,
)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    language = i18n.current()
    values: dict[str, Any] = {
        "request": request,
        "locale": language.locale,
        "languages": i18n.SUPPORTED,
        "current_path": request.url.path,
    }
    values.update(context or {})
    html = env.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))


def render_fragment(template: str, context: Mapping[str, Any]) -> str:
    return env.get_template(template).render(dict(context))
