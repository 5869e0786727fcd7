"""A report's figures, block by block, and its HTML in the report's language.

`build` reads each block through the KPI engine (orchestre.analytics.query, goals, tables)
and the inbox tables (notable comments), once: the HTML page, the PDF, the CSV and the XLSX
all show the same `Built` result (an explanation block is written then, from the period's
figures). Each block keeps its flat table (header and rows) for the exports, and the
words, numbers and dates of the HTML follow the report's language through the interface's
Babel catalogs, like the notice emails.
"""

from __future__ import annotations

import gettext as _gettext
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

import orchestre
from orchestre.analytics import goals, query, tables
from orchestre.analytics import kpis as k
from orchestre.analytics import report_charts as charts
from orchestre.analytics.periods import Period
from orchestre.assistant import explain
from orchestre.delivery.email import translations
from orchestre.kit.clock import utcnow
from orchestre.kit.timezones import zone as zone_of
from orchestre.models import Channel, InboxMessage
from orchestre.models.analytics import Report
from orchestre.workspaces.permissions import Actor, Permission, Role

TEMPLATES = Path(orchestre.__file__).resolve().parent / "web" / "templates"
ENV = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
_ = k._
# Bars drawn per chart by channel or format; the rest are counted in a note.
BAR_LIMIT = 20
WEEKDAYS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))


def translations_of(language: str) -> _gettext.NullTranslations:
    return translations(language)


@dataclass(frozen=True)
class ReportReader(Actor):
    """Who reads a report for a share link or a scheduled email: analytics reads only."""

    @property
    def permissions(self) -> frozenset[Permission]:
        return frozenset({Permission.WORKSPACE_VIEW, Permission.ANALYTICS_VIEW})


def reader(report: Report) -> Actor:
    return ReportReader(
        report.created_by or uuid.UUID(int=0), report.workspace_id, frozenset({Role.ANALYST})
    )


