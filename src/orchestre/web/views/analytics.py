"""The analytics dashboard: KPI cards against the previous period, a time series, goals with
their progress, top and bottom posts, the best-posting-times heatmap, the format comparison
and a table by channel / campaign / pillar / network / format whose rows open the same page
filtered.

Every figure comes from `orchestre.analytics.query` and `goals` (permissions are checked
there); the page reads the same query parameters as the JSON API, so each chart's "Download
data (CSV)" link is the API route with the page's own parameters and format=csv. Charts are
drawn in the browser by ECharts from the JSON the page embeds (static/js/analytics.js).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date, format_timedelta
from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from orchestre.analytics import goals, query
from orchestre.analytics import kpis as k
from orchestre.analytics.periods import PERIOD_NAMES, Period
from orchestre.errors import FieldError, Invalid
from orchestre.models.analytics import PostFormat
from orchestre.posts import campaigns as campaign_service
from orchestre.posts import editorial
from orchestre.web import i18n
from orchestre.web.forms import Form, attempt, redirect, text, translated
from orchestre.web.i18n import gettext as _
from orchestre.web.i18n import ngettext
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import list_channels, shell_context
from orchestre.workspaces.permissions import Actor, Permission

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/analytics"
API = "/api/v1/workspaces/{workspace_id}/analytics"
# The page's query parameters, named as the JSON API names them.
SELECTION_KEYS = ("period", "start", "end", "channel_id", "network", "campaign_id",
                  "pillar_id", "post_format")  # fmt: skip
GROUP_TABS = ("channel", "campaign", "pillar", "network", "format")
# Which filter a row of each grouping opens the page with.
GROUP_FILTER = {"channel": "channel_id", "campaign": "campaign_id", "pillar": "pillar_id",
                "network": "network", "format": "post_format"}  # fmt: skip
# Rows of the grouped table on the page (the best first); the CSV holds every group.
GROUP_ROWS = 100
# The paid-results cards, shown when the selection has campaign results.
PAID_KPIS = ("spend", "revenue", "conversions", "cpc", "cpm", "cpa", "roi", "roas")
TOP_LIMIT = 5


def period_labels() -> dict[str, str]:
    return {
        "last_7_days": _("Last 7 days"),
        "last_30_days": _("Last 30 days"),
        "last_90_days": _("Last 90 days"),
        "last_week": _("Last week"),
        "last_month": _("Last month"),
        "last_quarter": _("Last quarter"),
        "this_week": _("This week"),
        "this_month": _("This month"),
        "this_quarter": _("This quarter"),
        "custom": _("Custom dates"),
    }


def format_labels() -> dict[str, str]:
    return {
        "short_video": _("Short video"),
        "video": _("Video"),
        "image": _("Image"),
        "carousel": _("Carousel"),
        "text": _("Text"),
    }


def group_labels() -> dict[str, str]:
    return {
        "channel": _("By channel"),
        "campaign": _("By campaign"),
        "pillar": _("By pillar"),
        "network": _("By network"),
        "format": _("By format"),
    }


def basis_labels() -> dict[str, str]:
    return {"reach": _("Reach"), "impressions": _("Impressions"), "followers": _("Followers")}


def status_labels() -> dict[str, str]:
    return {
        "met": _("Met"),
        "on_track": _("On track"),
        "at_risk": _("At risk"),
        "off_track": _("Off track"),
        "not_started": _("Not started"),
        "not_available": _("Not available"),
    }


# What a post must report for each KPI to count, for the coverage line of the cards.
_COVERAGE_OF = {
    "engagement_rate_reach": "reach",
    "engagement_rate_impressions": "impressions",
    "engagement_rate_followers": "followers",
    "reach": "reach",
    "impressions": "impressions",
    "engagement": "engagement",
    "clicks": "clicks",
    "ctr": "clicks",
    "video_views": "video_views",
}


def coverage_names() -> dict[str, str]:
    return {
        "reach": _("reach"),
        "impressions": _("impressions"),
        "followers": _("followers"),
        "engagement": _("engagement"),
        "clicks": _("clicks"),
        "video_views": _("video views"),
    }


# --- figures for the reader --------------------------------------------------------------------


def _percent_pattern(locale: str, signed: bool = False) -> str:
    """The locale's percent pattern with one decimal ("4.5%", "4,5 %"), signed for changes."""
    pattern = Locale.parse(locale).percent_formats[None].pattern.replace("0%", "0.0%")
    pattern = pattern.replace("0\xa0%", "0.0\xa0%").replace("0\u202f%", "0.0\u202f%")
    return f"+{pattern};-{pattern}" if signed else pattern


