"""The Competitors page: the workspace's competitors and their accounts (add, remove), and
the comparison with the brand over a period: follower trend lines, a table per network,
the format mix, the top posts and the share of voice. Charts are drawn by ECharts from
the JSON the page embeds.

Every figure comes from `orchestre.listening.competitors` (permissions are checked there);
"Collect now" reads the accounts in the request, as the API's route does."""

from __future__ import annotations

import json
import uuid

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from orchestre.listening import competitors as service
from orchestre.listening.api import Networks
from orchestre.web import i18n
from orchestre.web.forms import Form, attempt, redirect, text
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/competitors"


def notices() -> dict[str, str]:
    return {
        "competitor_added": _("Competitor added. Add its accounts on your networks."),
        "competitor_deleted": _("Competitor deleted."),
        "account_added": _("Account added; its figures are collected every day."),
        "account_removed": _("Account removed."),
        "collected": _("Collection done."),
    }


def format_labels() -> dict[str, str]:
    return {
        "text": _("Text"),
        "image": _("Image"),
        "video": _("Video"),
        "carousel": _("Carousel"),
        "link": _("Link"),
    }


def period_labels() -> dict[str, str]:
    return {
        "last_7_days": _("Last 7 days"),
        "last_30_days": _("Last 30 days"),
        "last_90_days": _("Last 90 days"),
    }


def _chart(found: service.Comparison) -> dict[str, object]:
    labels = format_labels()
    brand = _("Your brand")
    return {
        "days": [d.isoformat() for d in found.days],
        "weeks": [w.isoformat() for w in found.weeks],
        "formats": [{"key": k, "name": v} for k, v in labels.items()],
        "networks": [
            {
                "network": n.network,
                "sides": [
                    {
                        "name": brand if s.brand else s.name,
                        "brand": s.brand,
                        "trend": s.trend,
                        "weekly": s.weekly_engagement,
                        "formats": s.formats,
                    }
                    for s in n.sides
                ],
            }
            for n in found.networks
        ],
        "text": {
            "followers": _("Followers"),
            "posts": _("Posts"),
            "per_post": _("Engagements per post"),
        },
    }


def _render(
    request: Request,
    view: WorkspaceView,
    networks: Networks,
    *,
    form: FormData | None = None,
    form_errors: list[object] | None = None,
    status_code: int = 200,
) -> Response:
    period = request.query_params.get("period", "last_30_days")
    if period not in service.PERIODS:
        period = "last_30_days"
    found = service.comparison(view.db, view.actor, period)
    locale = i18n.current().locale
    context = shell_context(request, view, "competitors")
    context.update(
        competitors=service.list_competitors(view.db, view.actor),
        comparison=found,
        period=period,
        periods=period_labels(),
        period_range=" → ".join(
            format_date(d, "medium", locale=locale) for d in (found.period.first, found.period.last)
        ),
        formats=format_labels(),
        reading_networks=service.reading_networks(view.db, view.actor, networks),
        chart=Markup(json.dumps(_chart(found)).replace("<", "\\u003c")),  # noqa: S704 - JSON, "<" escaped
        can_manage=view.can(Permission.LISTENING_MANAGE),
        form=form or {},
        form_errors=form_errors or [],
        notice=notices().get(request.query_params.get("done", "")),
        api=f"/api/v1/workspaces/{view.workspace.id}/competitors",
    )
    return render(request, "competitors/page.html", context, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
def competitors_page(request: Request, view: CurrentWorkspace, networks: Networks) -> Response:
    return _render(request, view, networks)


@router.post(PAGE)
def add_competitor(
    request: Request, view: WorkspaceWrite, form: Form, networks: Networks
) -> Response:
    with attempt(view.db) as errors:
        service.create_competitor(view.db, view.actor, text(form, "name"))
    if errors:
        return _render(
            request, view, networks, form=form, form_errors=list(errors), status_code=422
        )
    return redirect(f"{view.base}{PAGE}", "competitor_added")


@router.post(PAGE + "/{competitor_id}/accounts")
def add_account(
    request: Request,
    view: WorkspaceWrite,
    form: Form,
    networks: Networks,
    competitor_id: uuid.UUID,
) -> Response:
    with attempt(view.db) as errors:
        service.add_account(
            view.db,
            view.actor,
            networks,
            competitor_id,
            text(form, "network"),
            text(form, "handle"),
        )
    if errors:
        return _render(
            request, view, networks, form=form, form_errors=list(errors), status_code=422
        )
    return redirect(f"{view.base}{PAGE}", "account_added")


@router.post(PAGE + "/{competitor_id}/delete")
def delete_competitor(view: WorkspaceWrite, competitor_id: uuid.UUID) -> Response:
    service.delete_competitor(view.db, view.actor, competitor_id)
    return redirect(f"{view.base}{PAGE}", "competitor_deleted")


@router.post(PAGE + "/accounts/{account_id}/delete")
def remove_account(view: WorkspaceWrite, account_id: uuid.UUID) -> Response:
    service.remove_account(view.db, view.actor, account_id)
    return redirect(f"{view.base}{PAGE}", "account_removed")


@router.post(PAGE + "/collect")
def collect_now(view: WorkspaceWrite, networks: Networks) -> Response:
    service.collect_now(view.db, view.actor, networks)
    return redirect(f"{view.base}{PAGE}", "collected")