def file_name(report: Report, extension: str) -> str:
    """A download's file name: the report's name in ASCII letters, digits, - and _ (a header
    value is Latin-1, and a name in another script would not fit)."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in report.name)
    safe = re.sub("-{2,}", "-", safe).strip("-")
    return f"{safe or 'report'}.{extension}"


def workspace_zone(session: Session, report: Report) -> str:
    return query.workspace_zone(session, report.workspace_id)


@dataclass
class BuiltBlock:
    kind: str
    title: str
    table: tables.Table
    svg: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""


@dataclass
class Built:
    report: Report
    period: Period
    generated_at: datetime
    blocks: list[BuiltBlock]


class Formatter:
    """Numbers, dates and KPI values in one language."""

    def __init__(self, language: str) -> None:
        self.locale = language
        self.gt = translations_of(language)
        # The language's own percent pattern (8,0 % in French) with one decimal.
        plain = Locale.parse(language).percent_formats[None].pattern
        self.percent = re.sub(r"0(?=[^0#]*%)", "0.0", plain, count=1)

    def kpi(self, name: str) -> str:
        return self.gt.gettext(k.CATALOGUE[name].label) if name in k.CATALOGUE else name

    def value(self, name: str, value: float | None) -> str:
        if value is None:
            return "—"
        unit = k.CATALOGUE[name].unit if name in k.CATALOGUE else k.Unit.COUNT
        if unit is k.Unit.RATIO:
            return format_percent(value, self.percent, locale=self.locale)
        if unit is k.Unit.PERCENT:
            return format_decimal(value, "#,##0.0", locale=self.locale) + " %"
        if unit is k.Unit.SECONDS:
            return format_timedelta(timedelta(seconds=value), locale=self.locale)
        if unit is k.Unit.CURRENCY:
            return format_decimal(value, "#,##0.00", locale=self.locale)
        return format_decimal(value, "#,##0.##", locale=self.locale)

    def change(self, relative: float | None) -> str:
        if relative is None:
            return "—"
        return format_percent(relative, f"+{self.percent};-{self.percent}", locale=self.locale)

    def date(self, value: Any) -> str:
        return format_date(value, "medium", locale=self.locale)

    def moment(self, value: datetime, zone: str) -> str:
        return format_datetime(value, "medium", tzinfo=zone_of(zone), locale=self.locale)


def _interval(period: Period) -> str:
    return "day" if period.days <= 31 else "week" if period.days <= 190 else "month"


def _kpis_block(ctx: _Context, block: dict[str, Any]) -> BuiltBlock:
    names = [ctx.basis if n.startswith("engagement_rate_") else n for n in block["kpis"]]
    table = query.kpi_table(
        ctx.session,
        ctx.actor,
        kpis=tuple(dict.fromkeys(names)),
        period=ctx.period,
        filters=ctx.filters,
    )
    rows = [
        {
            "label": ctx.fmt.kpi(v.kpi),
            "value": ctx.fmt.value(v.kpi, v.value),
            "previous": ctx.fmt.value(v.kpi, v.previous),
            "change": ctx.fmt.change(v.change.relative),
        }
        for v in table.total.values
    ]
    return BuiltBlock("kpis", ctx.gt.gettext("Key figures"), tables.kpi_rows(table), rows=rows)


def _chart_block(ctx: _Context, block: dict[str, Any]) -> BuiltBlock:
    chart, kpi = block["chart"], block["kpi"]
    label = ctx.fmt.kpi(kpi)

    def fmt(v: float | None) -> str:
        return ctx.fmt.value(kpi, v)

    if chart == "series":
        found = query.series(
            ctx.session,
            ctx.actor,
            kpis=(kpi,),
            period=ctx.period,
            interval=_interval(ctx.period),
            filters=ctx.filters,
        )
        points = [(ctx.fmt.date(p.start), p.values.get(kpi)) for p in found.points]
        svg = charts.line_chart(points, fmt)
        return BuiltBlock("chart", label, tables.series_rows(found), svg=svg)
    if chart == "heatmap":
        heat = query.heatmap(
            ctx.session, ctx.actor, kpi=kpi, period=ctx.period, filters=ctx.filters
        )
        days = [ctx.gt.gettext(d) for d in WEEKDAYS]
        svg = charts.heatmap_chart([(c.weekday, c.hour, c.value) for c in heat.cells], days, fmt)
        title = ctx.gt.gettext("%(kpi)s by weekday and hour") % {"kpi": label}
        return BuiltBlock("chart", title, tables.heatmap_rows(heat), svg=svg)
    if chart == "formats":
        table = query.formats(
            ctx.session, ctx.actor, kpis=(kpi,), period=ctx.period, filters=ctx.filters
        )
        title = ctx.gt.gettext("%(kpi)s by format") % {"kpi": label}
    else:
        table = query.kpi_table(
            ctx.session,
            ctx.actor,
            kpis=(kpi,),
            period=ctx.period,
            filters=ctx.filters,
            group_by="channel",
        )
        title = ctx.gt.gettext("%(kpi)s by channel") % {"kpi": label}
    items = [(ctx.gt.gettext(g.label), g.value(kpi).value) for g in table.groups]
    shown, note = _highest(ctx, items)
    return BuiltBlock(
        "chart", title, tables.kpi_rows(table), svg=charts.bar_chart(shown, fmt), text=note
    )


def _highest(
    ctx: _Context, items: list[tuple[str, float | None]]
) -> tuple[list[tuple[str, float | None]], str]:
    """At most BAR_LIMIT bars, the highest values first, and a note of how many there were:
    a bar per channel of a thousand-channel workspace is unreadable and took most of a
    report's layout time. The CSV and XLSX exports keep every group."""
    if len(items) <= BAR_LIMIT:
        return items, ""
    ranked = sorted(items, key=lambda item: (item[1] is None, -(item[1] or 0.0)))
    note = ctx.gt.gettext(
        "The %(shown)d highest of %(count)d; the CSV and XLSX exports hold them all."
    ) % {"shown": BAR_LIMIT, "count": len(items)}
    return ranked[:BAR_LIMIT], note


