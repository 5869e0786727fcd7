"""All SQL of experiments: the experiments and arms of a workspace, and each arm's trials and
successes summed from the analytics tables (PublicationStats, CampaignResult), built from
the analytics repository's expressions so that engagement and clicks mean what they mean
on the dashboards."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from orchestre.analytics import repository as analytics_repo
from orchestre.models import Campaign, Experiment, ExperimentArm, PostVariant
from orchestre.models.analytics import CampaignResult, PublicationStats

S = PublicationStats
R = CampaignResult

# metric -> (trials, successes) over posts, and over campaign results; None: not measured so.
_POST_PAIRS = {
    "ctr": (S.impressions, analytics_repo.clicks_expr(), analytics_repo.clicks_known()),
    "engagement_rate_reach": (
        S.reach,
        analytics_repo.engagement_expr(),
        analytics_repo.engagement_known(),
    ),
    "engagement_rate_impressions": (
        S.impressions,
        analytics_repo.engagement_expr(),
        analytics_repo.engagement_known(),
    ),
}
_PAID_PAIRS = {"ctr": (R.impressions, R.clicks), "conversion_rate": (R.clicks, R.conversions)}


@dataclass(frozen=True)
class Totals:
    trials: float = 0.0
    successes: float = 0.0
    posts: int = 0  # publications that reported both sides
    days: int = 0  # days of campaign results that reported both sides

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.trials + other.trials,
            self.successes + other.successes,
            self.posts + other.posts,
            self.days + other.days,
        )


def experiments(session: Session, workspace_id: uuid.UUID) -> list[Experiment]:
    return list(
        session.scalars(
            select(Experiment)
            .where(Experiment.workspace_id == workspace_id)
            .order_by(Experiment.created_at.desc(), Experiment.id)
        )
    )


def experiment(session: Session, workspace_id: uuid.UUID, experiment_id: uuid.UUID) -> Any:
    return session.scalar(
        select(Experiment).where(
            Experiment.id == experiment_id, Experiment.workspace_id == workspace_id
        )
    )


def arms(
    session: Session, workspace_id: uuid.UUID, experiment_id: uuid.UUID
) -> list[ExperimentArm]:
    return list(
        session.scalars(
            select(ExperimentArm)
            .where(
                ExperimentArm.experiment_id == experiment_id,
                ExperimentArm.workspace_id == workspace_id,
            )
            .order_by(ExperimentArm.position)
        )
    )


def arms_of(
    session: Session, workspace_id: uuid.UUID, experiment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ExperimentArm]]:
    found: dict[uuid.UUID, list[ExperimentArm]] = {i: [] for i in experiment_ids}
    if not experiment_ids:
        return found
    rows = session.scalars(
        select(ExperimentArm)
        .where(
            ExperimentArm.workspace_id == workspace_id,
            ExperimentArm.experiment_id.in_(experiment_ids),
        )
        .order_by(ExperimentArm.position)
    )
    for arm in rows:
        found[arm.experiment_id].append(arm)
    return found


def existing(
    session: Session,
    workspace_id: uuid.UUID,
    variant_ids: set[uuid.UUID],
    campaign_ids: set[uuid.UUID],
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Which of these variants and campaigns belong to the workspace."""
    variants: set[uuid.UUID] = set()
    campaigns: set[uuid.UUID] = set()
    if variant_ids:
        variants = set(
            session.scalars(
                select(PostVariant.id).where(
                    PostVariant.workspace_id == workspace_id, PostVariant.id.in_(variant_ids)
                )
            )
        )
    if campaign_ids:
        campaigns = set(
            session.scalars(
                select(Campaign.id).where(
                    Campaign.workspace_id == workspace_id, Campaign.id.in_(campaign_ids)
                )
            )
        )
    return variants, campaigns


def _both(trials: Any, successes: Any, known: Any) -> list[ColumnElement[Any]]:
    """Σ trials and Σ successes over the rows reporting both, and how many rows those are."""
    both = and_(trials.is_not(None), known)
    return [
        func.sum(case((both, trials))),
        func.sum(case((both, successes))),
        func.count(case((both, 1))),
    ]


def post_totals(
    session: Session, workspace_id: uuid.UUID, metric: str, variant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Totals]:
    """Each variant's publications' latest totals (one query for all arms)."""
    if metric not in _POST_PAIRS or not variant_ids:
        return {}
    trials, successes, known = _POST_PAIRS[metric]
    rows = session.execute(
        select(S.variant_id, *_both(trials, successes, known))
        .where(S.workspace_id == workspace_id, S.variant_id.in_(variant_ids))
        .group_by(S.variant_id)
    )
    return {row[0]: Totals(float(row[1] or 0), float(row[2] or 0), posts=row[3]) for row in rows}


def paid_totals(
    session: Session,
    workspace_id: uuid.UUID,
    metric: str,
    campaign_ids: Sequence[uuid.UUID],
    first: date | None,
    last: date | None,
) -> dict[uuid.UUID, Totals]:
    """Each campaign's results summed over its days from ``first`` to ``last`` (inclusive)."""
    if metric not in _PAID_PAIRS or not campaign_ids:
        return {}
    trials, successes = _PAID_PAIRS[metric]
    query = (
        select(R.campaign_id, *_both(trials, successes, successes.is_not(None)))
        .where(R.workspace_id == workspace_id, R.campaign_id.in_(campaign_ids))
        .group_by(R.campaign_id)
    )
    if first is not None:
        query = query.where(R.day >= first)
    if last is not None:
        query = query.where(R.day <= last)
    return {
        row[0]: Totals(float(row[1] or 0), float(row[2] or 0), days=row[3])
        for row in session.execute(query)
    }


@dataclass(frozen=True)
class VariantChoice:
    variant_id: uuid.UUID
    text: str
    network: str
    published_at: Any


def published_variants(
    session: Session, workspace_id: uuid.UUID, limit: int
) -> list[VariantChoice]:
    """The latest published variants that have a row of figures, for choosing arms."""
    rows = session.execute(
        select(S.variant_id, PostVariant.text, S.network, func.max(S.published_at))
        .join(PostVariant, PostVariant.id == S.variant_id)
        .where(S.workspace_id == workspace_id)
        .group_by(S.variant_id, PostVariant.text, S.network)
        .order_by(func.max(S.published_at).desc(), S.variant_id)
        .limit(limit)
    )
    return [VariantChoice(r[0], r[1], r[2], r[3]) for r in rows]


def campaign_choices(session: Session, workspace_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    rows = session.execute(
        select(Campaign.id, Campaign.name)
        .where(Campaign.workspace_id == workspace_id)
        .order_by(Campaign.name, Campaign.id)
    )
    return [(r[0], r[1]) for r in rows]
