"""KPI goals: a target for one KPI over a period, for the workspace, a channel, a network or
a campaign, with its progress and a projection to the end of the period.

Progress reads the KPI over the goal's days so far (its first day to today, on the
workspace's clock). The projection to the last day is linear in elapsed time for a
cumulative KPI (reach, posts, follower growth, spend...: value / share of the period
passed) and the current value for a rate or level (engagement rate, response time...).
Status, with "better" meaning higher or lower as the KPI says:

* met: the period is over and the value reached the target; or, for a cumulative KPI
  where higher is better, the target is already reached;
* on track: the projection reaches the target;
* at risk: the projection misses it by at most 10 % of the target;
* off track: it misses by more, or the period ended short of it;
* not started / not available: before the first day, or no value to judge.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.analytics import kpis as k
from orchestre.analytics import query
from orchestre.analytics.periods import MAX_DAYS, Period, today_in
from orchestre.analytics.repository import Filters
from orchestre.audit.service import record, snapshot
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.models import Campaign, Channel
from orchestre.models.analytics import KpiGoal
from orchestre.workspaces.permissions import Actor, Permission

_ = k._
AT_RISK_MARGIN = 0.10
STATUSES = ("met", "on_track", "at_risk", "off_track", "not_started", "not_available")
MAX_NOTE = 500


@dataclass(frozen=True)
class GoalInput:
    kpi: str
    target: float
    period_start: date
    period_end: date
    channel_id: uuid.UUID | None = None
    network: str | None = None
    campaign_id: uuid.UUID | None = None
    note: str = ""


@dataclass(frozen=True)
class GoalChanges:
    """Only the fields given change; the KPI and scope stay (make a new goal for another)."""

    target: float | None = None
    period_start: date | None = None
    period_end: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class GoalProgress:
    goal: KpiGoal
    kpi: k.Kpi
    current: float | None  # the KPI over the goal's days so far
    target: float
    projected: float | None  # at the end of the period
    elapsed_share: float  # 0 before the first day, 1 once the last day is over
    status: str  # one of STATUSES
    coverage: int | None


# --- CRUD ------------------------------------------------------------------------------------


def _get(session: Session, actor: Actor, goal_id: uuid.UUID) -> KpiGoal:
    goal = session.scalar(
        select(KpiGoal).where(KpiGoal.id == goal_id, KpiGoal.workspace_id == actor.workspace_id)
    )
    if goal is None:
        raise NotFound("Goal not found.", code="goal_not_found")
    return goal


def list_goals(session: Session, actor: Actor) -> list[KpiGoal]:
    """The workspace's goals, the latest period first."""
    actor.require(Permission.ANALYTICS_VIEW)
    return list(
        session.scalars(
            select(KpiGoal)
            .where(KpiGoal.workspace_id == actor.workspace_id)
            .order_by(KpiGoal.period_end.desc(), KpiGoal.kpi, KpiGoal.id)
        )
    )


def get_goal(session: Session, actor: Actor, goal_id: uuid.UUID) -> KpiGoal:
    actor.require(Permission.ANALYTICS_VIEW)
    return _get(session, actor, goal_id)


def scope_filters(goal: KpiGoal | GoalInput) -> Filters:
    return Filters(
        channel_ids=(goal.channel_id,) if goal.channel_id else (),
        network=goal.network,
        campaign_id=goal.campaign_id,
    )


def _check_scope(session: Session, actor: Actor, data: GoalInput) -> list[FieldError]:
    errors = []
    scopes = [s for s in (data.channel_id, data.network, data.campaign_id) if s is not None]
    if len(scopes) > 1:
        message = _("A goal is for the workspace, one channel, one network or one campaign.")
        errors.append(FieldError("scope", "one_of", message))
    for field, table, wanted in (
        ("channel_id", Channel, data.channel_id),
        ("campaign_id", Campaign, data.campaign_id),
    ):
        if wanted is None:
            continue
        found = session.scalar(
            select(table.id).where(table.id == wanted, table.workspace_id == actor.workspace_id)
        )
        if found is None:
            message = _("Not found in this workspace.")
            errors.append(FieldError(field, "exists", message, actual=str(wanted)))
    return errors


def _check(session: Session, actor: Actor, data: GoalInput) -> None:
    errors = []
    kpi = k.CATALOGUE.get(data.kpi)
    if kpi is None:
        message = _("The KPI is one of: ") + ", ".join(k.CATALOGUE) + "."
        errors.append(FieldError("kpi", "enum", message, limit=list(k.CATALOGUE), actual=data.kpi))
    elif not query.cuttable(kpi, scope_filters(data), None):
        message = kpi.why_unavailable or _("This KPI cannot be measured for this scope.")
        errors.append(FieldError("kpi", "scope", message, actual=data.kpi))
    if not math.isfinite(data.target):
        errors.append(FieldError("target", "finite", _("The target is a number.")))
    if data.period_end < data.period_start:
        message = _("The period's last day is on or after its first day.")
        errors.append(FieldError("period_end", "order", message))
    elif (data.period_end - data.period_start).days + 1 > MAX_DAYS:
        message = _("A period lasts two years at most.")
        errors.append(FieldError("period_end", "range", message, limit=MAX_DAYS))
    if len(data.note) > MAX_NOTE:
        message = _("The note is 500 characters at most.")
        errors.append(FieldError("note", "length", message, limit=MAX_NOTE))
    errors += _check_scope(session, actor, data)
    if errors:
        raise Invalid("The goal is refused.", code="bad_goal", errors=errors)


