"""Reports: a named, ordered list of blocks (KPIs, charts, top posts, notable comments, a
written summary, goals, the assistant's explanation of the results) over a period, in
French or English, with a schedule that emails it and a read-only share link.

Blocks are checked one by one; every broken rule of every block is reported at once, named
`blocks[i].field`, so a form can point at it. A share link's token is shown once: only its
sha256 is stored, and a link past its expiry is refused like one that never existed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.analytics import kpis as k
from orchestre.analytics import query
from orchestre.analytics.periods import PERIOD_NAMES, resolve
from orchestre.analytics.report_schedule import next_run
from orchestre.audit.service import record, snapshot
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.models.analytics import Report
from orchestre.workspaces.permissions import Actor, Permission

_ = k._
LANGUAGES = ("en", "fr")
SCHEDULES = ("weekly", "monthly")
KINDS = ("kpis", "chart", "top_posts", "comments", "text", "goals", "explanation")
CHARTS = ("series", "formats", "heatmap", "by_channel")
ORDERS = ("top", "bottom")
MAX_BLOCKS = 30
MAX_KPIS = 12
MAX_LIMIT = 50
MAX_TEXT = 10_000
MAX_NAME = 200
MAX_RECIPIENTS = 50
SHARE_DAYS = 30
MAX_SHARE_DAYS = 365
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
# The keys each kind of block may carry, besides "kind".
BLOCK_KEYS: dict[str, frozenset[str]] = {
    "kpis": frozenset({"kpis"}),
    "chart": frozenset({"chart", "kpi"}),
    "top_posts": frozenset({"kpi", "order", "limit"}),
    "comments": frozenset({"limit"}),
    "text": frozenset({"markdown", "text"}),
    "goals": frozenset(),
    # Written when the report is built, from that period's figures (docs/reports.md).
    "explanation": frozenset(),
}
# Which KPIs each chart can draw.
CHART_KPIS: dict[str, tuple[str, ...]] = {
    "series": tuple(n for n, kpi in k.CATALOGUE.items() if kpi.available),
    "formats": tuple(n for n, kpi in k.CATALOGUE.items() if kpi.source is k.Source.POSTS),
    "heatmap": query.HEATMAP_KPIS,
    "by_channel": tuple(
        n for n, kpi in k.CATALOGUE.items() if "channel" in query.SOURCE_GROUPS[kpi.source]
    ),
}


@dataclass(frozen=True)
class ReportInput:
    name: str
    language: str = "en"
    period: str = "last_30_days"
    period_start: date | None = None
    period_end: date | None = None
    filters: Mapping[str, object] | None = None
    engagement_basis: str = "reach"
    blocks: list[dict[str, object]] | None = None
    schedule: str | None = None
    schedule_weekday: int = 0
    schedule_day: int = 1
    schedule_hour: int = 8
    recipients: list[str] | None = None


@dataclass(frozen=True)
class Shared:
    """A share link just made: the token (shown once) and when it stops working."""

    report: Report
    token: str
    expires_at: datetime


# --- checks ----------------------------------------------------------------------------------


def _error(
    errors: list[FieldError],
    at: str,
    rule: str,
    message: str,
    limit: Any = None,
    actual: Any = None,
) -> None:
    errors.append(FieldError(at, rule, message, limit=limit, actual=actual))


def _limit(block: Mapping[str, object], at: str, errors: list[FieldError], default: int) -> int:
    limit = block.get("limit", default)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        message = _("The limit is a whole number from 1 to 50.")
        _error(errors, at + ".limit", "range", message, limit=MAX_LIMIT, actual=str(limit))
        return default
    return limit


def _kpi(
    block: Mapping[str, object], at: str, allowed: tuple[str, ...], errors: list[FieldError]
) -> str:
    name = block.get("kpi", "engagement_rate_reach")
    if name not in allowed:
        message = _("The KPI is one of: ") + ", ".join(allowed) + "."
        _error(errors, at + ".kpi", "enum", message, limit=list(allowed), actual=str(name))
    return str(name)


def _check_kpis_block(
    block: Mapping[str, object], at: str, errors: list[FieldError]
) -> dict[str, object]:
    names = block.get("kpis", list(k.DEFAULT_KPIS))
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        _error(errors, at + ".kpis", "required", _("Choose at least one KPI."))
        return {"kind": "kpis", "kpis": []}
    wrong = [n for n in names if n not in k.CATALOGUE]
    if wrong:
        message = _("Each KPI is one of: ") + ", ".join(k.CATALOGUE) + "."
        _error(errors, at + ".kpis", "enum", message, limit=list(k.CATALOGUE), actual=wrong)
    if len(names) > MAX_KPIS:
        message = _("A block shows 12 KPIs at most.")
        _error(errors, at + ".kpis", "length", message, limit=MAX_KPIS, actual=len(names))
    return {"kind": "kpis", "kpis": list(dict.fromkeys(names))}


def _check_block(block: object, at: str, errors: list[FieldError]) -> dict[str, object] | None:
    if not isinstance(block, Mapping) or block.get("kind") not in KINDS:
        actual = block.get("kind") if isinstance(block, Mapping) else type(block).__name__
        message = _("A block's kind is one of: ") + ", ".join(KINDS) + "."
        _error(errors, at + ".kind", "enum", message, limit=list(KINDS), actual=str(actual))
        return None
    kind = str(block["kind"])
    unknown = sorted(set(block) - {"kind"} - BLOCK_KEYS[kind])
    if unknown:
        message = _("This block takes only: ") + ", ".join(sorted(BLOCK_KEYS[kind])) + "."
        _error(errors, at, "keys", message, limit=sorted(BLOCK_KEYS[kind]), actual=unknown)
    if kind == "kpis":
        return _check_kpis_block(block, at, errors)
    if kind == "chart":
        chart = block.get("chart")
        if chart not in CHARTS:
            message = _("The chart is one of: ") + ", ".join(CHARTS) + "."
            _error(errors, at + ".chart", "enum", message, limit=list(CHARTS), actual=str(chart))
            return None
        return {
            "kind": kind,
            "chart": chart,
            "kpi": _kpi(block, at, CHART_KPIS[str(chart)], errors),
        }
    if kind == "top_posts":
        order = block.get("order", "top")
        if order not in ORDERS:
            message = _("The order is top or bottom.")
            _error(errors, at + ".order", "enum", message, limit=list(ORDERS), actual=str(order))
        kpi = _kpi(block, at, query.RANKABLE, errors)
        return {"kind": kind, "kpi": kpi, "order": order, "limit": _limit(block, at, errors, 5)}
    if kind == "comments":
        return {"kind": kind, "limit": _limit(block, at, errors, 5)}
    if kind == "text":
        return _check_text(block, at, errors)
    return {"kind": kind}


def _check_text(
    block: Mapping[str, object], at: str, errors: list[FieldError]
) -> dict[str, object]:
    key = "markdown" if "markdown" in block else "text"
    text = block.get(key, "")
    if not isinstance(text, str) or not text.strip():
        _error(errors, f"{at}.{key}", "required", _("Write the summary."))
        return {"kind": "text", key: ""}
    if len(text) > MAX_TEXT:
        message = _("The summary is 10,000 characters at most.")
        _error(errors, f"{at}.{key}", "length", message, limit=MAX_TEXT, actual=len(text))
    return {"kind": "text", key: text}


def check_blocks(blocks: object) -> list[dict[str, object]]:
    """The blocks, normalised (defaults filled in); Invalid names every broken rule."""
    errors: list[FieldError] = []
    if not isinstance(blocks, list):
        _error(errors, "blocks", "list", _("The blocks are a list."))
        raise Invalid("The report's blocks are refused.", code="bad_report", errors=errors)
    if len(blocks) > MAX_BLOCKS:
        message = _("A report has 30 blocks at most.")
        _error(errors, "blocks", "length", message, limit=MAX_BLOCKS, actual=len(blocks))
    found = [_check_block(b, f"blocks[{i}]", errors) for i, b in enumerate(blocks)]
    if errors:
        raise Invalid("The report's blocks are refused.", code="bad_report", errors=errors)
    return [b for b in found if b is not None]


def _check_settings(data: ReportInput, errors: list[FieldError]) -> None:
    name = data.name.strip()
    if not name or len(name) > MAX_NAME:
        message = _("The name has 1 to 200 characters.")
        _error(errors, "name", "length", message, limit=MAX_NAME, actual=len(name))
    if data.language not in LANGUAGES:
        message = _("The language is en or fr.")
        _error(errors, "language", "enum", message, limit=list(LANGUAGES), actual=data.language)
    if data.engagement_basis not in k.ENGAGEMENT_BASES:
        bases = list(k.ENGAGEMENT_BASES)
        message = _("The engagement basis is one of: ") + ", ".join(bases) + "."
        _error(
            errors, "engagement_basis", "enum", message, limit=bases, actual=data.engagement_basis
        )
    if data.period not in PERIOD_NAMES:
        message = _("The period is one of: ") + ", ".join(PERIOD_NAMES) + "."
        _error(errors, "period", "enum", message, limit=list(PERIOD_NAMES), actual=data.period)


def _check_schedule(data: ReportInput, errors: list[FieldError]) -> None:
    if data.schedule is not None and data.schedule not in SCHEDULES:
        message = _("The schedule is weekly, monthly or none.")
        _error(errors, "schedule", "enum", message, limit=list(SCHEDULES), actual=data.schedule)
    for field, low, high, message in (
        ("schedule_weekday", 0, 6, _("The weekday is 0 (Monday) to 6 (Sunday).")),
        ("schedule_day", 1, 28, _("The day of the month is 1 to 28.")),
        ("schedule_hour", 0, 23, _("The hour is 0 to 23.")),
    ):
        value = getattr(data, field)
        if not low <= value <= high:
            _error(errors, field, "range", message, limit=[low, high], actual=value)
    recipients = data.recipients or []
    wrong = [r for r in recipients if not EMAIL.match(r)]
    if wrong:
        _error(errors, "recipients", "email", _("Not an email address."), actual=wrong)
    if len(recipients) > MAX_RECIPIENTS:
        message = _("A report goes to 50 addresses at most.")
        _error(errors, "recipients", "length", message, limit=MAX_RECIPIENTS)
    if data.schedule in SCHEDULES and not recipients:
        message = _("A scheduled report needs at least one recipient.")
        _error(errors, "recipients", "required", message)


def _check(
    data: ReportInput, zone: str, now: datetime
) -> tuple[list[dict[str, object]], query.Filters]:
    errors: list[FieldError] = []
    _check_settings(data, errors)
    _check_schedule(data, errors)
    blocks: list[dict[str, object]] = []
    try:
        blocks = check_blocks(data.blocks if data.blocks is not None else [])
    except Invalid as exc:
        errors += exc.errors
    filters = query.Filters()
    for check in (
        lambda: query.filters_from(data.filters),
        lambda: resolve(data.period, zone, now, data.period_start, data.period_end),
    ):
        try:
            found = check()
        except Invalid as exc:
            errors += exc.errors
        else:
            filters = found if isinstance(found, query.Filters) else filters
    if errors:
        raise Invalid("The report is refused.", code="bad_report", errors=errors)
    return blocks, filters


# --- CRUD ------------------------------------------------------------------------------------


def _get(session: Session, actor: Actor, report_id: uuid.UUID) -> Report:
    report = session.scalar(
        select(Report).where(Report.id == report_id, Report.workspace_id == actor.workspace_id)
    )
    if report is None:
        raise NotFound("Report not found.", code="report_not_found")
    return report


def list_reports(session: Session, actor: Actor) -> list[Report]:
    actor.require(Permission.ANALYTICS_VIEW)
    return list(
        session.scalars(
            select(Report)
            .where(Report.workspace_id == actor.workspace_id)
            .order_by(Report.name, Report.id)
        )
    )


def get_report(session: Session, actor: Actor, report_id: uuid.UUID) -> Report:
    actor.require(Permission.ANALYTICS_VIEW)
    return _get(session, actor, report_id)


def _apply(
    report: Report, data: ReportInput, blocks: list[dict[str, object]], zone: str, now: datetime
) -> None:
    report.name = data.name.strip()
    report.language = data.language
    report.period = data.period
    custom = data.period == "custom"
    report.period_start = data.period_start if custom else None
    report.period_end = data.period_end if custom else None
    report.filters = dict(data.filters or {})
    report.engagement_basis = data.engagement_basis
    report.blocks = blocks
    report.schedule = data.schedule
    report.schedule_weekday = data.schedule_weekday
    report.schedule_day = data.schedule_day
    report.schedule_hour = data.schedule_hour
    report.recipients = list(dict.fromkeys(r.strip() for r in data.recipients or []))
    report.next_run_at = next_run(report, zone, now)


def create_report(
    session: Session, actor: Actor, data: ReportInput, now: datetime | None = None
) -> Report:
    actor.require(Permission.ANALYTICS_MANAGE)
    now = now or utcnow()
    zone = query.workspace_zone(session, actor.workspace_id)
    blocks, _filters = _check(data, zone, now)
    report = Report(workspace_id=actor.workspace_id, created_by=actor.user_id, name="")
    _apply(report, data, blocks, zone, now)
    session.add(report)
    session.flush()
    record(session, actor, "analytics.report.created", "report", report.id, after=snapshot(report))
    return report


def input_of(report: Report) -> ReportInput:
    """A report's settings as an input, to change a few of them."""
    return ReportInput(**{f.name: getattr(report, f.name) for f in fields(ReportInput)})


