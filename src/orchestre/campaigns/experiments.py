"""Experiments (A/B and A/B/n tests): create, change, start, stop, list, and the analysis.

An experiment compares arms on one rate: each arm's trials and successes are summed from
the analytics tables (an organic arm: its post variant's publications' latest figures; a
paid arm: its campaign's results from the day the experiment started to the day it
stopped). The analysis is the mSPRT of each variant against the control (arm 0) at
alpha / (arms - 1), valid however often it is read (campaigns.stats, docs/experiments.md),
with the days still needed and a Thompson-sampling budget split.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from orchestre.analytics import kpis as k
from orchestre.audit.service import record, snapshot
from orchestre.campaigns import experiments_repository as repo
from orchestre.campaigns import stats
from orchestre.errors import Conflict, FieldError, Invalid, NotFound, TransitionRefused
from orchestre.kit.clock import utcnow
from orchestre.models import Experiment, ExperimentArm, ExperimentStatus
from orchestre.workspaces.permissions import Actor, Permission

_ = k._
# metric -> (label, needs a post variant in each arm, needs a campaign in each arm)
METRICS: dict[str, tuple[str, bool, bool]] = {
    "ctr": (_("Click-through rate"), False, False),
    "engagement_rate_reach": (_("Engagement rate (by reach)"), True, False),
    "engagement_rate_impressions": (_("Engagement rate (by impressions)"), True, False),
    "conversion_rate": (_("Conversion rate"), False, True),
}
MAX_NAME, MAX_ARM_NAME, MAX_HYPOTHESIS = 120, 80, 2000
BUDGET_FLOOR = 0.05  # each arm keeps 5 % of the budget to go on exploring
# Below these the sample sizes run past any real audience (and past a float).
MIN_BASELINE, MIN_MDE = 0.0001, 0.001


@dataclass(frozen=True)
class ArmInput:
    name: str
    variant_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ExperimentInput:
    name: str
    metric: str
    baseline: float
    arms: list[ArmInput]
    hypothesis: str = ""
    alpha: float = 0.05
    power: float = 0.8
    mde: float = 0.1
    daily_per_arm: float | None = None


@dataclass(frozen=True)
class ExperimentChanges:
    """Only the fields given change; the design (metric, figures, arms) only in a draft."""

    name: str | None = None
    hypothesis: str | None = None
    metric: str | None = None
    baseline: float | None = None
    alpha: float | None = None
    power: float | None = None
    mde: float | None = None
    daily_per_arm: float | None = None
    arms: list[ArmInput] | None = None


@dataclass(frozen=True)
class Loaded:
    experiment: Experiment
    arms: list[ExperimentArm] = field(default_factory=list)


# --- checks ----------------------------------------------------------------------------------


def check_design(
    baseline: float, mde: float, alpha: float, power: float, daily: float | None
) -> list[FieldError]:
    """The planner's inputs: shared by experiments and the planner route."""
    errors = []
    if not MIN_BASELINE <= baseline < 1:
        message = _("The baseline rate is between 0.0001 (0.01 %) and 1.")
        errors.append(FieldError("baseline", "range", message, limit=MIN_BASELINE))
    if not mde >= MIN_MDE:
        message = _("The minimum detectable effect is at least 0.001 (+0.1 %).")
        errors.append(FieldError("mde", "range", message, limit=MIN_MDE))
    elif 0 < baseline < 1 and baseline * (1 + mde) >= 1:
        message = _("The baseline raised by the minimum detectable effect must stay below 100 %.")
        errors.append(FieldError("mde", "range", message, actual=mde))
    if not 0 < alpha <= 0.2:
        message = _("The significance level alpha is above 0 and at most 0.2.")
        errors.append(FieldError("alpha", "range", message, limit=0.2, actual=alpha))
    if not 0.5 <= power < 1:
        message = _("The power is at least 0.5 and below 1.")
        errors.append(FieldError("power", "range", message, actual=power))
    if daily is not None and not daily >= 1:
        message = _("The expected daily sample per arm is at least 1.")
        errors.append(FieldError("daily_per_arm", "range", message))
    return errors