def create_goal(session: Session, actor: Actor, data: GoalInput) -> KpiGoal:
    actor.require(Permission.ANALYTICS_MANAGE)
    _check(session, actor, data)
    goal = KpiGoal(
        workspace_id=actor.workspace_id,
        kpi=data.kpi,
        channel_id=data.channel_id,
        network=data.network,
        campaign_id=data.campaign_id,
        period_start=data.period_start,
        period_end=data.period_end,
        target=data.target,
        note=data.note,
        created_by=actor.user_id,
    )
    session.add(goal)
    session.flush()
    record(session, actor, "analytics.goal.created", "kpi_goal", goal.id, after=snapshot(goal))
    return goal


def update_goal(
    session: Session, actor: Actor, goal_id: uuid.UUID, changes: GoalChanges
) -> KpiGoal:
    actor.require(Permission.ANALYTICS_MANAGE)
    goal = _get(session, actor, goal_id)
    before = snapshot(goal)
    data = GoalInput(
        kpi=goal.kpi,
        target=goal.target if changes.target is None else changes.target,
        period_start=changes.period_start or goal.period_start,
        period_end=changes.period_end or goal.period_end,
        channel_id=goal.channel_id,
        network=goal.network,
        campaign_id=goal.campaign_id,
        note=goal.note if changes.note is None else changes.note,
    )
    _check(session, actor, data)
    goal.target, goal.note = data.target, data.note
    goal.period_start, goal.period_end = data.period_start, data.period_end
    session.flush()
    record(
        session,
        actor,
        "analytics.goal.updated",
        "kpi_goal",
        goal.id,
        before=before,
        after=snapshot(goal),
    )
    return goal


def delete_goal(session: Session, actor: Actor, goal_id: uuid.UUID) -> None:
    actor.require(Permission.ANALYTICS_MANAGE)
    goal = _get(session, actor, goal_id)
    before = snapshot(goal)
    session.delete(goal)
    session.flush()
    record(session, actor, "analytics.goal.deleted", "kpi_goal", goal_id, before=before)


# --- progress --------------------------------------------------------------------------------


def project(kpi: k.Kpi, current: float | None, elapsed: float) -> float | None:
    """The value expected at the end of the period (see the module docstring)."""
    if current is None or elapsed <= 0:
        return None
    return current / elapsed if kpi.cumulative else current


def status_of(
    kpi: k.Kpi, current: float | None, projected: float | None, target: float, elapsed: float
) -> str:
    if elapsed <= 0:
        return "not_started"
    if current is None:
        return "not_available"
    sign = 1 if kpi.higher_is_better else -1
    if elapsed >= 1:
        return "met" if sign * (current - target) >= 0 else "off_track"
    if kpi.cumulative and kpi.higher_is_better and current >= target:
        return "met"
    if kpi.cumulative and not kpi.higher_is_better and current > target:
        return "off_track"  # a ceiling (spend) already passed stays passed
    expected = projected if projected is not None else current
    gap = sign * (expected - target)
    if gap >= 0:
        return "on_track"
    return "at_risk" if -gap <= AT_RISK_MARGIN * abs(target) else "off_track"


def _so_far(goal: KpiGoal, zone: str, now: datetime) -> Period | None:
    """The goal's days so far (its first day to today), or None before its first day."""
    if Period("goal", goal.period_start, goal.period_end, zone).elapsed_share(now) <= 0:
        return None
    return Period("goal", goal.period_start, min(goal.period_end, today_in(zone, now)), zone)


def _progress(
    goal: KpiGoal, zone: str, now: datetime, found: query.KpiValue | None
) -> GoalProgress:
    kpi = k.CATALOGUE[goal.kpi]
    elapsed = Period("goal", goal.period_start, goal.period_end, zone).elapsed_share(now)
    current = found.value if found is not None else None
    coverage = found.coverage if found is not None else None
    projected = project(kpi, current, elapsed) if elapsed < 1 else current
    status = status_of(kpi, current, projected, goal.target, elapsed)
    return GoalProgress(goal, kpi, current, goal.target, projected, elapsed, status, coverage)


def progress_of(session: Session, actor: Actor, goal: KpiGoal, now: datetime) -> GoalProgress:
    return _progress_many(session, actor, [goal], now)[0]


def _progress_many(
    session: Session, actor: Actor, goals: list[KpiGoal], now: datetime
) -> list[GoalProgress]:
    """Goals sharing their days so far and their scope are read in one query for all their
    KPIs (a dashboard's goals are mostly this quarter's, workspace-wide)."""
    zone = query.workspace_zone(session, actor.workspace_id)
    asks: dict[tuple[Period, Filters], list[KpiGoal]] = {}
    for goal in goals:
        so_far = _so_far(goal, zone, now)
        if so_far is not None:
            asks.setdefault((so_far, scope_filters(goal)), []).append(goal)
    found: dict[uuid.UUID, query.KpiValue] = {}
    for (so_far, filters), sharing in asks.items():
        names = list(dict.fromkeys(goal.kpi for goal in sharing))
        values = query.totals(session, actor, kpis=names, period=so_far, filters=filters)
        found.update({goal.id: values[goal.kpi] for goal in sharing})
    return [_progress(goal, zone, now, found.get(goal.id)) for goal in goals]


def progress(
    session: Session, actor: Actor, goal_id: uuid.UUID, now: datetime | None = None
) -> GoalProgress:
    actor.require(Permission.ANALYTICS_VIEW)
    return progress_of(session, actor, _get(session, actor, goal_id), now or utcnow())


def all_progress(session: Session, actor: Actor, now: datetime | None = None) -> list[GoalProgress]:
    """Every goal's progress, the latest period first."""
    return _progress_many(session, actor, list_goals(session, actor), now or utcnow())