def _top_posts_block(ctx: _Context, block: dict[str, Any]) -> BuiltBlock:
    kpi = block["kpi"]
    found = query.top_posts(
        ctx.session,
        ctx.actor,
        kpi=kpi,
        period=ctx.period,
        filters=ctx.filters,
        order=block["order"],
        limit=block["limit"],
    )
    words = {"kpi": ctx.fmt.kpi(kpi)}
    title = (
        ctx.gt.gettext("Top posts by %(kpi)s")
        if block["order"] == "top"
        else ctx.gt.gettext("Weakest posts by %(kpi)s")
    ) % words
    rows = [
        {
            "when": ctx.fmt.moment(p.published_at, ctx.period.timezone),
            "network": p.network,
            "text": p.text[:280],
            "value": ctx.fmt.value(kpi, p.value),
        }
        for p in found.posts
    ]
    return BuiltBlock("top_posts", title, tables.top_post_rows(found), rows=rows)


def _comments_block(ctx: _Context, block: dict[str, Any]) -> BuiltBlock:
    """The period's most negative inbound messages, most confident first (read-only)."""
    stmt = (
        select(InboxMessage, Channel.network)
        .join(Channel, Channel.id == InboxMessage.channel_id)
        .where(
            InboxMessage.workspace_id == ctx.report.workspace_id,
            InboxMessage.direction == "inbound",
            InboxMessage.deleted.is_(False),
            InboxMessage.sentiment == "negative",
            InboxMessage.created_at >= ctx.period.start,
            InboxMessage.created_at < ctx.period.end,
        )
        .order_by(
            InboxMessage.sentiment_score.desc().nulls_last(),
            InboxMessage.created_at.desc(),
            InboxMessage.id,
        )
        .limit(block["limit"])
    )
    if ctx.filters.channel_ids:
        stmt = stmt.where(InboxMessage.channel_id.in_(ctx.filters.channel_ids))
    if ctx.filters.network:
        stmt = stmt.where(Channel.network == ctx.filters.network)
    found = ctx.session.execute(stmt).all()
    header = ["created_at", "network", "channel_id", "sentiment_score", "text"]
    flat: list[list[tables.Cell]] = [
        [m.created_at.isoformat(), network, str(m.channel_id), m.sentiment_score, m.text]
        for m, network in found
    ]
    rows = [
        {
            "when": ctx.fmt.moment(m.created_at, ctx.period.timezone),
            "network": network,
            "text": m.text[:500],
        }
        for m, network in found
    ]
    return BuiltBlock("comments", ctx.gt.gettext("Notable comments"), (header, flat), rows=rows)


def _goals_block(ctx: _Context, block: dict[str, Any]) -> BuiltBlock:
    found = goals.all_progress(ctx.session, ctx.actor, now=ctx.now)
    rows = [
        {
            "kpi": ctx.fmt.kpi(p.kpi.name),
            "period": f"{ctx.fmt.date(p.goal.period_start)} – {ctx.fmt.date(p.goal.period_end)}",
            "current": ctx.fmt.value(p.kpi.name, p.current),
            "target": ctx.fmt.value(p.kpi.name, p.target),
            "status": ctx.gt.gettext(STATUS_LABELS[p.status]),
        }
        for p in found
    ]
    return BuiltBlock("goals", ctx.gt.gettext("Goals"), tables.goal_rows(found), rows=rows)


STATUS_LABELS = {
    "met": _("Met"),
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "off_track": _("Off track"),
    "not_started": _("Not started"),
    "not_available": _("Not available"),
}


def _text_block(ctx: _Context, block: dict[str, Any]) -> BuiltBlock:
    text = str(block.get("markdown") or block.get("text") or "")
    return BuiltBlock("text", ctx.gt.gettext("Summary"), (["text"], [[text]]), text=text)


