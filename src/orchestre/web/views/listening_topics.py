"""The "Topics" card of the listening page (topic clusters of the week, the inbox's own
trends) and the weekly digest's page (its settings, the digests kept, one digest's lines
in the reader's language).

The card is loaded with htmx, like the feeds card; it only reads what the background loop
computed (`listening.topics_service`), so it answers at once. Every use case checks its
permission in the service."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from orchestre.listening import digest_service, topics_service
from orchestre.models.listening_topics import Digest
from orchestre.web import i18n
from orchestre.web.forms import Form, attempt, redirect, text
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.web.views.analytics import weekday_name
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
CARD = "/listening/topics"
DIGESTS = "/listening/digests"


def status_labels() -> dict[str, str]:
    return {
        "new": _("New"),
        "rising": _("Rising"),
        "falling": _("Falling"),
        "steady": _("Steady"),
    }


def source_labels() -> dict[str, str]:
    return {"mention": _("Listening"), "inbox": _("Inbox")}


@router.get(CARD, response_class=HTMLResponse)
def topics_card(request: Request, view: CurrentWorkspace) -> Response:
    clusters = topics_service.topic_clusters(view.db, view.actor)
    inbox = topics_service.inbox_trends(view.db, view.actor, days=7)
    context: dict[str, Any] = {
        "base": view.base,
        "csrf_token": view.viewer.csrf_token,
        "can_manage": view.can(Permission.LISTENING_MANAGE),
        "clusters": clusters,
        "inbox": inbox,
        "statuses": status_labels(),
        "sources": source_labels(),
    }
    return render(request, "listening/_topics.html", context)


@router.post(CARD + "/refresh")
def refresh_topics(request: Request, view: WorkspaceWrite) -> Response:
    topics_service.request_topics(view.db, view.actor)
    message = _("Asked: the topics are recomputed within ten minutes.")
    if request.headers.get("hx-request"):
        headers = {"HX-Trigger": json.dumps({"toast": {"message": message, "kind": "success"}})}
        return Response(status_code=204, headers=headers)
    return redirect(f"{view.base}/listening#topics")


def _digest_page(
    request: Request,
    view: WorkspaceView,
    selected: Digest | None = None,
    *,
    form: FormData | None = None,
    errors: list[object] | None = None,
    status_code: int = 200,
) -> Response:
    settings = digest_service.get_settings(view.db, view.actor)
    digests = digest_service.list_digests(view.db, view.actor)
    chosen = selected or (digests[0] if digests else None)
    locale = i18n.current().locale
    zone = digest_service.workspace_zone(view.db, view.actor.workspace_id)
    lang = "fr" if locale.startswith("fr") else "en"
    context = shell_context(request, view, "listening")
    context.update(
        settings=settings,
        next_at=format_datetime(
            digest_service.next_digest_at(view.db, view.actor), "full", tzinfo=zone, locale=locale
        ),
        zone=zone.key,
        weekdays=[(i, weekday_name(i, "EEEE")) for i in range(7)],
        digests=digests,
        chosen=chosen,
        lines=[line[lang] for line in chosen.recommendations] if chosen else [],
        week_of=lambda d: period_words(d, zone, locale),
        can_manage=view.can(Permission.LISTENING_MANAGE),
        form=form or {},
        form_errors=errors or [],
        notice=_("Digest settings saved.") if request.query_params.get("done") else None,
    )
    return render(request, "listening/digests.html", context, status_code=status_code)


@router.get(DIGESTS, response_class=HTMLResponse)
def digests_page(request: Request, view: CurrentWorkspace) -> Response:
    return _digest_page(request, view)


@router.get(DIGESTS + "/{digest_id}", response_class=HTMLResponse)
def digest_page(request: Request, view: CurrentWorkspace, digest_id: uuid.UUID) -> Response:
    return _digest_page(request, view, digest_service.get_digest(view.db, view.actor, digest_id))


def period_words(row: Digest, zone: ZoneInfo, locale: str) -> str:
    """The seven days a digest covers, on the workspace's calendar (its end excluded)."""
    first = row.period_start.astimezone(zone).date()
    last = (row.period_end - timedelta(microseconds=1)).astimezone(zone).date()
    dates = {
        "start": format_date(first, "long", locale=locale),
        "end": format_date(last, "long", locale=locale),
    }
    return _("%(start)s to %(end)s") % dates


def _number(form: FormData, name: str, default: int) -> int:
    try:
        return int(text(form, name, str(default)))
    except ValueError:
        return -1  # refused by the settings' rules, naming the field


@router.post(DIGESTS + "/settings")
def save_settings(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    data = digest_service.SettingsInput(
        enabled=text(form, "enabled") == "on",
        weekday=_number(form, "weekday", 0),
        hour=_number(form, "hour", 8),
        email=text(form, "email") == "on",
    )
    with attempt(view.db) as errors:
        digest_service.update_settings(view.db, view.actor, data)
    if errors:
        return _digest_page(request, view, form=form, errors=list(errors), status_code=422)
    return redirect(f"{view.base}{DIGESTS}", "saved")
