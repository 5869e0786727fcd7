"""The listening page: the workspace's queries with a form that checks the query language as
one types, the mentions they collected (filtered), and a brand-health panel (daily volume
and sentiment drawn by ECharts from the JSON the page embeds, top hashtags and terms).

Every figure comes from `orchestre.listening.service` (permissions are checked there);
"Collect now" searches the networks in the request, as the API's route does."""

from __future__ import annotations

import json
import uuid

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from orchestre.errors import Invalid
from orchestre.listening import query as language
from orchestre.listening import service
from orchestre.listening.api import Networks
from orchestre.listening.repository import MentionFilters
from orchestre.listening.service import QueryInput
from orchestre.web import i18n
from orchestre.web.forms import Form, attempt, redirect, text, translated
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/listening"
FILTER_KEYS = ("query_id", "network", "sentiment", "lang")


def sentiment_labels() -> dict[str, str]:
    return {"positive": _("Positive"), "neutral": _("Neutral"), "negative": _("Negative")}


def notices() -> dict[str, str]:
    return {
        "query_added": _("Query saved. Collect now to see its first mentions."),
        "query_paused": _("Query paused."),
        "query_resumed": _("Query resumed."),
        "query_deleted": _("Query deleted."),
        "collected": _("Collection done."),
    }


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _filters(request: Request) -> tuple[MentionFilters, dict[str, str]]:
    raw = {k: request.query_params.get(k, "").strip() for k in FILTER_KEYS}
    sentiment = raw["sentiment"] if raw["sentiment"] in service.SENTIMENTS else None
    filters = MentionFilters(
        query_id=_uuid(raw["query_id"]),
        network=raw["network"] or None,
        sentiment=sentiment,
        language=raw["lang"] or None,
    )
    return filters, raw


def _render(
    request: Request,
    view: WorkspaceView,
    *,
    form: FormData | None = None,
    form_errors: list[object] | None = None,
    status_code: int = 200,
) -> Response:
    filters, raw = _filters(request)
    queries = service.list_queries(view.db, view.actor)
    if filters.query_id not in {q.id for q in queries}:
        filters = MentionFilters(None, filters.network, filters.sentiment, filters.language)
        raw["query_id"] = ""
    page = service.list_mentions(
        view.db, view.actor, filters, request.query_params.get("cursor"), 50
    )
    health = service.brand_health(
        view.db, view.actor, MentionFilters(query_id=filters.query_id, network=filters.network)
    )
    labels = sentiment_labels()
    chart = {
        "days": [d.day.isoformat() for d in health.days],
        "total": [d.total for d in health.days],
        "series": [
            {"key": key, "name": labels[key], "values": [getattr(d, key) for d in health.days]}
            for key in service.SENTIMENTS
        ],
        "text": {"volume": _("Mentions")},
    }
    context = shell_context(request, view, "listening")
    locale = i18n.current().locale
    context.update(
        health_period=" → ".join(
            format_date(d, "medium", locale=locale) for d in (health.start, health.end)
        ),
        queries=queries,
        query_names={q.id: q.name for q in queries},
        mentions=page.items,
        next_cursor=page.next_cursor,
        health=health,
        chart=Markup(json.dumps(chart).replace("<", "\\u003c")),  # noqa: S704 - JSON, "<" escaped
        selection=raw,
        sentiments=labels,
        networks=sorted({m.network for m in page.items} | {raw["network"]} - {""}),
        channel_networks=service.channel_networks(view.db, view.actor),
        chosen_networks=form.getlist("networks") if form is not None else [],
        can_manage=view.can(Permission.LISTENING_MANAGE),
        form=form or {},
        form_errors=form_errors or [],
        notice=notices().get(request.query_params.get("done", "")),
        stored=request.query_params.get("stored"),
        api=f"/api/v1/workspaces/{view.workspace.id}/listening",
    )
    return render(request, "listening/page.html", context, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
def listening_page(request: Request, view: CurrentWorkspace) -> Response:
    return _render(request, view)


@router.get(PAGE + "/check", response_class=HTMLResponse)
def check_query(request: Request, view: CurrentWorkspace) -> Response:
    """The live check under the query field (htmx): the broken rule, or what is searched."""
    service.require_view(view.actor)
    raw = request.query_params.get("query", "")
    errors = []
    terms: list[str] = []
    if raw.strip():
        try:
            terms = language.search_terms(language.parse(raw))
        except Invalid as exc:
            errors = translated(exc.errors)
    context = {"errors": errors, "terms": terms, "empty": not raw.strip()}
    return render(request, "listening/_check.html", context)


@router.post(PAGE + "/queries")
def add_query(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    languages = tuple(x.strip().lower() for x in text(form, "languages").split(",") if x.strip())
    networks = tuple(str(n) for n in form.getlist("networks") if str(n).strip())
    data = QueryInput(
        text(form, "name"),
        text(form, "query"),
        networks,
        languages,
        about=text(form, "about", "brand"),
    )
    with attempt(view.db) as errors:
        service.create_query(view.db, view.actor, data)
    if errors:
        return _render(request, view, form=form, form_errors=list(errors), status_code=422)
    return redirect(f"{view.base}{PAGE}", "query_added")


@router.post(PAGE + "/queries/{query_id}/toggle")
def toggle_query(view: WorkspaceWrite, query_id: uuid.UUID) -> Response:
    row = service.get_query(view.db, view.actor, query_id)
    changes = service.QueryChanges(active=not row.active)
    service.update_query(view.db, view.actor, query_id, changes)
    return redirect(f"{view.base}{PAGE}", "query_resumed" if not row.active else "query_paused")


@router.post(PAGE + "/queries/{query_id}/delete")
def delete_query(view: WorkspaceWrite, query_id: uuid.UUID) -> Response:
    service.delete_query(view.db, view.actor, query_id)
    return redirect(f"{view.base}{PAGE}", "query_deleted")


@router.post(PAGE + "/collect")
def collect_now(view: WorkspaceWrite, networks: Networks) -> Response:
    report = service.collect_now(view.db, view.actor, networks)
    return redirect(f"{view.base}{PAGE}?stored={report.stored}", "collected")