def _explanation_block(ctx: _Context, block: dict[str, Any]) -> BuiltBlock:
    """The assistant's explanation of this period's figures, written now: a scheduled
    report explains the period it covers. A reader who may use the assistant gets the
    workspace's provider (checked, else the offline text); a share link's visitor or a
    scheduled email gets the offline text, so nobody outside the team spends the
    workspace's model."""
    ask = explain.explain if ctx.actor.can(Permission.ASSISTANT_USE) else explain.explain_offline
    found = ask(
        ctx.session,
        ctx.actor,
        period=ctx.period,
        filters=ctx.filters,
        basis=ctx.basis,
        language=ctx.report.language,
        now=ctx.now,
    )
    drafted = found.drafted
    source = (
        ctx.gt.gettext("the offline assistant")
        if drafted.offline
        else drafted.source.removeprefix("provider:")
    )
    label = ctx.gt.gettext(
        "AI draft, written by %(source)s (prompt %(prompt)s): check it before you share it."
    ) % {"source": source, "prompt": drafted.prompt_id}
    sections: list[tuple[str, tuple[str, ...]]] = [
        (ctx.gt.gettext(explain.SECTION_TITLES[name]), items)
        for name in explain.SECTIONS
        if (items := drafted.value.section(name))
    ]
    flat: list[list[tables.Cell]] = [[title, item] for title, items in sections for item in items]
    flat.append([ctx.gt.gettext("AI draft"), label])
    title = ctx.gt.gettext("Explanation")
    rows = [{"title": t, "items": list(items)} for t, items in sections]
    return BuiltBlock("explanation", title, (["section", "text"], flat), rows=rows, text=label)


@dataclass
class _Context:
    session: Session
    actor: Actor
    report: Report
    period: Period
    filters: query.Filters
    basis: str
    now: datetime
    fmt: Formatter

    @property
    def gt(self) -> _gettext.NullTranslations:
        return self.fmt.gt


BUILDERS = {
    "kpis": _kpis_block,
    "chart": _chart_block,
    "top_posts": _top_posts_block,
    "comments": _comments_block,
    "text": _text_block,
    "goals": _goals_block,
    "explanation": _explanation_block,
}


def build(session: Session, actor: Actor, report: Report, now: datetime | None = None) -> Built:
    """Every block's figures over the report's period (in the workspace's zone) and filters."""
    actor.require(Permission.ANALYTICS_VIEW)
    now = now or utcnow()
    period = query.period_for(
        session, actor, report.period, report.period_start, report.period_end, now=now
    )
    ctx = _Context(
        session,
        actor,
        report,
        period,
        query.filters_from(report.filters),
        k.ENGAGEMENT_BASES.get(report.engagement_basis, "engagement_rate_reach"),
        now,
        Formatter(report.language),
    )
    blocks = [BUILDERS[str(b["kind"])](ctx, dict(b)) for b in report.blocks]
    return Built(report, period, now, blocks)


def paragraphs(text: str) -> Markup:
    """The written summary, escaped, its blank-line-separated paragraphs kept."""
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in p.split("\n")))
        for p in parts
    )


def html(built: Built, *, pdf: bool = False) -> str:
    """The report as one self-contained HTML page (for the share link and the PDF)."""
    fmt = Formatter(built.report.language)
    env = ENV.overlay()
    env.install_gettext_translations(fmt.gt, newstyle=True)  # type: ignore[attr-defined]
    template = env.get_template("reports/document.html")
    return template.render(
        built=built,
        report=built.report,
        language=built.report.language,
        first=fmt.date(built.period.first),
        last=fmt.date(built.period.last),
        generated=fmt.moment(built.generated_at, built.period.timezone),
        paragraphs=paragraphs,
        svg=lambda b: Markup(b.svg),  # noqa: S704 (report_charts escapes every label)
        pdf=pdf,
    )