def update_report(
    session: Session,
    actor: Actor,
    report_id: uuid.UUID,
    changes: Mapping[str, object],
    *,
    version: int | None = None,
    now: datetime | None = None,
) -> Report:
    """Changes the given settings (names of ReportInput); `version`, when given, must be the
    report's current one (someone else's edit in between is refused, not overwritten)."""
    actor.require(Permission.ANALYTICS_MANAGE)
    report = _get(session, actor, report_id)
    if version is not None and version != report.version:
        message = _("Someone changed this report meanwhile: reload it.")
        raise Invalid(
            message,
            code="report_changed",
            errors=[FieldError("version", "current", message, actual=version)],
        )
    now = now or utcnow()
    zone = query.workspace_zone(session, actor.workspace_id)
    data = replace(input_of(report), **changes)  # type: ignore[arg-type]
    blocks, _filters = _check(data, zone, now)
    before = snapshot(report)
    _apply(report, data, blocks, zone, now)
    report.version += 1
    report.last_error = None
    session.flush()
    record(
        session,
        actor,
        "analytics.report.updated",
        "report",
        report.id,
        before=before,
        after=snapshot(report),
    )
    return report


def delete_report(session: Session, actor: Actor, report_id: uuid.UUID) -> None:
    actor.require(Permission.ANALYTICS_MANAGE)
    report = _get(session, actor, report_id)
    before = snapshot(report)
    session.delete(report)
    session.flush()
    record(session, actor, "analytics.report.deleted", "report", report_id, before=before)


