"""The crisis page: alerts with their evidence (volume against the baseline as a small
chart drawn on the server, terms, sample messages, channels), and what to do about them:
acknowledge, resolve, crisis mode."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.models.moderation import CrisisAlert
from orchestre.moderation import crisis
from orchestre.moderation.detect import MENTIONS_KEY
from orchestre.publishing import service as publishing
from orchestre.web.forms import Form, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceWrite
from orchestre.web.shell import list_channels, shell_context

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/crisis"
CHART_WIDTH, CHART_HEIGHT = 320.0, 64.0


def notices() -> dict[str, str]:
    return {
        "acknowledged": _("Alert acknowledged."),
        "resolved": _("Alert resolved."),
        "crisis_mode": _(
            "Crisis mode is on: publishing is paused and the team has been told. "
            "Resume publishing from the Publishing page when it is over."
        ),
    }


def kind_labels() -> dict[str, str]:
    return {
        "volume": _("Message volume"),
        "negative_share": _("Share of negative messages"),
        "toxic_share": _("Share of toxic messages"),
    }


def status_labels() -> dict[str, str]:
    return {"open": _("Open alert"), "acknowledged": _("Acknowledged"), "resolved": _("Resolved")}


def severity_labels() -> dict[str, str]:
    return {"low": _("Low"), "medium": _("Medium"), "high": _("High")}


@dataclass(frozen=True)
class Chart:
    """A sparkline of the alert's measure, with the expected level as a dashed line."""

    lines: list[str]  # SVG polyline points, one per run of buckets with a value
    expected_y: float
    peak: float
    width: float = CHART_WIDTH
    height: float = CHART_HEIGHT


def chart(series: dict[str, Any] | None) -> Chart | None:
    values = list((series or {}).get("values") or [])
    if len(values) < 2:
        return None
    expected = float((series or {}).get("expected") or 0.0)
    peak = max([float(v) for v in values if v is not None] + [expected, 1e-9])
    step = CHART_WIDTH / (len(values) - 1)

    def y(value: float) -> float:
        return round(CHART_HEIGHT - 2 - value / peak * (CHART_HEIGHT - 4), 1)

    lines: list[str] = []
    run: list[str] = []
    for i, value in enumerate(values):
        if value is None:
            if len(run) > 1:
                lines.append(" ".join(run))
            run = []
            continue
        run.append(f"{round(i * step, 1)},{y(float(value))}")
    if len(run) > 1:
        lines.append(" ".join(run))
    return Chart(lines=lines, expected_y=y(expected), peak=peak)


@dataclass(frozen=True)
class Peak:
    observed: float
    at: datetime


def peak(alert: CrisisAlert) -> Peak | None:
    """The highest figure of an alert that was updated since it was raised."""
    evidence = alert.evidence or {}
    found = evidence.get("peak") or {}
    if not evidence.get("updates") or found.get("observed") is None:
        return None
    try:
        return Peak(float(found["observed"]), datetime.fromisoformat(found["bucket_start"]))
    except (KeyError, TypeError, ValueError):
        return None


def key_label(key: str, handles: dict[str, str]) -> str:
    if key.startswith("channel:"):
        return handles.get(key.removeprefix("channel:"), _("A channel"))
    if key.startswith("topic:"):
        return "#" + key.removeprefix("topic:")
    if key == MENTIONS_KEY:
        return _("Brand mentions (listening)")
    return _("All channels")


@router.get(PAGE, response_class=HTMLResponse)
def page(request: Request, view: CurrentWorkspace) -> Response:
    context = shell_context(request, view, "crisis")
    active = crisis.list_alerts(view.db, view.actor, status="active", limit=50).items
    resolved = crisis.list_alerts(view.db, view.actor, status="resolved", limit=10).items
    handles = {str(c.id): c.handle for c in list_channels(view)}
    done = notices().get(request.query_params.get("done") or "")
    if done:
        context["toasts"] = [*context["toasts"], {"kind": "success", "message": done}]
    context.update(
        active=active,
        resolved=resolved,
        charts={a.id: chart((a.evidence or {}).get("series")) for a in active},
        peaks={a.id: peak(a) for a in active},
        keys={a.id: key_label(a.key, handles) for a in [*active, *resolved]},
        handles=handles,
        replies=crisis.holding_candidates(view.db, view.actor),
        pause=publishing.workspace_pause(view.db, view.workspace.id),
        kinds=kind_labels(),
        statuses=status_labels(),
        severities=severity_labels(),
    )
    return render(request, "crisis/page.html", context)


def _done(view: WorkspaceWrite, done: str) -> Response:
    return redirect(f"{view.base}{PAGE}", done)


@router.post(PAGE + "/{alert_id}/acknowledge")
def acknowledge(view: WorkspaceWrite, alert_id: uuid.UUID) -> Response:
    crisis.acknowledge(view.db, view.actor, alert_id)
    return _done(view, "acknowledged")


@router.post(PAGE + "/{alert_id}/resolve")
def resolve(view: WorkspaceWrite, alert_id: uuid.UUID) -> Response:
    crisis.resolve(view.db, view.actor, alert_id)
    return _done(view, "resolved")


@router.post(PAGE + "/{alert_id}/crisis-mode")
def crisis_mode(view: WorkspaceWrite, alert_id: uuid.UUID, form: Form) -> Response:
    chosen = [uuid.UUID(value) for value in texts(form, "holding") if _is_uuid(value)]
    alert: CrisisAlert = crisis.engage_crisis_mode(
        view.db,
        view.actor,
        alert_id,
        reason=text(form, "reason")[:500],
        holding_statement_ids=chosen,
    )
    return _done(view, "crisis_mode" if alert.crisis_mode_at else "acknowledged")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
