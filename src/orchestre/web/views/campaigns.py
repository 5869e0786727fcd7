"""Campaign pages: the list (budget, spent, pace) with a form to start a campaign, and one
campaign's page: objective, budgets by channel and flight, the pacing chart (planned against
actual cumulative spend), the paid-results cards (ROI, ROAS, CPC, CPM, CPA) with each
source's attribution window, the CSV import of results and a button that makes a report.

Every figure comes from `orchestre.campaigns` and `orchestre.analytics.query`; permissions
are checked there. The chart is drawn by ECharts (static/js/campaigns.js) from the JSON the
page embeds; "Download data (CSV)" is the pacing series as a file.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from orchestre.analytics import kpis as k
from orchestre.analytics import query, reports
from orchestre.analytics.periods import custom
from orchestre.calendar.csv_io import MAX_BYTES as CSV_MAX_BYTES
from orchestre.campaigns import budgets, results_import, results_webhook
from orchestre.campaigns.pacing import Pacing, Status
from orchestre.campaigns.results_import import ImportReport
from orchestre.deps import AppSettings
from orchestre.errors import FieldError, Invalid
from orchestre.kit.keys import secret_box
from orchestre.models import Campaign, CampaignObjective
from orchestre.posts import campaigns as campaign_service
from orchestre.posts.schemas import CampaignCreate
from orchestre.web import i18n
from orchestre.web.forms import Form, attempt, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import list_channels, shell_context
from orchestre.web.views.analytics import PAID_KPIS, Card, card, figure
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/campaigns"
MONEY = k.CATALOGUE["spend"]


def objective_labels() -> dict[str, str]:
    return {
        CampaignObjective.AWARENESS: _("Awareness"),
        CampaignObjective.TRAFFIC: _("Traffic"),
        CampaignObjective.ENGAGEMENT: _("Engagement"),
        CampaignObjective.LEADS: _("Leads"),
        CampaignObjective.SALES: _("Sales"),
    }


def status_labels() -> dict[str, str]:
    return {
        Status.AHEAD: _("Ahead"),
        Status.ON_TRACK: _("On track"),
        Status.BEHIND: _("Behind"),
        Status.NO_PLAN: _("No budget plan"),
    }


def source_labels() -> dict[str, str]:
    return {
        "csv": _("CSV import"),
        "webhook": _("Webhook (shop or analytics tool)"),
        "demo": _("Demo data"),
    }


def notices() -> dict[str, str]:
    return {
        "created": _("Campaign created."),
        "plan_saved": _("Budgets saved."),
        "report_created": _("Campaign report created."),
    }


def _json(value: Any) -> Markup:
    text_ = json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")
    return Markup(text_)  # noqa: S704


def _page(
    request: Request,
    view: WorkspaceView,
    template: str,
    extra: dict[str, Any],
    status_code: int = 200,
) -> Response:
    context = shell_context(request, view, "campaigns")
    context.update(
        objectives=objective_labels(),
        statuses=status_labels(),
        money=lambda value: figure(MONEY, value),
    )
    context.update(extra)
    done = notices().get(request.query_params.get("done") or "")
    if done:
        context["toasts"] = [*context["toasts"], {"kind": "success", "message": done}]
    return render(request, template, context, status_code=status_code)


# --- the list ---------------------------------------------------------------------------------


def _list(
    request: Request,
    view: WorkspaceView,
    form: Any = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
    secret: str | None = None,
) -> Response:
    rows = budgets.all_pacing(view.db, view.actor)
    extra: dict[str, Any] = {"rows": rows, "form": form or {}, "form_errors": errors or []}
    if view.can(Permission.CAMPAIGNS_MANAGE):
        hook = f"/api/v1/hooks/campaign-results/{view.workspace.id}"
        extra.update(
            hook_url=str(request.base_url).rstrip("/") + hook,
            hook_hint=results_webhook.secret_hint_of(view.db, view.actor),
            hook_secret=secret,
        )
    return _page(request, view, "campaigns/list.html", extra, status_code)


@router.get(PAGE, response_class=HTMLResponse)
def campaign_list(request: Request, view: CurrentWorkspace) -> Response:
    return _list(request, view)


def _day(form: FormData, name: str, errors: list[FieldError]) -> date | None:
    value = text(form, name).strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(name, "date", _("Not a date.")))
        return None


def _amount(value: str, name: str, errors: list[FieldError]) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        return results_import.parse_number(value)
    except ValueError:
        errors.append(FieldError(name, "number", _("Not a number.")))
        return None


def _new_campaign(form: FormData, errors: list[FieldError]) -> CampaignCreate | None:
    starts_on, ends_on = _day(form, "starts_on", errors), _day(form, "ends_on", errors)
    budget = _amount(text(form, "budget"), "budget", errors)
    if errors:
        return None
    try:
        return CampaignCreate(
            name=text(form, "name"),
            starts_on=starts_on,
            ends_on=ends_on,
            budget=budget,
            currency=text(form, "currency", "EUR").strip().upper() or "EUR",
        )
    except ValidationError as exc:
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else "form"
            errors.append(FieldError(name, e["type"], _("Check this field.")))
        return None


@router.post(PAGE)
def create(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    """A campaign with its dates, budget and objective; its page opens next."""
    errors: list[FieldError] = []
    data = _new_campaign(form, errors)
    created: Campaign | None = None
    if data is not None:
        with attempt(view.db) as errors:
            created = campaign_service.create_campaign(view.db, view.actor, data)
            budgets.set_plan(view.db, view.actor, created.id, text(form, "objective") or None, [])
    if errors or created is None:
        return _list(request, view, form, errors, status_code=422)
    return redirect(f"{view.base}{PAGE}/{created.id}", "created")


@router.post(PAGE + "/hook-secret", response_class=HTMLResponse)
def make_hook_secret(request: Request, view: WorkspaceWrite, settings: AppSettings) -> Response:
    """A new signing secret for the results webhook, shown once on the page."""
    secret = results_webhook.make_secret(view.db, view.actor, secret_box(settings))
    return _list(request, view, secret=secret)


# --- one campaign -----------------------------------------------------------------------------


def _span(found: budgets.Plan, pacing: Pacing) -> tuple[date, date] | None:
    """The days the campaign's figures cover: its plan, else its own dates."""
    if pacing.series:
        return pacing.series[0].day, pacing.series[-1].day
    campaign = found.campaign
    if campaign.starts_on and campaign.ends_on:
        return campaign.starts_on, campaign.ends_on
    return None