def figure(kpi: k.Kpi, value: float | None) -> str:
    """A KPI value in the reader's language; "" when not available (the page says so)."""
    if value is None:
        return ""
    locale = i18n.current().locale
    if kpi.unit == k.Unit.RATIO:
        return format_percent(value, _percent_pattern(locale), locale=locale)
    if kpi.unit == k.Unit.PERCENT:
        return format_percent(value / 100, _percent_pattern(locale), locale=locale)
    if kpi.unit == k.Unit.SECONDS:
        return format_timedelta(timedelta(seconds=value), threshold=1.5, locale=locale)
    if kpi.unit == k.Unit.CURRENCY:
        return format_decimal(value, "#,##0.00", locale=locale)
    return format_decimal(round(value, 1), "#,##0.#", locale=locale)


def change_text(kpi: k.Kpi, found: query.KpiValue) -> str:
    """+12.5 % against the previous period; the absolute change for a rate or when the
    previous period had nothing to compare with."""
    locale = i18n.current().locale
    if kpi.unit != k.Unit.RATIO and found.change.relative is not None:
        return format_percent(found.change.relative, _percent_pattern(locale, True), locale=locale)
    if found.change.absolute is None:
        return ""
    if kpi.unit == k.Unit.RATIO:
        points = format_decimal(found.change.absolute * 100, "+#,##0.0;-#,##0.0", locale=locale)
        return _("%(points)s pts") % {"points": points}
    sign = "+" if found.change.absolute >= 0 else ""
    return sign + figure(kpi, found.change.absolute)


def day(value: date) -> str:
    return format_date(value, "medium", locale=i18n.current().locale)


def period_text(period: Period) -> str:
    return _("%(first)s – %(last)s") % {"first": day(period.first), "last": day(period.last)}


@dataclass(frozen=True)
class Card:
    kpi: k.Kpi
    label: str
    value: str  # "" = not available
    previous: str
    change: str
    direction: str  # up | down | flat | ""
    tone: str  # good | bad | ""
    coverage: str
    note: str


def card(found: query.KpiValue, kpi: k.Kpi, posts: int | None) -> Card:
    direction, tone = "", ""
    absolute = found.change.absolute
    if absolute is not None and found.value is not None:
        direction = "up" if absolute > 0 else "down" if absolute < 0 else "flat"
        if direction != "flat":
            tone = "good" if (absolute > 0) == kpi.higher_is_better else "bad"
    return Card(
        kpi=kpi,
        label=_(kpi.label),
        value=figure(kpi, found.value) if found.available else "",
        previous=figure(kpi, found.previous),
        change=change_text(kpi, found) if found.value is not None else "",
        direction=direction,
        tone=tone,
        coverage=coverage_line(kpi, found, posts),
        note=_(found.note) if found.note else "",
    )


def coverage_line(kpi: k.Kpi, found: query.KpiValue, posts: int | None) -> str:
    metric = _COVERAGE_OF.get(kpi.name)
    if metric is None or found.coverage is None or not posts:
        return ""
    line = ngettext(
        "%(num)d of %(total)d post reports %(metric)s",
        "%(num)d of %(total)d posts report %(metric)s",
        posts,
    )
    return line % {"num": found.coverage, "total": posts, "metric": coverage_names()[metric]}


# --- reading the request ----------------------------------------------------------------------


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Selection:
    params: dict[str, str]  # the cleaned query parameters, as the API reads them
    period: Period
    filters: query.Filters
    basis: str
    group_by: str
    errors: list[FieldError]