# --- share links -----------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share(
    session: Session,
    actor: Actor,
    report_id: uuid.UUID,
    days: int = SHARE_DAYS,
    now: datetime | None = None,
) -> Shared:
    """A new read-only link (the previous one stops working); the token is returned once."""
    actor.require(Permission.ANALYTICS_MANAGE)
    if not 1 <= days <= MAX_SHARE_DAYS:
        message = _("A share link lasts 1 to 365 days.")
        raise Invalid(
            message,
            code="bad_share",
            errors=[FieldError("days", "range", message, limit=[1, MAX_SHARE_DAYS], actual=days)],
        )
    report = _get(session, actor, report_id)
    token = secrets.token_urlsafe(32)
    report.share_token_hash = token_hash(token)
    report.share_expires_at = (now or utcnow()) + timedelta(days=days)
    session.flush()
    record(
        session,
        actor,
        "analytics.report.shared",
        "report",
        report.id,
        after={"expires_at": report.share_expires_at.isoformat()},
    )
    return Shared(report, token, report.share_expires_at)


def unshare(session: Session, actor: Actor, report_id: uuid.UUID) -> None:
    actor.require(Permission.ANALYTICS_MANAGE)
    report = _get(session, actor, report_id)
    report.share_token_hash = None
    report.share_expires_at = None
    session.flush()
    record(session, actor, "analytics.report.unshared", "report", report.id)


def shared_report(session: Session, token: str, now: datetime | None = None) -> Report:
    """The report a share link shows; NotFound alike for an unknown, altered or expired token."""
    found = None
    if 20 <= len(token) <= 100:
        found = session.scalar(select(Report).where(Report.share_token_hash == token_hash(token)))
    expires = found.share_expires_at if found is not None else None
    if found is None or expires is None or expires <= (now or utcnow()):
        raise NotFound("Not found.", code="not_found")
    return found
