"""JSON routes of the calendar: events of a period, the caller's iCalendar feed, CSV in and out.

The feed itself (GET /calendar/feed/{token}.ics) needs no login: its secret token is
the credential, so it lives outside /api/v1 and outside the OpenAPI document.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from pydantic import AwareDatetime

from orchestre.apischema import problems
from orchestre.calendar import bulk, csv_io, feeds, ical, schemas, service
from orchestre.calendar.service import EntryFilters
from orchestre.deps import DB, AppSettings, CurrentActor
from orchestre.kit.clock import utcnow
from orchestre.models import CalendarFeed

router = APIRouter(tags=["calendar"])
feed_router = APIRouter(include_in_schema=False)

CAL = "/workspaces/{workspace_id}/calendar"
_FEED_TOKEN = re.compile(r"/calendar/feed/[^/\s?]+\.ics")


class RedactFeedTokens(logging.Filter):
    """The feed's token is its only credential: access logs show the path without it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _FEED_TOKEN.sub("/calendar/feed/[redacted].ics", arg)
                if isinstance(arg, str)
                else arg
                for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _FEED_TOKEN.sub("/calendar/feed/[redacted].ics", record.msg)
        return True


# uvicorn logs each request's path on this logger; installed once, when the routes load.
if not any(isinstance(f, RedactFeedTokens) for f in logging.getLogger("uvicorn.access").filters):
    logging.getLogger("uvicorn.access").addFilter(RedactFeedTokens())
# The feed shows the recent past and the year ahead.
FEED_PAST = timedelta(days=35)
FEED_AHEAD = timedelta(days=365)

FromQuery = Annotated[
    AwareDatetime | None,
    Query(alias="from", description="start of the range, with its offset (default: now - 31 days)"),
]
ToQuery = Annotated[
    AwareDatetime | None,
    Query(description="end of the range, excluded, with its offset (default: from + 62 days)"),
]


def _range(from_: datetime | None, to: datetime | None) -> tuple[datetime, datetime]:
    starts = from_ or (utcnow() - timedelta(days=31))
    return starts, to or (starts + timedelta(days=62))


def _feed_out(feed: CalendarFeed | None, url: str | None = None) -> schemas.CalendarFeed:
    if feed is None:
        return schemas.CalendarFeed(exists=False)
    return schemas.CalendarFeed(
        exists=True,
        prefix=feed.prefix,
        created_at=feed.created_at,
        last_used_at=feed.last_used_at,
        url=url,
    )


@router.get(CAL, response_model=schemas.CalendarEvents, responses=problems(422))
def calendar_events(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    from_: FromQuery = None,
    to: ToQuery = None,
    channel_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    pillar_id: uuid.UUID | None = None,
    status: Annotated[
        Literal["scheduled", "publishing", "published", "failed"] | None,
        Query(description="a variant state"),
    ] = None,
) -> schemas.CalendarEvents:
    """Every dated variant of [from, to) as one event, oldest first."""
    starts, ends = _range(from_, to)
    filters = EntryFilters(
        channel_id=channel_id, campaign_id=campaign_id, pillar_id=pillar_id, status=status
    )
    found = service.entries(db, actor, starts, ends, filters)
    zone = service.workspace_of(db, actor).timezone
    return schemas.CalendarEvents(
        timezone=zone,
        truncated=len(found) >= service.MAX_ENTRIES,
        events=[
            schemas.CalendarEvent(
                id=e.key,
                variant_id=e.variant_id,
                occurrence=e.occurrence,
                post_id=e.post_id,
                channel_id=e.channel_id,
                network=e.network,
                handle=e.handle,
                title=e.title,
                status=e.status,
                start=e.start,
                local_start=e.local_start.strftime("%Y-%m-%dT%H:%M"),
                attention=e.attention,
                movable=e.movable,
                campaign_id=e.campaign_id,
                pillar_id=e.pillar_id,
            )
            for e in found
        ],
    )


@router.get(CAL + "/feed", response_model=schemas.CalendarFeed, responses=problems())
def get_feed(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> schemas.CalendarFeed:
    """Whether the caller has a feed here (its address is only shown when made)."""
    return _feed_out(feeds.feed_status(db, actor))


@router.post(
    CAL + "/feed", status_code=201, response_model=schemas.CalendarFeed, responses=problems()
)
def issue_feed(
    workspace_id: uuid.UUID, actor: CurrentActor, db: DB, settings: AppSettings
) -> schemas.CalendarFeed:
    """Make the caller's secret feed address, or rotate it (the old one stops working)."""
    issued = feeds.issue_feed(db, actor)
    return _feed_out(issued.feed, settings.base_url.rstrip("/") + issued.path)


@router.delete(CAL + "/feed", status_code=204, response_class=Response, responses=problems())
def revoke_feed(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> Response:
    """Revoke the caller's feed: its address answers 404 from now on."""
    feeds.revoke_feed(db, actor)
    return Response(status_code=204)


@router.get(
    CAL + "/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **problems(422)},
)
def export_csv(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    from_: FromQuery = None,
    to: ToQuery = None,
    delimiter: Annotated[
        Literal["comma", "semicolon"], Query(description="semicolon for French Excel")
    ] = "comma",
) -> Response:
    """The dated posts of [from, to) as CSV (UTF-8 with BOM), in the workspace's wall time."""
    starts, ends = _range(from_, to)
    records = bulk.export_records(db, actor, starts, ends)
    body = csv_io.write_rows(records, ";" if delimiter == "semicolon" else ",")
    name = f"orchestre-{starts:%Y%m%d}-{ends:%Y%m%d}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(CAL + "/import", response_model=schemas.ImportReport, responses=problems(422))
def import_csv(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    file: Annotated[UploadFile, File(description="CSV, UTF-8, comma or semicolon separated")],
    dry_run: Annotated[bool, Query(description="check every row, create nothing")] = False,
) -> schemas.ImportReport:
    """One post per row, scheduled (or sent for review); every rejected row and why."""
    data = file.file.read(csv_io.MAX_BYTES + 1)
    report = bulk.import_csv(db, actor, data, dry_run=dry_run)
    return schemas.ImportReport.model_validate(report)


@feed_router.get("/calendar/feed/{token}.ics")
def read_feed(token: str, request: Request, db: DB, settings: AppSettings) -> Response:
    """The iCalendar feed of a secret address; no login, the token is the credential."""
    actor = feeds.resolve(db, token)
    workspace = service.workspace_of(db, actor)
    now = utcnow()
    found = service.entries(db, actor, now - FEED_PAST, now + FEED_AHEAD)
    base = settings.base_url.rstrip("/")
    body = ical.build(
        found,
        name=f"Orchestre · {workspace.name}",
        zone=workspace.timezone,
        post_url=f"{base}/w/{workspace.id}/posts/{{post_id}}",
        stamp=now,
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )
