"""The public submission page of a contest, /c/<slug>: no account, no session.

The form is protected against cross-site posts by a double-submit token: the page sets a
random value in a strict same-site cookie and in a hidden field, and a post must carry
both, equal. The page speaks French or English (?lang=, else the browser's languages).
Every refusal re-renders the form with the reason, and the right status (409, 413, 415,
422, 429 with Retry-After); a success redirects to a thank-you (post/redirect/get).
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from orchestre.config import Settings
from orchestre.deps import DB, AppSettings
from orchestre.errors import (
    Conflict,
    DomainError,
    FieldError,
    Invalid,
    RateLimited,
    TooLarge,
    UnsupportedMedia,
)
from orchestre.kit.crypto import constant_time_equals
from orchestre.media.storage import media_storage
from orchestre.models.ugc_contests import Contest
from orchestre.ugc import submissions
from orchestre.ugc.contests import accepting
from orchestre.ugc.submissions import Photo, SubmissionInput
from orchestre.web import i18n
from orchestre.web.forms import translated
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import client_ip

router = APIRouter()
PAGE = "/c/{slug}"
COOKIE = "orchestre_submit"
PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Frame-Options": "DENY",
}
STATUS = {Invalid: 422, Conflict: 409, TooLarge: 413, UnsupportedMedia: 415}


def _language(request: Request, settings: Settings) -> str:
    language = i18n.current()
    language.locale = i18n.supported(request.query_params.get("lang")) or i18n.negotiate(
        None,
        request.cookies.get(i18n.LOCALE_COOKIE),
        request.headers.get("accept-language"),
        settings.default_locale,
    )
    language.resolved = True
    return language.locale


def _page(
    request: Request,
    contest: Contest,
    locale: str,
    *,
    form: FormData | None = None,
    errors: list[FieldError] | None = None,
    problem: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    token = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
    context: dict[str, Any] = {
        "contest": contest,
        "rules": (contest.rules_fr if locale == "fr" else contest.rules_en)
        or contest.rules_en
        or contest.rules_fr,
        "consent": contest.consent_fr if locale == "fr" else contest.consent_en,
        "open": accepting(contest),
        "not_yet": contest.status == "open" and not accepting(contest),
        "sent": request.query_params.get("sent") == "1",
        "form": form or {},
        "errors": errors or [],
        "problem": problem,
        "submit_token": token,
        "action": f"/c/{contest.slug}?lang={locale}",
    }
    response = render(
        request,
        "public/contest.html",
        context,
        status_code=status_code,
        headers={**PRIVATE, **(headers or {})},
    )
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/c/",
        max_age=24 * 3600,
    )
    return response


@router.get(PAGE, response_class=HTMLResponse)
def contest_page(request: Request, slug: str, db: DB, settings: AppSettings) -> Response:
    locale = _language(request, settings)
    return _page(request, submissions.public_contest(db, slug), locale)


def _photo(form: FormData) -> Photo | None:
    value = form.get("photo")
    if isinstance(value, UploadFile) and value.filename:
        return Photo(value.file, value.filename)
    return None


def _consent_version(form: FormData) -> int:
    value = form.get("consent_version")
    try:
        return int(value) if isinstance(value, str) else 0
    except ValueError:
        return 0


@router.post(PAGE, response_class=HTMLResponse)
async def submit(request: Request, slug: str, db: DB, settings: AppSettings) -> Response:
    locale = _language(request, settings)
    form = await request.form()
    sent, kept = form.get("submit_token"), request.cookies.get(COOKIE)
    if not (isinstance(sent, str) and kept and constant_time_equals(sent, kept)):
        problem = _("This form has expired. Reload the page and send it again.")
        contest = submissions.public_contest(db, slug)
        return _page(request, contest, locale, form=form, problem=problem, status_code=403)

    def field(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    try:
        # Before `db` is first used: see check_rate.
        submissions.check_rate(request.app.state.session_factory, slug, client_ip(request))
    except RateLimited as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        problem = _(exc.detail)
        contest = submissions.public_contest(db, slug)
        return _page(
            request, contest, locale, form=form, problem=problem, status_code=429, headers=headers
        )
    contest = submissions.public_contest(db, slug)
    data = SubmissionInput(
        name=field("name"),
        email=field("email"),
        text=field("text"),
        consent=field("consent") == "yes",
        consent_version=_consent_version(form),
        language=locale,
        photo=_photo(form),
        trap=field("website"),
    )
    savepoint = db.begin_nested()
    try:
        submissions.submit(
            db,
            contest,
            data,
            address=client_ip(request),
            media_root=settings.media_dir,
            storage=media_storage(settings),
        )
    except (Invalid, Conflict, TooLarge, UnsupportedMedia) as exc:
        savepoint.rollback()
        return _refused(request, contest, locale, form, exc)
    savepoint.commit()
    return RedirectResponse(f"/c/{contest.slug}?lang={locale}&sent=1", status_code=303)


def photo_problems() -> dict[str, str]:
    """The media checks' refusals, in words for a fan (their own messages speak to the team)."""
    return {
        "file_too_large": _("This photo is larger than 10 MB. Send a smaller one."),
        "unsupported_media": _(
            "This file is not a photo we can take: send a JPEG, PNG or WebP image."
        ),
        "media_damaged": _(
            "This photo is damaged or incomplete. Export it again and send the new file."
        ),
        "image_too_many_pixels": _("This photo has too many pixels. Send a smaller one."),
    }


def _refused(
    request: Request, contest: Contest, locale: str, form: FormData, exc: DomainError
) -> Response:
    status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
    errors = translated(exc.errors)
    problem = None if isinstance(exc, Invalid) else photo_problems().get(exc.code, _(exc.detail))
    return _page(
        request, contest, locale, form=form, errors=errors, problem=problem, status_code=status
    )