def read_selection(request: Request, view: WorkspaceView) -> Selection:
    """The period and filters asked for; a bad period falls back to the last 30 days and says
    why, an unknown id or name is dropped (the page never fails on a stale link)."""
    raw = request.query_params
    params = {key: raw.get(key, "").strip()[:64] for key in SELECTION_KEYS}
    channel = _uuid(params["channel_id"])
    campaign = _uuid(params["campaign_id"])
    pillar = _uuid(params["pillar_id"])
    post_format = params["post_format"] if params["post_format"] in FORMAT_NAMES else ""
    params.update(
        channel_id=str(channel or ""),
        campaign_id=str(campaign or ""),
        pillar_id=str(pillar or ""),
        post_format=post_format,
        period=params["period"] or "last_30_days",
    )
    errors: list[FieldError] = []
    try:
        period = query.period_for(
            view.db, view.actor, params["period"], _date(params["start"]), _date(params["end"])
        )
    except Invalid as exc:
        errors = translated(exc.errors) or [FieldError("period", exc.code, _(exc.detail))]
        period = query.period_for(view.db, view.actor)
        params.update(period="last_30_days", start="", end="")
    if period.name != "custom":
        params.update(start="", end="")
    filters = query.Filters(
        channel_ids=(channel,) if channel else (),
        network=params["network"] or None,
        campaign_id=campaign,
        pillar_id=pillar,
        format=post_format or None,
    )
    basis = raw.get("basis", "")
    group_by = raw.get("group_by", "")
    return Selection(
        params={key: value for key, value in params.items() if value},
        period=period,
        filters=filters,
        basis=basis if basis in k.ENGAGEMENT_BASES else "reach",
        group_by=group_by if group_by in GROUP_TABS else "channel",
        errors=errors,
    )


FORMAT_NAMES = tuple(f.value for f in PostFormat)


def _interval(period: Period) -> str:
    if period.days <= 31:
        return "day"
    return "week" if period.days <= 120 else "month"


def _page_url(view: WorkspaceView, params: dict[str, str], **changes: str | None) -> str:
    merged = dict(params)
    for key, value in changes.items():
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    return f"{view.base}{PAGE}" + ("?" + urlencode(merged) if merged else "")


def _csv_url(view: WorkspaceView, route: str, params: dict[str, str], **extra: str) -> str:
    selection = {key: value for key, value in params.items() if key in SELECTION_KEYS}
    base = API.format(workspace_id=view.workspace.id)
    return f"{base}/{route}?" + urlencode({**selection, **extra, "format": "csv"})


# --- the page -----------------------------------------------------------------------------------


def _json(value: Any) -> Markup:
    """JSON for a <script type="application/json"> block: '<' escaped so text cannot end it."""
    text = json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")
    return Markup(text)  # noqa: S704


def _group_link(view: WorkspaceView, selection: Selection, key: str | None) -> str | None:
    if key is None:
        return None
    return _page_url(view, selection.params, **{GROUP_FILTER[selection.group_by]: key})


def _paid_cards(db: Session, actor: Actor, period: Period, filters: query.Filters) -> list[Card]:
    """Spend, revenue and their ratios when the selection has campaign results in this
    period or the previous one (or results that cannot be added up, which the cards say);
    nothing for a workspace that runs no paid campaign, or a cut paid results do not have."""
    paid = query.kpi_table(db, actor, kpis=PAID_KPIS, period=period, filters=filters)
    spend = paid.total.value("spend")
    if not spend.available:
        return []
    if not spend.coverage and spend.previous is None and not spend.note:
        return []
    return [card(paid.total.value(kpi.name), kpi, None) for kpi in paid.kpis]


