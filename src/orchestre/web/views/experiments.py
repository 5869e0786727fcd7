"""The experiments pages: the workspace's A/B tests with a form whose planner answers as the
figures are typed (htmx), and each experiment's page with its arms' figures, the verdict
in words with its intervals, the days still needed and the suggested budget split."""

from __future__ import annotations

import math
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from orchestre.analytics.report_render import Formatter
from orchestre.campaigns import experiments as service
from orchestre.campaigns import experiments_analysis as analysis
from orchestre.campaigns import stats
from orchestre.errors import FieldError, Invalid
from orchestre.web import i18n
from orchestre.web.forms import Form, attempt, redirect, text, translated
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/experiments"
FORM_ARMS = stats.MAX_ARMS  # rows of the form, as many as the API takes
SHOWN_ARMS = 4  # rows shown at first; "Add an arm" shows the next
ARM_LETTERS = "ABCDEFGH"
DEFAULTS = {"baseline": "2", "mde": "10", "alpha": "0.05", "power": "0.8", "daily_per_arm": ""}


def _number(form: Any, name: str, scale: float = 1.0) -> float | None:
    """A typed number (comma or point); None when empty, NaN when unreadable (refused)."""
    raw = text(form, name).strip().replace(",", ".").replace("\u202f", "").replace(" ", "")
    if not raw:
        return None
    try:
        return float(raw) / scale
    except ValueError:
        return math.nan


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value.strip() else None
    except ValueError:
        return None


def _arm_filled(form: Any, i: int) -> bool:
    return any(form.get(f"arm_{part}_{i}") for part in ("name", "variant", "campaign"))


def experiment_input(form: FormData) -> service.ExperimentInput:
    """The form as an experiment: rates are typed in percent; rows without a post or a
    campaign are left out."""
    arms = []
    for i in range(FORM_ARMS):
        variant = _uuid(text(form, f"arm_variant_{i}"))
        campaign = _uuid(text(form, f"arm_campaign_{i}"))
        if variant or campaign:
            name = text(form, f"arm_name_{i}").strip() or ARM_LETTERS[i]
            arms.append(service.ArmInput(name, variant, campaign))
    baseline = _number(form, "baseline", 100)
    mde = _number(form, "mde", 100)
    return service.ExperimentInput(
        name=text(form, "name"),
        hypothesis=text(form, "hypothesis"),
        metric=text(form, "metric", "ctr"),
        baseline=math.nan if baseline is None else baseline,
        mde=math.nan if mde is None else mde,
        alpha=_number(form, "alpha") or math.nan,
        power=_number(form, "power") or math.nan,
        daily_per_arm=_number(form, "daily_per_arm"),
        arms=arms,
    )


def metric_labels() -> dict[str, str]:
    return {name: _(label) for name, (label, _post, _paid) in service.METRICS.items()}