def _check_arms(
    session: Session, actor: Actor, metric: str, arms: list[ArmInput]
) -> list[FieldError]:
    errors = []
    if not 2 <= len(arms) <= stats.MAX_ARMS:
        message = _("An experiment has between 2 and 8 arms.")
        errors.append(FieldError("arms", "length", message, limit=stats.MAX_ARMS))
    names = [a.name.strip() for a in arms]
    if any(not n or len(n) > MAX_ARM_NAME for n in names):
        message = _("Each arm has a name of at most 80 characters.")
        errors.append(FieldError("arms", "name", message, limit=MAX_ARM_NAME))
    if len({n.casefold() for n in names}) != len(names):
        errors.append(FieldError("arms", "unique", _("Each arm has its own name.")))
    _label, needs_post, needs_campaign = METRICS.get(metric, ("", False, False))
    for arm in arms:
        if arm.variant_id is None and arm.campaign_id is None:
            message = _("Each arm points at a post variant, a campaign or both.")
            errors.append(FieldError("arms", "source", message))
            break
        if (needs_post and arm.variant_id is None) or (needs_campaign and arm.campaign_id is None):
            message = _(
                "This metric needs a post variant (engagement) or a campaign (conversions) "
                "in every arm."
            )
            errors.append(FieldError("arms", "metric", message, actual=metric))
            break
    variants = {a.variant_id for a in arms if a.variant_id is not None}
    campaigns = {a.campaign_id for a in arms if a.campaign_id is not None}
    found_v, found_c = repo.existing(session, actor.workspace_id, variants, campaigns)
    for missing in sorted(variants - found_v, key=str):
        message = _("Not found in this workspace.")
        errors.append(FieldError("arms.variant_id", "exists", message, actual=str(missing)))
    for missing in sorted(campaigns - found_c, key=str):
        message = _("Not found in this workspace.")
        errors.append(FieldError("arms.campaign_id", "exists", message, actual=str(missing)))
    return errors


def _check(session: Session, actor: Actor, data: ExperimentInput) -> None:
    errors = []
    if not data.name.strip() or len(data.name) > MAX_NAME:
        message = _("The name is 1 to 120 characters.")
        errors.append(FieldError("name", "length", message, limit=MAX_NAME))
    if len(data.hypothesis) > MAX_HYPOTHESIS:
        message = _("The hypothesis is 2,000 characters at most.")
        errors.append(FieldError("hypothesis", "length", message, limit=MAX_HYPOTHESIS))
    if data.metric not in METRICS:
        message = _("The metric is one of: ") + ", ".join(METRICS) + "."
        errors.append(
            FieldError("metric", "enum", message, limit=list(METRICS), actual=data.metric)
        )
    errors += check_design(data.baseline, data.mde, data.alpha, data.power, data.daily_per_arm)
    errors += _check_arms(session, actor, data.metric, data.arms)
    if errors:
        raise Invalid("The experiment is refused.", code="bad_experiment", errors=errors)


# --- CRUD ------------------------------------------------------------------------------------


def _get(session: Session, actor: Actor, experiment_id: uuid.UUID) -> Experiment:
    found: Experiment | None = repo.experiment(session, actor.workspace_id, experiment_id)
    if found is None:
        raise NotFound("Experiment not found.", code="experiment_not_found")
    return found


def _audit_snapshot(loaded: Loaded) -> dict[str, object]:
    shot = snapshot(loaded.experiment)
    shot["arms"] = [
        snapshot(a, ["name", "position", "variant_id", "campaign_id"]) for a in loaded.arms
    ]
    return shot


