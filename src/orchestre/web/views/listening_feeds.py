"""The "News sites and blogs" card of the listening page: the RSS and Atom feeds followed
(last read, entries seen, last error in words), the form to add one (checked by fetching
it), pause, resume, remove, "Read now", and the OPML file of the feeds: the export's link
and the import's form, whose report (per outline: added, already followed, refused and
why) shows in the card. The page loads the card with htmx; each action answers with the
card again and a toast, or falls back to the page without JavaScript.

Every use case is `orchestre.listening.feeds_service` (permissions are checked there)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from orchestre.errors import FieldError, Invalid
from orchestre.listening import feeds_service as service
from orchestre.listening.feeds_api import Fetcher
from orchestre.listening.feeds_fetch import RULES
from orchestre.listening.feeds_import import IMPORT_RULES, ImportReport, import_opml
from orchestre.listening.feeds_opml import MAX_BYTES
from orchestre.web.forms import Form, attempt, redirect, text, translated
from orchestre.web.i18n import gettext as _
from orchestre.web.i18n import ngettext
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
CARD = "/listening/feeds"
PAGE = "/listening"


def error_words(rule: str | None) -> str:
    """A feed's last failure in the reader's language."""
    return _(RULES[rule]) if rule in RULES else (rule or "")


def outline_words(rule: str | None) -> str:
    """Why an outline of an imported file was refused, in the reader's language."""
    words = IMPORT_RULES.get(rule or "") or RULES.get(rule or "")
    return _(words) if words else (rule or "")


def _card(
    request: Request,
    view: WorkspaceView,
    *,
    errors: list[FieldError] | None = None,
    form: FormData | None = None,
    toast: str | None = None,
    report: ImportReport | None = None,
    import_errors: list[FieldError] | None = None,
) -> Response:
    context: dict[str, Any] = {
        "base": view.base,
        "opml_url": f"/api/v1/workspaces/{view.actor.workspace_id}/listening/feeds.opml",
        "report": report,
        "import_errors": import_errors or [],
        "outline_words": outline_words,
        "csrf_token": view.viewer.csrf_token,
        "can_manage": view.can(Permission.LISTENING_MANAGE),
        "feeds": service.list_feeds(view.db, view.actor),
        "error_words": error_words,
        "errors": errors or [],
        "form": form or {},
    }
    headers = None
    if toast:
        headers = {"HX-Trigger": json.dumps({"toast": {"message": toast, "kind": "success"}})}
    status = 422 if errors or import_errors else 200
    return render(request, "listening/_feeds.html", context, status_code=status, headers=headers)


def _answer(request: Request, view: WorkspaceView, message: str) -> Response:
    """The card again with a toast (htmx), else back to the page (no JavaScript)."""
    if request.headers.get("hx-request"):
        return _card(request, view, toast=message)
    return redirect(f"{view.base}{PAGE}#feeds")


@router.get(CARD, response_class=HTMLResponse)
def feeds_card(request: Request, view: CurrentWorkspace) -> Response:
    return _card(request, view)


@router.post(CARD)
def add_feed(request: Request, view: WorkspaceWrite, form: Form, fetcher: Fetcher) -> Response:
    data = service.FeedInput(text(form, "url"), text(form, "name"))
    with attempt(view.db) as errors:
        service.add_feed(view.db, view.actor, fetcher, data)
    if errors:
        return _card(request, view, errors=_with_detail(errors), form=form)
    return _answer(request, view, _("Feed added. Its articles are read within minutes."))


def _with_detail(errors: list[FieldError]) -> list[FieldError]:
    """A refused address says what the site answered too ("HTTP 404"), after the words."""
    return [
        FieldError(e.field, e.rule, f"{e.message} ({e.actual})", e.limit, e.actual)
        if e.field == "url" and isinstance(e.actual, str) and e.rule in RULES
        else e
        for e in errors
    ]


@router.post(CARD + "/{feed_id}/toggle")
def toggle_feed(request: Request, view: WorkspaceWrite, feed_id: uuid.UUID) -> Response:
    row = service.get_feed(view.db, view.actor, feed_id)
    resume = not row.active
    service.update_feed(view.db, view.actor, feed_id, service.FeedChanges(active=resume))
    return _answer(request, view, _("Feed resumed.") if resume else _("Feed paused."))


@router.post(CARD + "/{feed_id}/delete")
def delete_feed(request: Request, view: WorkspaceWrite, feed_id: uuid.UUID) -> Response:
    service.delete_feed(view.db, view.actor, feed_id)
    return _answer(request, view, _("Feed removed; the mentions it brought stay."))


@router.post(CARD + "/collect")
def collect_feeds(request: Request, view: WorkspaceWrite, fetcher: Fetcher) -> Response:
    report = service.collect_now(view.db, view.actor, fetcher)
    message = ngettext(
        "Feeds read: %(num)s new mention.", "Feeds read: %(num)s new mentions.", report.stored
    ) % {"num": report.stored}
    return _answer(request, view, message)


@router.post(CARD + "/import")
def import_feeds(request: Request, view: WorkspaceWrite, form: Form, fetcher: Fetcher) -> Response:
    """Follow the feeds of an OPML file; the card shows what became of each outline. No
    `attempt` savepoint: the import ends its read-only transaction before fetching, and a
    refused file is refused before anything is written."""
    upload = form.get("file")
    data = upload.file.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        report = import_opml(view.db, view.actor, fetcher, data)
    except Invalid as exc:
        return _card(request, view, import_errors=translated(exc.errors))
    return _card(request, view, report=report)