def _render_list(
    request: Request,
    view: WorkspaceView,
    *,
    form: Any = None,
    form_errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    context = shell_context(request, view, "experiments")
    if not view.can(Permission.ANALYTICS_VIEW):
        return render(request, "analytics/not_allowed.html", context, status_code=403)
    choices = service.arm_choices(view.db, view.actor)
    context.update(
        experiments=service.list_experiments(view.db, view.actor),
        variants=choices.variants,
        campaigns=choices.campaigns,
        metrics=metric_labels(),
        form=form if form is not None else DEFAULTS,
        form_errors=form_errors or [],
        arm_rows=range(FORM_ARMS),
        arm_letters=ARM_LETTERS,
        shown_arms=max(
            [SHOWN_ARMS] + [i + 1 for i in range(FORM_ARMS) if _arm_filled(form or DEFAULTS, i)]
        ),
        plan=_plan_of(view, form if form is not None else DEFAULTS),
    )
    done = {"deleted": _("Experiment deleted.")}.get(request.query_params.get("done") or "")
    if done:
        context["toasts"] = [*context["toasts"], {"kind": "success", "message": done}]
    return render(request, "experiments/list.html", context, status_code=status_code)


def _plan_of(view: WorkspaceView, form: Any) -> dict[str, Any]:
    """The planner's answer for the form's figures, or the rules they break."""
    arms = sum(
        1
        for i in range(FORM_ARMS)
        if text(form, f"arm_variant_{i}") or text(form, f"arm_campaign_{i}")
    )
    try:
        found = service.plan(
            view.actor,
            baseline=_number(form, "baseline", 100) or math.nan,
            mde=_number(form, "mde", 100) or math.nan,
            alpha=_number(form, "alpha") or math.nan,
            power=_number(form, "power") or math.nan,
            arms=max(arms, 2),
            daily_per_arm=_number(form, "daily_per_arm"),
        )
    except Invalid as exc:
        return {"errors": translated(exc.errors)}
    return {"plan": found, "arms": max(arms, 2)}


@router.get(PAGE, response_class=HTMLResponse)
def page(request: Request, view: CurrentWorkspace) -> Response:
    return _render_list(request, view)


@router.get(PAGE + "/plan", response_class=HTMLResponse)
def planner(request: Request, view: CurrentWorkspace) -> Response:
    """The planner's answer as the form's figures change (an htmx swap)."""
    context = shell_context(request, view, "experiments")
    context["plan"] = _plan_of(view, request.query_params)
    return render(request, "experiments/_plan.html", context)


@router.post(PAGE)
def create(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    made: list[service.Loaded] = []
    with attempt(view.db) as errors:
        made.append(service.create_experiment(view.db, view.actor, experiment_input(form)))
    if errors:
        return _render_list(request, view, form=form, form_errors=errors, status_code=422)
    return redirect(f"{view.base}{PAGE}/{made[0].experiment.id}", "experiment_saved")


def _figures(found: analysis.Analysis, fmt: Formatter) -> list[dict[str, Any]]:
    rows = []
    for figures in found.figures:
        rows.append(
            {
                "name": figures.arm.name,
                "control": figures.arm.position == 0,
                "trials": i18n.format_number(figures.trials),
                "successes": i18n.format_number(figures.successes),
                "rate": fmt.value("ctr", figures.rate),
                "share": fmt.value("ctr", figures.share),
                "best": fmt.value("ctr", figures.probability_best),
                "variant_id": figures.arm.variant_id,
                "campaign_id": figures.arm.campaign_id,
            }
        )
    return rows


def _verdicts(found: analysis.Analysis, fmt: Formatter) -> list[dict[str, Any]]:
    rows = []
    for verdict in found.verdicts:
        c = verdict.comparison
        relative = (fmt.change(c.relative_low), fmt.change(c.relative_high))
        rows.append(
            {
                "name": verdict.arm.name,
                "outcome": verdict.outcome,
                "sentence": verdict.sentence,
                "relative": fmt.change(c.relative),
                "relative_interval": "[{}, {}]".format(*relative),
                "absolute": fmt.change(c.lift),
                "absolute_interval": f"[{fmt.change(c.lift_low)}, {fmt.change(c.lift_high)}]",
                "p_value": (
                    "< " + i18n.format_number(0.0001)
                    if c.p_value < 0.0001
                    else i18n.format_number(round(c.p_value, 4))
                ),
                "days_needed": verdict.days_needed,
            }
        )
    return rows


@router.get(PAGE + "/{experiment_id}", response_class=HTMLResponse)
def detail(request: Request, view: CurrentWorkspace, experiment_id: uuid.UUID) -> Response:
    context = shell_context(request, view, "experiments")
    if not view.can(Permission.ANALYTICS_VIEW):
        return render(request, "analytics/not_allowed.html", context, status_code=403)
    locale = i18n.current().locale
    found = analysis.analyse(view.db, view.actor, experiment_id, language=locale)
    fmt = Formatter(locale)
    experiment = found.experiment
    context.update(
        experiment=experiment,
        metric_label=metric_labels().get(experiment.metric, experiment.metric),
        analysis=found,
        figures=_figures(found, fmt),
        verdicts=_verdicts(found, fmt),
        baseline=fmt.value("ctr", experiment.baseline),
        mde=fmt.change(experiment.mde),
        alpha_per_comparison=i18n.format_number(round(found.alpha_per_comparison, 4)),
        days_running=i18n.format_number(round(found.days_running, 1)),
        floor=fmt.value("ctr", service.BUDGET_FLOOR),
        min_events=stats.MIN_EVENTS,
    )
    notices = {
        "experiment_saved": _("Experiment saved. Start it when the arms go out."),
        "started": _("Experiment started: the figures count from now."),
        "stopped": _("Experiment stopped."),
    }
    done = notices.get(request.query_params.get("done") or "")
    if done:
        context["toasts"] = [*context["toasts"], {"kind": "success", "message": done}]
    return render(request, "experiments/detail.html", context)


@router.post(PAGE + "/{experiment_id}/start")
def start(view: WorkspaceWrite, experiment_id: uuid.UUID) -> Response:
    service.start_experiment(view.db, view.actor, experiment_id)
    return redirect(f"{view.base}{PAGE}/{experiment_id}", "started")


@router.post(PAGE + "/{experiment_id}/stop")
def stop(view: WorkspaceWrite, experiment_id: uuid.UUID) -> Response:
    service.stop_experiment(view.db, view.actor, experiment_id)
    return redirect(f"{view.base}{PAGE}/{experiment_id}", "stopped")


@router.post(PAGE + "/{experiment_id}/delete")
def delete(view: WorkspaceWrite, experiment_id: uuid.UUID) -> Response:
    service.delete_experiment(view.db, view.actor, experiment_id)
    return redirect(f"{view.base}{PAGE}", "deleted")