def _paid_cards(view: WorkspaceView, campaign: Campaign, span: tuple[date, date]) -> list[Card]:
    try:
        period = custom(span[0], span[1], query.workspace_zone(view.db, view.workspace.id))
    except Invalid:
        return []  # a plan longer than an analytics period (two years): no cards
    filters = query.Filters(campaign_id=campaign.id)
    paid = query.kpi_table(view.db, view.actor, kpis=PAID_KPIS, period=period, filters=filters)
    return [card(paid.total.value(kpi.name), kpi, None) for kpi in paid.kpis]


def _chart(pacing: Pacing) -> dict[str, Any]:
    return {
        "locale": i18n.current().locale,
        "days": [p.day.isoformat() for p in pacing.series],
        "planned": [p.planned for p in pacing.series],
        "actual": [p.actual for p in pacing.series],
        "text": {"planned": _("Planned spend"), "actual": _("Actual spend")},
    }


def _detail(
    request: Request,
    view: WorkspaceView,
    campaign_id: uuid.UUID,
    *,
    report: ImportReport | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    found = budgets.get_plan(view.db, view.actor, campaign_id)
    pacing = budgets.campaign_pacing(view.db, view.actor, campaign_id)
    span = _span(found, pacing)
    spent = budgets.spend_by_channel(view.db, view.actor, campaign_id, *span) if span else {}
    channels = {c.id: c for c in list_channels(view)}
    extra = {
        "campaign": found.campaign,
        "budgets": found.budgets,
        "channel_spend": spent,
        "channel_pacing": budgets.channel_pacing(view.db, view.actor, campaign_id),
        "channel_names": {cid: c.display_name for cid, c in channels.items()},
        "pacing": pacing,
        "chart": _json(_chart(pacing)),
        "paid_cards": _paid_cards(view, found.campaign, span) if span else [],
        "sources": budgets.result_sources(view.db, view.actor, campaign_id),
        "source_labels": source_labels(),
        "report": report,
        "form_errors": errors or [],
        "import_columns": ", ".join(results_import.HEADERS),
    }
    return _page(request, view, "campaigns/page.html", extra, status_code)


@router.get(PAGE + "/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, view: CurrentWorkspace, campaign_id: uuid.UUID) -> Response:
    return _detail(request, view, campaign_id)


def _budget_rows(form: FormData, errors: list[FieldError]) -> list[budgets.BudgetInput]:
    """The budget table of the form: one flight per line with an amount; blank lines skipped."""
    rows = []
    lines = zip(
        texts(form, "channel_id"),
        texts(form, "amount"),
        texts(form, "starts_on"),
        texts(form, "ends_on"),
        strict=False,
    )
    for i, (channel, amount, first, last) in enumerate(lines):
        value = _amount(amount, f"budgets[{i}].amount", errors)
        if value is None:
            continue
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last)
            channel_id = uuid.UUID(channel) if channel else None
        except ValueError:
            errors.append(FieldError(f"budgets[{i}]", "date", _("Each budget needs its dates.")))
            continue
        rows.append(budgets.BudgetInput(value, start, end, channel_id))
    return rows


@router.post(PAGE + "/{campaign_id}/plan")
def save_plan(
    request: Request, view: WorkspaceWrite, form: Form, campaign_id: uuid.UUID
) -> Response:
    errors: list[FieldError] = []
    rows = _budget_rows(form, errors)
    if not errors:
        with attempt(view.db) as errors:
            objective = text(form, "objective") or None
            budgets.set_plan(view.db, view.actor, campaign_id, objective, rows)
    if errors:
        return _detail(request, view, campaign_id, errors=errors, status_code=422)
    return redirect(f"{view.base}{PAGE}/{campaign_id}", "plan_saved")


@router.post(PAGE + "/{campaign_id}/import", response_class=HTMLResponse)
async def import_results(
    request: Request, view: WorkspaceWrite, campaign_id: uuid.UUID
) -> Response:
    """The CSV import from the campaign's page; the page comes back with the report."""
    form = await request.form()
    upload = form.get("file")
    report: ImportReport | None = None
    errors: list[FieldError] = []
    if not isinstance(upload, UploadFile):
        errors = [FieldError("file", "required", _("Choose a CSV file to import."))]
    else:
        data = await upload.read(CSV_MAX_BYTES + 1)
        with attempt(view.db) as errors:
            report = results_import.import_results(view.db, view.actor, data)
    status = 422 if errors else 200
    return _detail(request, view, campaign_id, report=report, errors=errors, status_code=status)


@router.get(PAGE + "/{campaign_id}/pacing.csv")
def pacing_csv(view: CurrentWorkspace, campaign_id: uuid.UUID) -> Response:
    pacing = budgets.campaign_pacing(view.db, view.actor, campaign_id)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["day", "planned_cumulative", "actual_cumulative"])
    for p in pacing.series:
        writer.writerow([p.day.isoformat(), p.planned, "" if p.actual is None else p.actual])
    return Response(
        buffer.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pacing-{campaign_id}.csv"'},
    )


@router.post(PAGE + "/{campaign_id}/report")
def make_report(view: WorkspaceWrite, campaign_id: uuid.UUID) -> Response:
    """An analytics report on this campaign: its paid figures and spend over time."""
    found = budgets.get_plan(view.db, view.actor, campaign_id)
    campaign = found.campaign
    span = _span(found, budgets.campaign_pacing(view.db, view.actor, campaign_id))
    data = reports.ReportInput(
        name=_("Campaign report: %(name)s") % {"name": campaign.name},
        language=i18n.current().locale,
        period="custom" if span else "last_30_days",
        period_start=span[0] if span else None,
        period_end=span[1] if span else None,
        filters={"campaign_id": str(campaign.id)},
        blocks=[
            {"kind": "kpis", "kpis": list(PAID_KPIS)},
            {"kind": "chart", "chart": "series", "kpi": "spend"},
            {"kind": "chart", "chart": "by_channel", "kpi": "spend"},
        ],
    )
    report = reports.create_report(view.db, view.actor, data)
    return redirect(f"{view.base}/reports?edit={report.id}", "report_created")
