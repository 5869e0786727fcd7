"""The reports page: the workspace's reports with their preview, downloads (PDF, CSV, XLSX),
schedule and share link, and a form that creates or edits one. Its blocks are built in a
guided editor (static/js/reports.js) that writes them as JSON into the form's `blocks` field,
which can also be edited by hand; the server checks them with `orchestre.analytics.reports`
like the API's.

A new share link's address is shown once, on the page that made it: only its hash is kept.
The analytics page's "Explain this period" answer (an htmx fragment) is here too: it is the
report's explanation block for the dashboard's own selection.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from orchestre.analytics import kpis as k
from orchestre.analytics import query, report_render, reports
from orchestre.analytics.periods import PERIOD_NAMES
from orchestre.assistant import explain
from orchestre.errors import FieldError, Invalid
from orchestre.kit.clock import utcnow
from orchestre.models.analytics import Report
from orchestre.web import i18n
from orchestre.web.forms import Form, attempt, redirect, text
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.web.views.analytics import basis_labels, period_labels, read_selection, weekday_name
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/reports"
API = "/api/v1/workspaces/{workspace_id}/analytics/reports"
DEFAULT_BLOCKS: list[dict[str, object]] = [
    {"kind": "kpis", "kpis": list(k.DEFAULT_KPIS)},
    {"kind": "chart", "chart": "series", "kpi": "reach"},
    {"kind": "top_posts", "kpi": "engagement_rate_reach", "order": "top", "limit": 5},
    {"kind": "goals"},
]


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _number(form: FormData, name: str, default: int) -> int:
    try:
        return int(text(form, name, str(default)))
    except ValueError:
        return -1  # refused by the report's rules, naming the field


def report_input(form: FormData) -> reports.ReportInput:
    """The form as a report; blocks that are not JSON are refused naming the field."""
    try:
        blocks = json.loads(text(form, "blocks") or "[]")
    except ValueError:
        message = _("The blocks are not valid JSON.")
        raise Invalid(
            message, code="bad_report", errors=[FieldError("blocks", "json", message)]
        ) from None
    recipients = [r.strip() for r in text(form, "recipients").replace(";", ",").split(",")]
    return reports.ReportInput(
        name=text(form, "name"),
        language=text(form, "language", "en"),
        period=text(form, "period", "last_30_days"),
        period_start=_day(text(form, "period_start")),
        period_end=_day(text(form, "period_end")),
        engagement_basis=text(form, "engagement_basis", "reach"),
        blocks=blocks,
        schedule=text(form, "schedule") or None,
        schedule_weekday=_number(form, "schedule_weekday", 0),
        schedule_day=_number(form, "schedule_day", 1),
        schedule_hour=_number(form, "schedule_hour", 8),
        recipients=[r for r in recipients if r],
    )


def _form_of(report: Report | None) -> dict[str, Any]:
    if report is None:
        return {"blocks": json.dumps(DEFAULT_BLOCKS, indent=2), "language": "en"}
    return {
        "name": report.name,
        "language": report.language,
        "period": report.period,
        "period_start": report.period_start.isoformat() if report.period_start else "",
        "period_end": report.period_end.isoformat() if report.period_end else "",
        "engagement_basis": report.engagement_basis,
        "blocks": json.dumps(report.blocks, indent=2, ensure_ascii=False),
        "schedule": report.schedule or "",
        "schedule_weekday": str(report.schedule_weekday),
        "schedule_day": str(report.schedule_day),
        "schedule_hour": str(report.schedule_hour),
        "recipients": ", ".join(report.recipients),
    }


def builder_data() -> dict[str, Any]:
    """What the guided block editor offers, in the reader's language, with the same rules
    as `reports.check_blocks` (which KPIs each chart or ranking takes, the limits)."""
    return {
        "kinds": {
            "kpis": _("Key figures"),
            "chart": _("Chart"),
            "top_posts": _("Top or bottom posts"),
            "comments": _("Negative comments"),
            "text": _("Written summary"),
            "goals": _("Goals"),
            "explanation": _("Explanation (AI draft)"),
        },
        "charts": {
            "series": _("Over time"),
            "formats": _("By format"),
            "heatmap": _("By weekday and hour"),
            "by_channel": _("By channel"),
        },
        "kpi_labels": {name: _(kpi.label) for name, kpi in k.CATALOGUE.items()},
        "kpis": [name for name, kpi in k.CATALOGUE.items() if kpi.available],
        "chart_kpis": reports.CHART_KPIS,
        "rankable": query.RANKABLE,
        "max_blocks": reports.MAX_BLOCKS,
        "max_kpis": reports.MAX_KPIS,
        "max_limit": reports.MAX_LIMIT,
        "words": {
            "up": _("Move up"),
            "down": _("Move down"),
            "remove": _("Remove"),
            "kpi": _("KPI"),
            "kpis": _("KPIs (12 at most)"),
            "chart": _("Chart"),
            "order": _("Order"),
            "top": _("Best first"),
            "bottom": _("Worst first"),
            "limit": _("How many"),
            "text": _("Text"),
            "goals": _("Every goal's progress, target and status."),
            "explanation": _(
                "What worked, what did not and what to try next, written by the assistant "
                "from the period's figures each time the report is made, and labelled as "
                "an AI draft."
            ),
        },
    }


def _render(
    request: Request,
    view: WorkspaceView,
    *,
    editing: Report | None = None,
    form: Any = None,
    form_errors: list[FieldError] | None = None,
    share_url: str | None = None,
    status_code: int = 200,
) -> Response:
    context = shell_context(request, view, "reports")
    if not view.can(Permission.ANALYTICS_VIEW):
        return render(request, "analytics/not_allowed.html", context, status_code=403)
    context.update(
        reports=reports.list_reports(view.db, view.actor),
        api=API.format(workspace_id=view.workspace.id),
        editing=editing,
        form=form if form is not None else _form_of(editing),
        form_errors=form_errors or [],
        periods=PERIOD_NAMES,
        period_labels=period_labels(),
        bases=list(k.ENGAGEMENT_BASES),
        basis_labels=basis_labels(),
        weekdays=[weekday_name(i, "EEEE") for i in range(7)],
        builder=builder_data(),
        share_url=share_url,
    )
    notices = {
        "saved": _("Report saved."),
        "deleted": _("Report deleted."),
        "unshared": _("The share link no longer works."),
    }
    done = notices.get(request.query_params.get("done") or "")
    if done:
        context["toasts"] = [*context["toasts"], {"kind": "success", "message": done}]
    return render(request, "reports/page.html", context, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
def page(request: Request, view: CurrentWorkspace, edit: uuid.UUID | None = None) -> Response:
    editing = reports.get_report(view.db, view.actor, edit) if edit else None
    return _render(request, view, editing=editing)


@router.post(PAGE)
def create(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    with attempt(view.db) as errors:
        reports.create_report(view.db, view.actor, report_input(form))
    if errors:
        return _render(request, view, form=form, form_errors=errors, status_code=422)
    return redirect(f"{view.base}{PAGE}", "saved")


@router.post(PAGE + "/{report_id}")
def save(request: Request, view: WorkspaceWrite, form: Form, report_id: uuid.UUID) -> Response:
    editing = reports.get_report(view.db, view.actor, report_id)
    with attempt(view.db) as errors:
        changes = vars(report_input(form))
        reports.update_report(view.db, view.actor, report_id, changes)
    if errors:
        return _render(
            request, view, editing=editing, form=form, form_errors=errors, status_code=422
        )
    return redirect(f"{view.base}{PAGE}", "saved")


@router.get(PAGE + "/{report_id}/preview", response_class=HTMLResponse)
def preview(view: CurrentWorkspace, report_id: uuid.UUID) -> Response:
    """The report as its readers will get it, made now with the reader's own permissions
    (an explanation block asks the workspace's assistant when the reader may use it)."""
    report = reports.get_report(view.db, view.actor, report_id)
    built = report_render.build(view.db, view.actor, report)
    return HTMLResponse(report_render.html(built), headers={"Cache-Control": "private, no-store"})


@router.get("/analytics/explain", response_class=HTMLResponse)
def explain_period(request: Request, view: CurrentWorkspace) -> Response:
    """The explanation of the analytics page's period and filters (analytics.view and
    assistant.use), in the reader's language, labelled as an AI draft."""
    selection = read_selection(request, view)
    found = explain.explain(
        view.db,
        view.actor,
        period=selection.period,
        filters=selection.filters,
        basis=k.ENGAGEMENT_BASES[selection.basis],
        language=i18n.current().locale,
        now=utcnow(),
    )
    drafted = found.drafted
    source = (
        _("the offline assistant") if drafted.offline else drafted.source.removeprefix("provider:")
    )
    context = {
        "label": _(
            "AI draft, written by %(source)s (prompt %(prompt)s): check it before you share it."
        )
        % {"source": source, "prompt": drafted.prompt_id},
        "sections": [
            {"title": _(explain.SECTION_TITLES[name]), "items": items}
            for name in explain.SECTIONS
            if (items := drafted.value.section(name))
        ],
    }
    return render(request, "reports/_explanation.html", context)


@router.post(PAGE + "/{report_id}/delete")
def delete(view: WorkspaceWrite, report_id: uuid.UUID) -> Response:
    reports.delete_report(view.db, view.actor, report_id)
    return redirect(f"{view.base}{PAGE}", "deleted")


@router.post(PAGE + "/{report_id}/share")
def share(request: Request, view: WorkspaceWrite, report_id: uuid.UUID) -> Response:
    made = reports.share(view.db, view.actor, report_id)
    url = str(request.base_url).rstrip("/") + f"/r/{made.token}"
    return _render(request, view, share_url=url)


@router.post(PAGE + "/{report_id}/unshare")
def unshare(view: WorkspaceWrite, report_id: uuid.UUID) -> Response:
    reports.unshare(view.db, view.actor, report_id)
    return redirect(f"{view.base}{PAGE}", "unshared")
