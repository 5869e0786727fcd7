"""JSON (and CSV) routes of the KPI engine under /workspaces/{workspace_id}/analytics: KPI
values with the previous period, series, top posts, heatmap, formats, goals.

Every query route answers CSV instead of JSON with ?format=csv, so that a dashboard's
"download data" reads the same figures from one place.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from orchestre.analytics import goals, query, tables
from orchestre.analytics import kpis as k
from orchestre.analytics import schemas as s
from orchestre.analytics.periods import PERIOD_NAMES, Period
from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor
from orchestre.models.analytics import KpiGoal
from orchestre.workspaces.permissions import Permission

router = APIRouter(tags=["analytics"])

BASE = "/workspaces/{workspace_id}/analytics"
GOALS = BASE + "/goals"
GOAL = GOALS + "/{goal_id}"
CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {}, "text/csv": {}}}}
Output = Annotated[
    Literal["json", "csv"], Query(description="csv: the same result as a CSV download")
]
KpiNames = Annotated[
    list[str] | None,
    Query(description="KPI names (repeat the parameter or separate with commas)"),
]


def _names(values: list[str] | None, default: tuple[str, ...]) -> list[str]:
    if not values:
        return list(default)
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@dataclass(frozen=True)
class Selection:
    period: Period
    filters: query.Filters


def selection(
    actor: CurrentActor,
    db: DB,
    period: Annotated[
        str, Query(max_length=20, description="One of " + ", ".join(PERIOD_NAMES))
    ] = "last_30_days",
    start: Annotated[date | None, Query(description="custom: first day (YYYY-MM-DD)")] = None,
    end: Annotated[date | None, Query(description="custom: last day, inclusive")] = None,
    channel_id: Annotated[list[uuid.UUID] | None, Query(description="repeatable")] = None,
    network: Annotated[str | None, Query(max_length=32)] = None,
    campaign_id: uuid.UUID | None = None,
    pillar_id: uuid.UUID | None = None,
    post_format: Annotated[
        str | None, Query(max_length=16, description="short_video, video, image, carousel, text")
    ] = None,
    post_id: uuid.UUID | None = None,
) -> Selection:
    """The period (in the workspace's time zone) and the filters every query takes."""
    query.check_format(post_format, field="post_format")
    found = query.period_for(db, actor, period, start, end)
    filters = query.Filters(
        channel_ids=tuple(channel_id or ()),
        network=network,
        campaign_id=campaign_id,
        pillar_id=pillar_id,
        format=post_format,
        post_id=post_id,
    )
    return Selection(period=found, filters=filters)


Selected = Annotated[Selection, Depends(selection)]


def _csv(table: tables.Table, name: str, period: Period) -> Response:
    filename = f"orchestre-{name}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    return Response(
        tables.to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _definition(kpi: k.Kpi) -> s.KpiDefinition:
    return s.KpiDefinition(
        name=kpi.name,
        label=kpi.label,
        unit=kpi.unit.value,
        higher_is_better=kpi.higher_is_better,
        source=kpi.source.value,
        formula=kpi.formula,
        cumulative=kpi.cumulative,
        available=kpi.available,
        why_unavailable=kpi.why_unavailable,
    )


def _period(period: Period) -> s.PeriodOut:
    return s.PeriodOut(
        name=period.name,
        first=period.first,
        last=period.last,
        timezone=period.timezone,
        start=period.start,
        end=period.end,
        days=period.days,
    )


def _table(table: query.KpiTable) -> s.KpiTableOut:
    return s.KpiTableOut(
        period=_period(table.period),
        previous_period=_period(table.previous_period),
        group_by=table.group_by,
        kpis=[_definition(kpi) for kpi in table.kpis],
        total=s.KpiGroupOut.model_validate(table.total),
        groups=[s.KpiGroupOut.model_validate(g) for g in table.groups],
    )


@router.get(BASE + "/catalogue", response_model=list[s.KpiDefinition], responses=problems())
def catalogue(workspace_id: uuid.UUID, actor: CurrentActor) -> list[s.KpiDefinition]:
    """Every KPI with its unit, direction and formula (docs/kpis.md)."""
    actor.require(Permission.ANALYTICS_VIEW)
    return [_definition(kpi) for kpi in k.CATALOGUE.values()]


@router.get(BASE + "/kpis", response_model=s.KpiTableOut, responses={**CSV, **problems(422)})
def kpi_values(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    selected: Selected,
    kpis: KpiNames = None,
    group_by: Annotated[
        str | None, Query(max_length=20, description=", ".join(query.GROUPS))
    ] = None,
    format: Output = "json",
) -> s.KpiTableOut | Response:
    """The KPIs over the period and the previous one of equal length, with the change; for
    the whole selection and, with group_by, for each group."""
    table = query.kpi_table(
        db,
        actor,
        kpis=_names(kpis, k.DEFAULT_KPIS),
        period=selected.period,
        filters=selected.filters,
        group_by=group_by,
    )
    if format == "csv":
        return _csv(tables.kpi_rows(table), "kpis", table.period)
    return _table(table)


@router.get(BASE + "/formats", response_model=s.KpiTableOut, responses={**CSV, **problems(422)})
def format_comparison(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    selected: Selected,
    kpis: KpiNames = None,
    format: Output = "json",
) -> s.KpiTableOut | Response:
    """The KPIs per format (short video, video, image, carousel, text), every format listed."""
    table = query.formats(
        db,
        actor,
        kpis=_names(kpis, ("engagement_rate_reach", "reach", "posts")),
        period=selected.period,
        filters=selected.filters,
    )
    if format == "csv":
        return _csv(tables.kpi_rows(table), "formats", table.period)
    return _table(table)


@router.get(BASE + "/series", response_model=s.SeriesOut, responses={**CSV, **problems(422)})
def kpi_series(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    selected: Selected,
    kpis: KpiNames = None,
    interval: Annotated[str, Query(max_length=8, description="day, week or month")] = "day",
    format: Output = "json",
) -> s.SeriesOut | Response:
    """The KPIs per day, week (from Mondays) or month on the workspace's clock."""
    found = query.series(
        db,
        actor,
        kpis=_names(kpis, ("engagement_rate_reach",)),
        period=selected.period,
        interval=interval,
        filters=selected.filters,
    )
    if format == "csv":
        return _csv(tables.series_rows(found), "series", found.period)
    return s.SeriesOut(
        period=_period(found.period),
        interval=found.interval,
        kpis=[_definition(kpi) for kpi in found.kpis],
        points=[s.SeriesPointOut.model_validate(p) for p in found.points],
    )


@router.get(BASE + "/top-posts", response_model=s.TopPostsOut, responses={**CSV, **problems(422)})
def top_posts(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    selected: Selected,
    kpi: Annotated[str, Query(max_length=40)] = "engagement_rate_reach",
    order: Annotated[str, Query(max_length=8, description="top or bottom")] = "top",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    format: Output = "json",
) -> s.TopPostsOut | Response:
    """The best (or worst) publications by a per-post KPI; those without it left out."""
    found = query.top_posts(
        db,
        actor,
        kpi=kpi,
        period=selected.period,
        filters=selected.filters,
        order=order,
        limit=limit,
    )
    if format == "csv":
        return _csv(tables.top_post_rows(found), f"{order}-posts", found.period)
    return s.TopPostsOut(
        period=_period(found.period),
        kpi=_definition(found.kpi),
        order=found.order,
        posts=[s.PostRowOut.model_validate(p) for p in found.posts],
    )


@router.get(BASE + "/heatmap", response_model=s.HeatmapOut, responses={**CSV, **problems(422)})
def heatmap(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    selected: Selected,
    kpi: Annotated[str, Query(max_length=40)] = "engagement_rate_reach",
    format: Output = "json",
) -> s.HeatmapOut | Response:
    """Best posting times: the KPI by hour of the week of publication (7 x 24 cells, in the
    workspace's time zone), with the posts behind each cell."""
    found = query.heatmap(db, actor, kpi=kpi, period=selected.period, filters=selected.filters)
    if format == "csv":
        return _csv(tables.heatmap_rows(found), "heatmap", found.period)
    return s.HeatmapOut(
        period=_period(found.period),
        kpi=_definition(found.kpi),
        timezone=found.timezone,
        cells=[s.HeatCellOut.model_validate(c) for c in found.cells],
    )


# --- goals -----------------------------------------------------------------------------------


def _progress(found: goals.GoalProgress) -> s.GoalProgressOut:
    return s.GoalProgressOut(
        goal=s.Goal.model_validate(found.goal),
        kpi=_definition(found.kpi),
        current=found.current,
        target=found.target,
        projected=found.projected,
        elapsed_share=found.elapsed_share,
        status=found.status,
        coverage=found.coverage,
    )


@router.get(GOALS, response_model=list[s.Goal], responses=problems())
def list_goals(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[KpiGoal]:
    return goals.list_goals(db, actor)


@router.post(GOALS, status_code=201, response_model=s.Goal, responses=problems(422))
def create_goal(
    workspace_id: uuid.UUID, body: s.GoalCreate, actor: CurrentActor, db: DB
) -> KpiGoal:
    """A target for one KPI over a period, for the workspace or one channel, network or
    campaign (analytics.manage)."""
    return goals.create_goal(db, actor, goals.GoalInput(**body.model_dump()))


@router.get(
    GOALS + "/progress", response_model=list[s.GoalProgressOut], responses={**CSV, **problems()}
)
def goals_progress(
    workspace_id: uuid.UUID, actor: CurrentActor, db: DB, format: Output = "json"
) -> list[s.GoalProgressOut] | Response:
    """Every goal's current value, projection to the end of its period and status."""
    found = goals.all_progress(db, actor)
    if format == "csv":
        return Response(
            tables.to_csv(tables.goal_rows(found)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="orchestre-goals.csv"'},
        )
    return [_progress(p) for p in found]


@router.get(GOAL, response_model=s.Goal, responses=problems(404))
def get_goal(workspace_id: uuid.UUID, goal_id: uuid.UUID, actor: CurrentActor, db: DB) -> KpiGoal:
    return goals.get_goal(db, actor, goal_id)


@router.patch(GOAL, response_model=s.Goal, responses=problems(404, 422))
def update_goal(
    workspace_id: uuid.UUID, goal_id: uuid.UUID, body: s.GoalUpdate, actor: CurrentActor, db: DB
) -> KpiGoal:
    changes = goals.GoalChanges(**body.model_dump())
    return goals.update_goal(db, actor, goal_id, changes)


@router.delete(GOAL, status_code=204, response_class=Response, responses=problems(404))
def delete_goal(
    workspace_id: uuid.UUID, goal_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    goals.delete_goal(db, actor, goal_id)
    return Response(status_code=204)


@router.get(GOAL + "/progress", response_model=s.GoalProgressOut, responses=problems(404))
def goal_progress(
    workspace_id: uuid.UUID, goal_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.GoalProgressOut:
    return _progress(goals.progress(db, actor, goal_id))