def dashboard(request: Request, view: WorkspaceView, selection: Selection) -> dict[str, Any]:
    db, actor, period, filters = view.db, view.actor, selection.period, selection.filters
    rate = k.ENGAGEMENT_BASES[selection.basis]
    card_kpis = (rate, *(name for name in k.DEFAULT_KPIS if name != "engagement_rate_reach"))
    # One table gives the cards (its total: every post, grouped or not) and the groups.
    grouped = query.kpi_table(
        db, actor, kpis=card_kpis, period=period, filters=filters, group_by=selection.group_by
    )
    posts_value = grouped.total.value("posts").value
    posts = int(posts_value) if posts_value is not None else None
    cards = [card(grouped.total.value(kpi.name), kpi, posts) for kpi in grouped.kpis]
    shown = grouped.groups[:GROUP_ROWS]
    paid_cards = _paid_cards(db, actor, period, filters)
    series = query.series(
        db, actor, kpis=card_kpis, period=period, interval=_interval(period), filters=filters
    )
    heat = query.heatmap(db, actor, kpi=rate, period=period, filters=filters)
    formats = query.formats(
        db, actor, kpis=(rate, "reach", "posts"), period=period, filters=filters
    )
    top = query.top_posts(db, actor, kpi=rate, period=period, filters=filters, limit=TOP_LIMIT)
    bottom = query.top_posts(
        db, actor, kpi=rate, period=period, filters=filters, order="bottom", limit=TOP_LIMIT
    )
    names = format_labels()
    charts = {
        "locale": i18n.current().locale,
        "kpis": [
            {"name": kpi.name, "label": _(kpi.label), "unit": kpi.unit.value} for kpi in series.kpis
        ],
        "series": {
            "labels": [day(point.start) for point in series.points],
            "values": {
                kpi.name: [point.values.get(kpi.name) for point in series.points]
                for kpi in series.kpis
            },
        },
        "heatmap": {
            "kpi": _(heat.kpi.label),
            "unit": heat.kpi.unit.value,
            "cells": [[c.hour, c.weekday, c.value, c.posts] for c in heat.cells],
            "days": [weekday_name(i) for i in range(7)],
        },
        "formats": {
            "kpi": _(formats.kpis[0].label),
            "unit": formats.kpis[0].unit.value,
            "labels": [names.get(g.key or "", g.label) for g in formats.groups],
            "values": [g.value(rate).value for g in formats.groups],
            "posts": [g.value("posts").value for g in formats.groups],
        },
        "text": {
            "posts": _("Posts"),
            "not_available": _("Not available"),
        },
    }
    params = selection.params
    return {
        "selection": selection,
        "params": params,
        "period_text": period_text(period),
        "previous_text": period_text(grouped.previous_period),
        "cards": cards,
        "paid_cards": paid_cards,
        "posts": posts,
        "grouped": grouped,
        "shown_groups": shown,
        "hidden_groups": len(grouped.groups) - len(shown),
        "group_links": {g.key: _group_link(view, selection, g.key) for g in shown},
        "group_label": lambda g: (
            names.get(g.key or "", g.label) if selection.group_by == "format" else g.label
        ),
        "figure": figure,
        "day": day,
        "formats": formats,
        "top": top,
        "bottom": bottom,
        "charts": _json(charts),
        "csv": {
            "kpis": _csv_url(view, "kpis", params, kpis=",".join(card_kpis)),
            "paid": _csv_url(view, "kpis", params, kpis=",".join(PAID_KPIS)),
            "groups": _csv_url(
                view, "kpis", params, kpis=",".join(card_kpis), group_by=selection.group_by
            ),
            "series": _csv_url(
                view, "series", params, kpis=",".join(card_kpis), interval=_interval(period)
            ),
            "heatmap": _csv_url(view, "heatmap", params, kpi=rate),
            "formats": _csv_url(view, "formats", params, kpis=f"{rate},reach,posts"),
            "top": _csv_url(view, "top-posts", params, kpi=rate, limit=str(TOP_LIMIT)),
            "bottom": _csv_url(
                view, "top-posts", params, kpi=rate, order="bottom", limit=str(TOP_LIMIT)
            ),
            "goals": API.format(workspace_id=view.workspace.id) + "/goals/progress?format=csv",
        },
        "page_url": lambda **changes: _page_url(view, params, **changes),
        "periods": period_labels(),
        "period_names": PERIOD_NAMES,
        "format_names": names,
        "groups": group_labels(),
        "bases": basis_labels(),
    }


def weekday_name(index: int, width: str = "EEE") -> str:
    """Monday (0) to Sunday (6) in the reader's language; "EEE" short, "EEEE" in full."""
    # 2024-01-01 was a Monday.
    return format_date(date(2024, 1, 1 + index), width, locale=i18n.current().locale)


