"""The analysis of an experiment: each arm's figures, each variant against the control by the
mSPRT (always-valid p-value, confidence sequences of the absolute and relative lift), the
verdict in plain words in English or French, the days still needed, and the budget split.

Decision rule (docs/experiments.md): a variant wins (or loses) once its always-valid
p-value against the control is below alpha / (arms - 1); until then "no difference
detectable yet", with about how many more days the planner's effect would need.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from orchestre.analytics.report_render import Formatter
from orchestre.campaigns import experiments as service
from orchestre.campaigns import experiments_repository as repo
from orchestre.campaigns import stats
from orchestre.kit.clock import utcnow
from orchestre.models import Experiment, ExperimentArm, ExperimentStatus
from orchestre.workspaces.permissions import Actor

_ = service._
MIN_RATE = service.MIN_BASELINE
OUTCOMES = ("wins", "loses", "no_difference_yet", "no_difference", "not_enough_data")


@dataclass(frozen=True)
class ArmFigures:
    arm: ExperimentArm
    trials: int  # impressions, reach or clicks, as the metric says
    successes: int  # clicks, engagements or conversions
    rate: float | None
    posts: int
    result_days: int
    share: float  # suggested share of the budget (Thompson sampling)
    probability_best: float


@dataclass(frozen=True)
class ArmVerdict:
    arm: ExperimentArm
    comparison: stats.Comparison
    outcome: str  # one of OUTCOMES
    days_needed: int | None
    sentence: str


@dataclass(frozen=True)
class Analysis:
    experiment: Experiment
    figures: list[ArmFigures]
    verdicts: list[ArmVerdict]  # one per variant (arm 1 on), against the control
    alpha_per_comparison: float
    days_running: float
    summary: str


def days_running(experiment: Experiment, now: datetime) -> float:
    """Days since the start (to the stop when stopped); 0 for a draft."""
    if experiment.started_at is None:
        return 0.0
    end = experiment.stopped_at or now
    return max((end - experiment.started_at).total_seconds() / 86_400, 0.0)


def arm_totals(
    session: Session, actor: Actor, loaded: service.Loaded, now: datetime
) -> list[repo.Totals]:
    """Each arm's trials and successes, organic and paid added up; paid results count from
    the day the experiment started (none before it starts)."""
    experiment, arms = loaded.experiment, loaded.arms
    variants = [a.variant_id for a in arms if a.variant_id is not None]
    campaigns = [a.campaign_id for a in arms if a.campaign_id is not None]
    organic = repo.post_totals(session, actor.workspace_id, experiment.metric, variants)
    paid: dict[uuid.UUID, repo.Totals] = {}
    if experiment.started_at is not None:
        first = experiment.started_at.date()
        last = (experiment.stopped_at or now).date()
        paid = repo.paid_totals(
            session, actor.workspace_id, experiment.metric, campaigns, first, last
        )
    found = []
    for arm in arms:
        total = repo.Totals()
        if arm.variant_id is not None:
            total = total + organic.get(arm.variant_id, repo.Totals())
        if arm.campaign_id is not None:
            total = total + paid.get(arm.campaign_id, repo.Totals())
        found.append(total)
    return found


def as_arm(total: repo.Totals) -> stats.Arm:
    """Counts for the binomial model: whole numbers, successes at most the trials."""
    trials = max(round(total.trials), 0)
    return stats.Arm(trials, min(max(round(total.successes), 0), trials))


def planned_baseline(experiment: Experiment) -> float:
    """The planner's baseline; one the service did not check (a row written by hand) is
    brought within the rates the mixing distribution can be built on."""
    top = 0.99 / (1 + experiment.mde)
    return min(max(experiment.baseline or 0.02, MIN_RATE), top)


def needed_days(
    experiment: Experiment, control: stats.Arm, variant: stats.Arm, level: float, elapsed: float
) -> int | None:
    """About how many more days until the mSPRT could call the effect the planner aims at
    (or the one observed, when larger), at the daily sample planned, else seen so far."""
    baseline = planned_baseline(experiment)
    rate = control.rate if control.enough else baseline
    if not 0 < rate < 1:
        return None
    tau_abs, _rel = stats.taus(baseline, experiment.mde)
    lift = max(abs(variant.rate - control.rate) if control.enough else 0.0, tau_abs)
    if rate + lift >= 1:
        return None
    needed = stats.sequential_trials(rate, rate + lift, level, tau_abs)
    have = min(control.trials, variant.trials)
    daily = experiment.daily_per_arm or (have / elapsed if elapsed >= 1 else None)
    if not daily:
        return None
    return max(1, math.ceil(max(needed - have, 0) / daily))


def _outcome(experiment: Experiment, comparison: stats.Comparison) -> str:
    if not comparison.enough_data:
        return "not_enough_data"
    if comparison.significant:
        return "wins" if comparison.lift > 0 else "loses"
    if experiment.status == ExperimentStatus.STOPPED:
        return "no_difference"
    return "no_difference_yet"


def sentence(
    fmt: Formatter,
    outcome: str,
    metric: str,
    arm: str,
    control: str,
    comparison: stats.Comparison,
    days: int | None,
) -> str:
    """One variant's verdict in the formatter's language."""
    gt = fmt.gt.gettext
    values = {
        "arm": arm,
        "control": control,
        "metric": gt(service.METRICS[metric][0]),
        "lift": fmt.change(comparison.relative),
        "low": fmt.change(comparison.relative_low),
        "high": fmt.change(comparison.relative_high),
        "events": stats.MIN_EVENTS,
        "days": days,
    }
    if outcome == "wins":
        text = gt(_("%(arm)s wins on %(metric)s: %(lift)s [%(low)s, %(high)s]"))
    elif outcome == "loses":
        text = gt(_("%(arm)s loses on %(metric)s: %(lift)s [%(low)s, %(high)s]"))
    elif outcome == "no_difference":
        text = gt(
            _(
                "No difference detected between %(arm)s and %(control)s on %(metric)s: "
                "%(lift)s [%(low)s, %(high)s]"
            )
        )
    elif outcome == "not_enough_data":
        text = gt(
            _(
                "Not enough data yet to compare %(arm)s with %(control)s: each arm needs at "
                "least %(events)s successes and %(events)s failures"
            )
        )
    elif days is None:
        text = gt(
            _(
                "No difference detectable yet between %(arm)s and %(control)s on %(metric)s: "
                "%(lift)s [%(low)s, %(high)s]"
            )
        )
    elif days == 1:
        text = gt(
            _(
                "No difference detectable yet between %(arm)s and %(control)s on %(metric)s: "
                "%(lift)s [%(low)s, %(high)s]; about 1 more day needed"
            )
        )
    else:
        text = gt(
            _(
                "No difference detectable yet between %(arm)s and %(control)s on %(metric)s: "
                "%(lift)s [%(low)s, %(high)s]; about %(days)s more days needed"
            )
        )
    return text % values


def _summary(fmt: Formatter, experiment: Experiment, verdicts: list[ArmVerdict]) -> str:
    if experiment.status == ExperimentStatus.DRAFT:
        return fmt.gt.gettext(_("Not started: the figures count once the experiment starts."))
    return " ".join(v.sentence + "." for v in verdicts)


def analyse(
    session: Session,
    actor: Actor,
    experiment_id: uuid.UUID,
    *,
    language: str = "en",
    now: datetime | None = None,
) -> Analysis:
    loaded = service.get_experiment(session, actor, experiment_id)
    return analysis_of(session, actor, loaded, language=language, now=now or utcnow())


def analysis_of(
    session: Session, actor: Actor, loaded: service.Loaded, *, language: str, now: datetime
) -> Analysis:
    experiment, arms = loaded.experiment, loaded.arms
    totals = arm_totals(session, actor, loaded, now)
    counts = [as_arm(t) for t in totals]
    level = stats.correct_alpha(experiment.alpha, len(arms))
    tau_abs, tau_rel = stats.taus(planned_baseline(experiment), experiment.mde)
    elapsed = days_running(experiment, now)
    fmt = Formatter(language)
    seed = experiment.id.int % 2**32
    shares = stats.budget_shares(counts, floor=service.BUDGET_FLOOR, seed=seed)
    best = stats.probability_best(counts, seed=seed)
    control = counts[0]
    verdicts = []
    for arm, counted in zip(arms[1:], counts[1:], strict=True):
        found = stats.compare(control, counted, alpha=level, tau_abs=tau_abs, tau_rel=tau_rel)
        outcome = _outcome(experiment, found)
        days = None
        if outcome in ("no_difference_yet", "not_enough_data"):
            days = needed_days(experiment, control, counted, level, elapsed)
        words = sentence(fmt, outcome, experiment.metric, arm.name, arms[0].name, found, days)
        verdicts.append(ArmVerdict(arm, found, outcome, days, words))
    figures = [
        ArmFigures(
            arm, c.trials, c.successes, c.rate if c.trials else None, t.posts, t.days, share, p
        )
        for arm, c, t, share, p in zip(arms, counts, totals, shares, best, strict=True)
    ]
    return Analysis(
        experiment, figures, verdicts, level, elapsed, _summary(fmt, experiment, verdicts)
    )
