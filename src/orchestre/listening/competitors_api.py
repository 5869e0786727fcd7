"""Routes of competitor benchmarks under /workspaces/{workspace_id}/competitors: competitors
and their accounts (each resolved on the network when added), collect now, the comparison."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from fastapi import APIRouter, Response, status

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor
from orchestre.listening import competitors as service
from orchestre.listening import competitors_schemas as s
from orchestre.listening.api import Networks

router = APIRouter(tags=["competitors"])

BASE = "/workspaces/{workspace_id}/competitors"
ONE = BASE + "/{competitor_id}"


def competitor_out(view: service.CompetitorView) -> s.Competitor:
    return s.Competitor(
        id=view.competitor.id,
        name=view.competitor.name,
        created_at=view.competitor.created_at,
        accounts=[s.Account.model_validate(a) for a in view.accounts],
    )


@router.get(BASE, response_model=list[s.Competitor], responses=problems())
def list_competitors(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[s.Competitor]:
    return [competitor_out(v) for v in service.list_competitors(db, actor)]


@router.post(BASE, status_code=201, response_model=s.Competitor, responses=problems(409, 422))
def create_competitor(
    workspace_id: uuid.UUID, body: s.CompetitorCreate, actor: CurrentActor, db: DB
) -> s.Competitor:
    row = service.create_competitor(db, actor, body.name)
    return s.Competitor(id=row.id, name=row.name, created_at=row.created_at, accounts=[])


@router.delete(ONE, status_code=204, response_class=Response, responses=problems())
def delete_competitor(
    workspace_id: uuid.UUID, competitor_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    service.delete_competitor(db, actor, competitor_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    ONE + "/accounts", status_code=201, response_model=s.Account, responses=problems(409, 422)
)
def add_account(
    workspace_id: uuid.UUID,
    competitor_id: uuid.UUID,
    body: s.AccountCreate,
    actor: CurrentActor,
    db: DB,
    networks: Networks,
) -> s.Account:
    """Look the handle up on the network through a connected channel of it, then follow it;
    a handle the network does not know, or a network without such a channel, is a 422."""
    row = service.add_account(db, actor, networks, competitor_id, body.network, body.handle)
    return s.Account.model_validate(row)


@router.delete(
    BASE + "/accounts/{account_id}", status_code=204, response_class=Response,
    responses=problems(),
)  # fmt: skip
def remove_account(
    workspace_id: uuid.UUID, account_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    service.remove_account(db, actor, account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(BASE + "/collect", response_model=s.Collected, responses=problems())
def collect_now(
    workspace_id: uuid.UUID, actor: CurrentActor, db: DB, networks: Networks
) -> s.Collected:
    """Read every competitor account now (the background loop does it daily)."""
    report = service.collect_now(db, actor, networks)
    return s.Collected(
        read=report.read, posts=report.posts, postponed=report.postponed, errors=report.errors
    )


@router.get(BASE + "/comparison", response_model=s.Comparison, responses=problems(422))
def comparison(
    workspace_id: uuid.UUID, actor: CurrentActor, db: DB, period: str = "last_30_days"
) -> s.Comparison:
    """The brand beside each competitor, per network: followers and growth, posts per week,
    format mix, engagement, top posts, share of voice (docs/kpis.md)."""
    found = service.comparison(db, actor, period)
    shares = found.shares
    return s.Comparison(
        first=found.period.first,
        last=found.period.last,
        days=found.days,
        weeks=found.weeks,
        networks=[
            s.NetworkComparison(
                network=n.network, sides=[s.Side.model_validate(asdict(x)) for x in n.sides]
            )
            for n in found.networks
        ],
        top_posts=[s.TopPost.model_validate(asdict(t)) for t in found.top_posts],
        share_of_voice=s.ShareOfVoice(
            brand_mentions=shares.brand_mentions,
            tracked_mentions=shares.tracked_mentions,
            by_mentions=shares.by_mentions,
            brand_engagement=shares.brand_engagement,
            tracked_engagement=shares.tracked_engagement,
            by_engagement=shares.by_engagement,
        ),
        brand_figures=found.brand_figures,
    )