def _filter_choices(view: WorkspaceView) -> dict[str, Any]:
    channels = list_channels(view)
    can_read_posts = view.can(Permission.POSTS_VIEW)
    campaigns = (
        campaign_service.list_campaigns(view.db, view.actor, limit=200).items
        if can_read_posts
        else []
    )
    return {
        "filter_channels": channels,
        "filter_networks": sorted({c.network for c in channels}),
        "filter_campaigns": campaigns,
        # What a goal is set for, by id.
        "scope_names": {
            **{c.id: c.display_name or c.handle for c in channels},
            **{c.id: c.name for c in campaigns},
        },
        "filter_pillars": (
            editorial.list_pillars(view.db, view.actor, limit=200).items if can_read_posts else []
        ),
    }


def _goals_context(view: WorkspaceView) -> dict[str, Any]:
    progress = goals.all_progress(view.db, view.actor)
    return {
        "goals": progress,
        "statuses": status_labels(),
        "goal_kpis": [kpi for kpi in k.CATALOGUE.values() if kpi.available],
        "goal_bar": {p.goal.id: _bar(p) for p in progress},
    }


def _bar(found: goals.GoalProgress) -> int:
    """How far the current value has come towards the target, 0-100 (for the bar's width)."""
    if found.current is None or not found.target:
        return 0
    if found.kpi.higher_is_better:
        share = found.current / found.target
    else:
        share = found.target / found.current if found.current else 1.0
    return max(0, min(100, round(share * 100)))


def _render(
    request: Request,
    view: WorkspaceView,
    form_errors: list[FieldError] | None = None,
    form: Any = None,
    status_code: int = 200,
) -> Response:
    context = shell_context(request, view, "analytics")
    if not view.can(Permission.ANALYTICS_VIEW):
        return render(request, "analytics/not_allowed.html", context, status_code=403)
    selection = read_selection(request, view)
    context.update(dashboard(request, view, selection))
    context.update(_filter_choices(view))
    context.update(_goals_context(view))
    context.update(form_errors=form_errors or [], form=form or {})
    done = notices().get(request.query_params.get("done") or "")
    if done:
        context["toasts"] = [*context["toasts"], {"kind": "success", "message": done}]
    return render(request, "analytics/page.html", context, status_code=status_code)


def notices() -> dict[str, str]:
    return {"goal_added": _("Goal added."), "goal_deleted": _("Goal deleted.")}


@router.get(PAGE, response_class=HTMLResponse)
def page(request: Request, view: CurrentWorkspace) -> Response:
    return _render(request, view)


def _goal_input(form: Any) -> goals.GoalInput:
    """The goal form; a missing or malformed field is refused naming it."""
    errors: list[FieldError] = []
    kpi = text(form, "kpi").strip()
    try:
        target = float(text(form, "target").replace(",", ".").replace("\u202f", "").strip())
    except ValueError:
        errors.append(FieldError("target", "number", _("The target is a number.")))
        target = 0.0
    first, last = _date(text(form, "period_start")), _date(text(form, "period_end"))
    if first is None:
        errors.append(FieldError("period_start", "required", _("Choose the first day.")))
    if last is None:
        errors.append(FieldError("period_end", "required", _("Choose the last day.")))
    if errors or first is None or last is None:
        raise Invalid("The goal is refused.", code="bad_goal", errors=errors)
    kind, _sep, value = text(form, "scope").partition(":")
    scope_id = _uuid(value)
    return goals.GoalInput(
        kpi=kpi,
        target=target,
        period_start=first,
        period_end=last,
        channel_id=scope_id if kind == "channel" else None,
        network=value[:32] if kind == "network" and value else None,
        campaign_id=scope_id if kind == "campaign" else None,
        note=text(form, "note")[: goals.MAX_NOTE],
    )


@router.post(PAGE + "/goals")
def add_goal(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    with attempt(view.db) as errors:
        goals.create_goal(view.db, view.actor, _goal_input(form))
    if errors:
        return _render(request, view, form_errors=errors, form=form, status_code=422)
    return redirect(f"{view.base}{PAGE}", "goal_added")


@router.post(PAGE + "/goals/{goal_id}/delete")
def delete_goal(view: WorkspaceWrite, goal_id: uuid.UUID) -> Response:
    goals.delete_goal(view.db, view.actor, goal_id)
    return redirect(f"{view.base}{PAGE}", "goal_deleted")
