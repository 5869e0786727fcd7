"""Routes of listening under /workspaces/{workspace_id}/listening: queries (CRUD and a
check of the query language), mentions (filtered, paginated), brand health, collect now."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from orchestre.apischema import problems
from orchestre.channels.apps import access_for
from orchestre.deps import DB, AppSettings, CurrentActor, CursorQuery, LimitQuery
from orchestre.errors import Invalid
from orchestre.insights.collection import ChannelOpener, Opener
from orchestre.listening import query as language
from orchestre.listening import schemas as s
from orchestre.listening import service
from orchestre.listening.repository import MentionFilters
from orchestre.listening.service import Health, QueryChanges, QueryInput

router = APIRouter(tags=["listening"])

BASE = "/workspaces/{workspace_id}/listening"
QUERIES = BASE + "/queries"
QUERY = QUERIES + "/{query_id}"


def opener_for(request: Request, settings: AppSettings) -> Opener:
    return ChannelOpener(access_for(settings, request.app.state))


Networks = Annotated[Opener, Depends(opener_for)]


def health_out(health: Health) -> s.Health:
    return s.Health(
        start=health.start,
        end=health.end,
        total=health.total,
        negative_share=health.negative_share,
        sentiment=health.sentiment,
        days=[s.DayFigures.model_validate(d) for d in health.days],
        top_hashtags=[s.Count(value=v, count=c) for v, c in health.top_hashtags],
        top_terms=[s.Count(value=v, count=c) for v, c in health.top_terms],
        bursts=[s.BurstOut.model_validate(b) for b in health.bursts],
    )


@router.get(QUERIES, response_model=list[s.Query], responses=problems())
def list_queries(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[s.Query]:
    return [s.Query.model_validate(q) for q in service.list_queries(db, actor)]


@router.post(QUERIES, status_code=201, response_model=s.Query, responses=problems(409, 422))
def create_query(
    workspace_id: uuid.UUID, body: s.QueryCreate, actor: CurrentActor, db: DB
) -> s.Query:
    """A query to follow (listening.manage); a broken rule of the language is a 422."""
    data = QueryInput(
        body.name,
        body.query,
        tuple(body.networks),
        tuple(body.languages),
        body.active,
        body.about,
    )
    return s.Query.model_validate(service.create_query(db, actor, data))


@router.post(BASE + "/check", response_model=s.QueryChecked, responses=problems())
def check_query(workspace_id: uuid.UUID, body: s.QueryCheck, actor: CurrentActor) -> s.QueryChecked:
    """Parse a query without saving it: its errors, or what the networks would be asked."""
    service.require_view(actor)
    try:
        compiled = language.parse(body.query)
    except Invalid as exc:
        return s.QueryChecked(
            valid=False, search_terms=[], errors=[e.as_dict() for e in exc.errors]
        )
    return s.QueryChecked(valid=True, search_terms=language.search_terms(compiled))


@router.get(QUERY, response_model=s.Query, responses=problems())
def get_query(workspace_id: uuid.UUID, query_id: uuid.UUID, actor: CurrentActor, db: DB) -> s.Query:
    return s.Query.model_validate(service.get_query(db, actor, query_id))


@router.patch(QUERY, response_model=s.Query, responses=problems(409, 422))
def update_query(
    workspace_id: uuid.UUID, query_id: uuid.UUID, body: s.QueryUpdate, actor: CurrentActor, db: DB
) -> s.Query:
    given = body.model_dump(exclude_unset=True)
    for key in ("networks", "languages"):
        if given.get(key) is not None:
            given[key] = tuple(given[key])
    return s.Query.model_validate(service.update_query(db, actor, query_id, QueryChanges(**given)))


@router.delete(QUERY, status_code=204, response_class=Response, responses=problems())
def delete_query(
    workspace_id: uuid.UUID, query_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    service.delete_query(db, actor, query_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(BASE + "/mentions", response_model=s.MentionPage, responses=problems(422))
def list_mentions(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    query_id: uuid.UUID | None = None,
    network: str | None = None,
    sentiment: str | None = None,
    language: Annotated[str | None, Query(alias="lang")] = None,
    start: datetime | None = None,
    end: datetime | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> s.MentionPage:
    """Mentions newest first; `start`/`end` bound the published time (end excluded)."""
    filters = MentionFilters(query_id, network, sentiment, language, start, end)
    page = service.list_mentions(db, actor, filters, cursor, limit)
    return s.MentionPage(
        items=[s.Mention.model_validate(m) for m in page.items], next_cursor=page.next_cursor
    )


@router.get(BASE + "/health", response_model=s.Health, responses=problems(422))
def brand_health(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    query_id: uuid.UUID | None = None,
    network: str | None = None,
    days: Annotated[int, Query(ge=1, le=366)] = service.HEALTH_DAYS,
) -> s.Health:
    """Daily volume and sentiment, top hashtags and terms, over the last `days` days."""
    filters = MentionFilters(query_id=query_id, network=network)
    return health_out(service.brand_health(db, actor, filters, days))


@router.post(BASE + "/collect", response_model=s.Collected, responses=problems(409))
def collect_now(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    networks: Networks,
    query_id: uuid.UUID | None = None,
) -> s.Collected:
    """Search now for every active query (or one) on the channels that can search."""
    report = service.collect_now(db, actor, networks, query_id)
    return s.Collected.model_validate(report)
