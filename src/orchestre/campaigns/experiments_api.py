"""JSON routes of experiments under /workspaces/{workspace_id}/experiments: CRUD, start,
stop, the planner (nothing saved) and the analysis with its verdicts."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from orchestre.apischema import problems
from orchestre.campaigns import experiments as service
from orchestre.campaigns import experiments_analysis as analysis
from orchestre.campaigns import experiments_schemas as s
from orchestre.deps import DB, CurrentActor

router = APIRouter(tags=["experiments"])

EXPERIMENTS = "/workspaces/{workspace_id}/experiments"
EXPERIMENT = EXPERIMENTS + "/{experiment_id}"
Language = Annotated[Literal["en", "fr"], Query(description="The verdicts' language")]


def _out(loaded: service.Loaded) -> s.Experiment:
    return s.Experiment.model_validate(
        {
            **{c: getattr(loaded.experiment, c) for c in s.Experiment.model_fields if c != "arms"},
            "arms": [s.Arm.model_validate(a) for a in loaded.arms],
        }
    )


def _arms(arms: list[s.ArmIn]) -> list[service.ArmInput]:
    return [service.ArmInput(**a.model_dump()) for a in arms]


@router.get(EXPERIMENTS, response_model=list[s.Experiment], responses=problems())
def list_experiments(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[s.Experiment]:
    return [_out(e) for e in service.list_experiments(db, actor)]


@router.post(EXPERIMENTS, status_code=201, response_model=s.Experiment, responses=problems(422))
def create_experiment(
    workspace_id: uuid.UUID, body: s.ExperimentCreate, actor: CurrentActor, db: DB
) -> s.Experiment:
    """An A/B or A/B/n test in draft; the first arm is the control (analytics.manage)."""
    data = service.ExperimentInput(**{**body.model_dump(), "arms": _arms(body.arms)})
    return _out(service.create_experiment(db, actor, data))


@router.post(EXPERIMENTS + "/plan", response_model=s.PlanOut, responses=problems(422))
def plan(workspace_id: uuid.UUID, body: s.PlanIn, actor: CurrentActor) -> s.PlanOut:
    """Sample size per arm and duration from the baseline rate, the minimum detectable
    effect, alpha, power and the number of arms; nothing is saved."""
    return s.PlanOut.model_validate(service.plan(actor, **body.model_dump()))


@router.get(EXPERIMENT, response_model=s.Experiment, responses=problems(404))
def get_experiment(
    workspace_id: uuid.UUID, experiment_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Experiment:
    return _out(service.get_experiment(db, actor, experiment_id))


@router.patch(EXPERIMENT, response_model=s.Experiment, responses=problems(404, 409, 422))
def update_experiment(
    workspace_id: uuid.UUID,
    experiment_id: uuid.UUID,
    body: s.ExperimentUpdate,
    actor: CurrentActor,
    db: DB,
) -> s.Experiment:
    """A draft changes freely; a started experiment only its name and hypothesis."""
    given = body.model_dump(exclude_unset=True)
    if body.arms is not None:
        given["arms"] = _arms(body.arms)
    changes = service.ExperimentChanges(**given)
    return _out(service.update_experiment(db, actor, experiment_id, changes))


@router.delete(EXPERIMENT, status_code=204, response_class=Response, responses=problems(404))
def delete_experiment(
    workspace_id: uuid.UUID, experiment_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    service.delete_experiment(db, actor, experiment_id)
    return Response(status_code=204)


@router.post(EXPERIMENT + "/start", response_model=s.Experiment, responses=problems(404, 409))
def start_experiment(
    workspace_id: uuid.UUID, experiment_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Experiment:
    return _out(service.start_experiment(db, actor, experiment_id))


@router.post(EXPERIMENT + "/stop", response_model=s.Experiment, responses=problems(404, 409))
def stop_experiment(
    workspace_id: uuid.UUID, experiment_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Experiment:
    return _out(service.stop_experiment(db, actor, experiment_id))


@router.get(EXPERIMENT + "/analysis", response_model=s.AnalysisOut, responses=problems(404))
def analyse(
    workspace_id: uuid.UUID,
    experiment_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    language: Language = "en",
) -> s.AnalysisOut:
    """Each arm's figures, each variant against the control (always-valid p-value and
    intervals, valid however often it is read), the verdicts in words, the days still
    needed and the suggested budget split."""
    found = analysis.analyse(db, actor, experiment_id, language=language)
    return to_analysis_out(found)


def to_analysis_out(found: analysis.Analysis) -> s.AnalysisOut:
    return s.AnalysisOut(
        experiment_id=found.experiment.id,
        status=found.experiment.status,
        metric=found.experiment.metric,
        alpha_per_comparison=found.alpha_per_comparison,
        days_running=found.days_running,
        summary=found.summary,
        arms=[
            s.ArmFiguresOut(
                arm_id=f.arm.id,
                name=f.arm.name,
                trials=f.trials,
                successes=f.successes,
                rate=f.rate,
                budget_share=f.share,
                probability_best=f.probability_best,
            )
            for f in found.figures
        ],
        verdicts=[
            s.VerdictOut(
                arm_id=v.arm.id,
                outcome=v.outcome,
                sentence=v.sentence,
                days_needed=v.days_needed,
                **{
                    name: getattr(v.comparison, name)
                    for name in (
                        "lift",
                        "lift_low",
                        "lift_high",
                        "relative",
                        "relative_low",
                        "relative_high",
                        "p_value",
                    )
                },
            )
            for v in found.verdicts
        ],
    )