def list_experiments(session: Session, actor: Actor) -> list[Loaded]:
    """The workspace's experiments, the newest first, with their arms."""
    actor.require(Permission.ANALYTICS_VIEW)
    found = repo.experiments(session, actor.workspace_id)
    arms = repo.arms_of(session, actor.workspace_id, [e.id for e in found])
    return [Loaded(e, arms[e.id]) for e in found]


def get_experiment(session: Session, actor: Actor, experiment_id: uuid.UUID) -> Loaded:
    actor.require(Permission.ANALYTICS_VIEW)
    experiment = _get(session, actor, experiment_id)
    return Loaded(experiment, repo.arms(session, actor.workspace_id, experiment.id))


def _put_arms(
    session: Session, actor: Actor, experiment: Experiment, arms: list[ArmInput]
) -> list[ExperimentArm]:
    rows = [
        ExperimentArm(
            experiment_id=experiment.id,
            workspace_id=actor.workspace_id,
            position=position,
            name=arm.name.strip(),
            variant_id=arm.variant_id,
            campaign_id=arm.campaign_id,
        )
        for position, arm in enumerate(arms)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def create_experiment(session: Session, actor: Actor, data: ExperimentInput) -> Loaded:
    actor.require(Permission.ANALYTICS_MANAGE)
    _check(session, actor, data)
    experiment = Experiment(
        workspace_id=actor.workspace_id,
        name=data.name.strip(),
        hypothesis=data.hypothesis,
        metric=data.metric,
        baseline=data.baseline,
        alpha=data.alpha,
        power=data.power,
        mde=data.mde,
        daily_per_arm=data.daily_per_arm,
    )
    session.add(experiment)
    session.flush()
    loaded = Loaded(experiment, _put_arms(session, actor, experiment, data.arms))
    record(
        session,
        actor,
        "campaigns.experiment.created",
        "experiment",
        experiment.id,
        after=_audit_snapshot(loaded),
    )
    return loaded


def update_experiment(
    session: Session, actor: Actor, experiment_id: uuid.UUID, changes: ExperimentChanges
) -> Loaded:
    actor.require(Permission.ANALYTICS_MANAGE)
    experiment = _get(session, actor, experiment_id)
    arms = repo.arms(session, actor.workspace_id, experiment.id)
    before = _audit_snapshot(Loaded(experiment, arms))
    design = replace(changes, name=None, hypothesis=None)
    if experiment.status != ExperimentStatus.DRAFT and design != ExperimentChanges():
        raise Conflict(
            "Only the name and hypothesis of a started experiment can change.",
            code="experiment_started",
        )
    current = [ArmInput(a.name, a.variant_id, a.campaign_id) for a in arms]
    data = ExperimentInput(
        name=experiment.name if changes.name is None else changes.name,
        hypothesis=experiment.hypothesis if changes.hypothesis is None else changes.hypothesis,
        metric=changes.metric or experiment.metric,
        baseline=(experiment.baseline or 0.0) if changes.baseline is None else changes.baseline,
        alpha=changes.alpha or experiment.alpha,
        power=changes.power or experiment.power,
        mde=changes.mde or experiment.mde,
        daily_per_arm=changes.daily_per_arm or experiment.daily_per_arm,
        arms=current if changes.arms is None else changes.arms,
    )
    _check(session, actor, data)
    experiment.name, experiment.hypothesis = data.name.strip(), data.hypothesis
    experiment.metric, experiment.baseline = data.metric, data.baseline
    experiment.alpha, experiment.power, experiment.mde = data.alpha, data.power, data.mde
    experiment.daily_per_arm = data.daily_per_arm
    if changes.arms is not None:
        for arm in arms:
            session.delete(arm)
        session.flush()
        arms = _put_arms(session, actor, experiment, changes.arms)
    session.flush()
    loaded = Loaded(experiment, arms)
    record(
        session,
        actor,
        "campaigns.experiment.updated",
        "experiment",
        experiment.id,
        before=before,
        after=_audit_snapshot(loaded),
    )
    return loaded


def delete_experiment(session: Session, actor: Actor, experiment_id: uuid.UUID) -> None:
    actor.require(Permission.ANALYTICS_MANAGE)
    experiment = _get(session, actor, experiment_id)
    before = _audit_snapshot(
        Loaded(experiment, repo.arms(session, actor.workspace_id, experiment.id))
    )
    session.delete(experiment)
    session.flush()
    record(
        session, actor, "campaigns.experiment.deleted", "experiment", experiment_id, before=before
    )


def _move(
    session: Session,
    actor: Actor,
    experiment_id: uuid.UUID,
    to: ExperimentStatus,
    now: datetime | None,
) -> Loaded:
    actor.require(Permission.ANALYTICS_MANAGE)
    experiment = _get(session, actor, experiment_id)
    before = snapshot(experiment)
    wanted_from = (
        ExperimentStatus.DRAFT if to is ExperimentStatus.RUNNING else ExperimentStatus.RUNNING
    )
    if experiment.status != wanted_from:
        if to is ExperimentStatus.RUNNING:
            raise TransitionRefused(
                "Only a draft experiment can start.", code="experiment_not_draft"
            )
        raise TransitionRefused(
            "Only a running experiment can stop.", code="experiment_not_running"
        )
    moment = now or utcnow()
    experiment.status = to.value
    if to is ExperimentStatus.RUNNING:
        experiment.started_at = moment
    else:
        experiment.stopped_at = moment
    session.flush()
    action = "started" if to is ExperimentStatus.RUNNING else "stopped"
    record(
        session,
        actor,
        f"campaigns.experiment.{action}",
        "experiment",
        experiment.id,
        before=before,
        after=snapshot(experiment),
    )
    return Loaded(experiment, repo.arms(session, actor.workspace_id, experiment.id))


def start_experiment(
    session: Session, actor: Actor, experiment_id: uuid.UUID, now: datetime | None = None
) -> Loaded:
    return _move(session, actor, experiment_id, ExperimentStatus.RUNNING, now)


def stop_experiment(
    session: Session, actor: Actor, experiment_id: uuid.UUID, now: datetime | None = None
) -> Loaded:
    return _move(session, actor, experiment_id, ExperimentStatus.STOPPED, now)


# --- planner ---------------------------------------------------------------------------------


def plan(
    actor: Actor,
    *,
    baseline: float,
    mde: float,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    daily_per_arm: float | None = None,
) -> stats.Plan:
    """The planner without saving anything: sample size per arm and days."""
    actor.require(Permission.ANALYTICS_VIEW)
    errors = check_design(baseline, mde, alpha, power, daily_per_arm)
    if not 2 <= arms <= stats.MAX_ARMS:
        message = _("An experiment has between 2 and 8 arms.")
        errors.append(FieldError("arms", "range", message, limit=stats.MAX_ARMS, actual=arms))
    if errors:
        raise Invalid("The plan is refused.", code="bad_plan", errors=errors)
    try:
        return stats.plan(
            baseline, mde, alpha=alpha, power=power, arms=arms, daily_per_arm=daily_per_arm
        )
    except ValueError as exc:
        message = _("The effect is too small to be detected with any real audience.")
        raise Invalid(
            str(exc), code="bad_plan", errors=[FieldError("mde", "range", message)]
        ) from exc


@dataclass(frozen=True)
class ArmChoices:
    variants: list[repo.VariantChoice]
    campaigns: list[tuple[uuid.UUID, str]]


def arm_choices(session: Session, actor: Actor, limit: int = 200) -> ArmChoices:
    """What an arm can point at: published variants with figures, and campaigns."""
    actor.require(Permission.ANALYTICS_VIEW)
    return ArmChoices(
        repo.published_variants(session, actor.workspace_id, limit),
        repo.campaign_choices(session, actor.workspace_id),
    )
