"""Routes of tracked links: the public redirector /l/{code}, and the JSON routes under
/workspaces/{workspace_id}/analytics/links to make short links and read their clicks.

The redirector answers 302 Found with `Cache-Control: no-store`, not 301: a 301 is kept
by browsers and proxies, so a second click from the same browser would never reach us
(and go uncounted), and a link's destination could never be corrected. It needs no
session and sets no cookie; a click that cannot be recorded (the database busy) is logged
and the person is still sent on.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from orchestre.analytics import links
from orchestre.analytics import links_schemas as s
from orchestre.analytics.links_bots import robot
from orchestre.analytics.links_repository import LinkFilters
from orchestre.analytics.links_urls import referrer_host
from orchestre.apischema import problems
from orchestre.deps import (
    DB,
    AppSettings,
    CurrentActor,
    CursorQuery,
    LimitQuery,
    get_session_factory,
)
from orchestre.kit.clock import utcnow
from orchestre.kit.db import transaction
from orchestre.models import TrackedLink

log = logging.getLogger(__name__)

router = APIRouter(tags=["analytics"])
redirect_router = APIRouter(include_in_schema=False)

LINKS = "/workspaces/{workspace_id}/analytics/links"
LINK = LINKS + "/{link_id}"
CLICKS = "/workspaces/{workspace_id}/analytics/link-clicks"
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}

Factory = Annotated[sessionmaker[Session], Depends(get_session_factory)]


def _link(link: TrackedLink, base_url: str) -> s.Link:
    return s.Link(
        id=link.id,
        code=link.code,
        short_url=links.short_url(base_url, link.code),
        source_url=link.source_url,
        target_url=link.target_url,
        utm=dict(link.utm or {}),
        post_id=link.post_id,
        variant_id=link.variant_id,
        channel_id=link.channel_id,
        campaign_id=link.campaign_id,
        publication_id=link.publication_id,
        clicks=link.clicks,
        created_at=link.created_at,
    )


@redirect_router.api_route("/l/{code}", methods=["GET", "HEAD"])
def follow(code: str, request: Request, factory: Factory) -> Response:
    """Send the visitor on to the link's destination and record the click."""
    # Worked out before the transaction: on SQLite it holds the one write lock.
    who = robot(request.method, request.headers.get("user-agent"), request.headers)
    came_from = referrer_host(request.headers.get("referer"))
    target: str | None = None
    try:
        with transaction(factory) as session:
            found = links.resolve(session, code)
            target = found.target_url
            links.record_click(session, found, robot=who, referrer_host=came_from, at=utcnow())
    except SQLAlchemyError:
        if target is None:
            raise
        log.warning("short link %s: the click could not be recorded", code, exc_info=True)
    return RedirectResponse(target, status_code=status.HTTP_302_FOUND, headers=NO_STORE)


@router.post(LINKS, status_code=201, response_model=s.Link, responses=problems(409, 422))
def create_link(
    workspace_id: uuid.UUID, data: s.LinkCreate, actor: CurrentActor, db: DB, settings: AppSettings
) -> s.Link:
    """Make a short link by hand (a bio, a story, a newsletter); posts get theirs when sent."""
    return _link(links.create_link(db, actor, data), settings.base_url)


def _filters(
    post_id: uuid.UUID | None = None,
    variant_id: uuid.UUID | None = None,
    channel_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
) -> LinkFilters:
    return LinkFilters(post_id, variant_id, channel_id, campaign_id)


Filters = Annotated[LinkFilters, Depends(_filters)]


@router.get(LINKS, response_model=s.LinkPage, responses=problems(422))
def list_links(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    settings: AppSettings,
    filters: Filters,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> s.LinkPage:
    """Newest first, each with its people's clicks so far."""
    page = links.list_links(db, actor, filters, cursor=cursor, limit=limit)
    return s.LinkPage(
        items=[_link(link, settings.base_url) for link in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(LINK, response_model=s.Link, responses=problems())
def get_link(
    workspace_id: uuid.UUID, link_id: uuid.UUID, actor: CurrentActor, db: DB, settings: AppSettings
) -> s.Link:
    return _link(links.get_link(db, actor, link_id), settings.base_url)


@router.get(CLICKS, response_model=s.ClickCounts, responses=problems(422))
def click_counts(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    filters: Filters,
    group_by: s.GroupBy = "link",
    period: Annotated[str, Query(max_length=20, description="e.g. last_30_days, custom")] = (
        "last_30_days"
    ),
    start: Annotated[date | None, Query(description="custom period: first local day")] = None,
    end: Annotated[date | None, Query(description="custom period: last local day")] = None,
) -> s.ClickCounts:
    """Clicks on tracked links per link, post, variant, channel, campaign or day, over whole
    days in the workspace's time zone; people's clicks and robots' apart."""
    report = links.click_report(
        db, actor, period=period, start=start, end=end, group_by=group_by, filters=filters
    )
    return s.ClickCounts(
        group_by=group_by,
        timezone=report.period.timezone,
        first_day=report.period.first,
        last_day=report.period.last,
        clicks=sum(row.clicks for row in report.rows),
        bot_clicks=sum(row.bot_clicks for row in report.rows),
        rows=[s.ClickCount.model_validate(row) for row in report.rows],
    )
