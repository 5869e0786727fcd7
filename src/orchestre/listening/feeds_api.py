"""Routes of listening's feeds under /workspaces/{workspace_id}/listening/feeds: follow a
feed (checked by fetching it), rename, pause, remove, read them now, and move the list to
and from other feed readers as OPML."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile, status

from orchestre.apischema import problems
from orchestre.deps import DB, AppSettings, CurrentActor
from orchestre.kit.clock import utcnow
from orchestre.listening import feeds_import
from orchestre.listening import feeds_schemas as s
from orchestre.listening import feeds_service as service
from orchestre.listening.feeds_fetch import FeedFetcher
from orchestre.listening.feeds_opml import MAX_BYTES, MEDIA_TYPE

router = APIRouter(tags=["listening"])

FEEDS = "/workspaces/{workspace_id}/listening/feeds"
FEED = FEEDS + "/{feed_id}"
OPML = "/workspaces/{workspace_id}/listening/feeds.opml"


def fetcher_for(request: Request, settings: AppSettings) -> FeedFetcher:
    """The feed fetcher: the application's own when one was set (tests), else a real one
    obeying `listening_feeds_allow_private`."""
    given = getattr(request.app.state, "feed_fetcher", None)
    if isinstance(given, FeedFetcher):
        return given
    return service.fetcher_from(settings.listening_feeds_allow_private)


Fetcher = Annotated[FeedFetcher, Depends(fetcher_for)]


@router.get(FEEDS, response_model=list[s.Feed], responses=problems())
def list_feeds(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[s.Feed]:
    return [s.Feed.model_validate(f) for f in service.list_feeds(db, actor)]


@router.post(FEEDS, status_code=201, response_model=s.Feed, responses=problems(422))
def add_feed(
    workspace_id: uuid.UUID, body: s.FeedCreate, actor: CurrentActor, db: DB, fetcher: Fetcher
) -> s.Feed:
    """Follow a feed (listening.manage); its address is fetched and read first."""
    data = service.FeedInput(body.url, body.name, body.active)
    return s.Feed.model_validate(service.add_feed(db, actor, fetcher, data))


@router.get(FEED, response_model=s.Feed, responses=problems())
def get_feed(workspace_id: uuid.UUID, feed_id: uuid.UUID, actor: CurrentActor, db: DB) -> s.Feed:
    return s.Feed.model_validate(service.get_feed(db, actor, feed_id))


@router.patch(FEED, response_model=s.Feed, responses=problems(422))
def update_feed(
    workspace_id: uuid.UUID, feed_id: uuid.UUID, body: s.FeedUpdate, actor: CurrentActor, db: DB
) -> s.Feed:
    changes = service.FeedChanges(**body.model_dump(exclude_unset=True))
    return s.Feed.model_validate(service.update_feed(db, actor, feed_id, changes))


@router.delete(FEED, status_code=204, response_class=Response, responses=problems())
def delete_feed(
    workspace_id: uuid.UUID, feed_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    service.delete_feed(db, actor, feed_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(FEEDS + "/collect", response_model=s.FeedsCollected, responses=problems(409))
def collect_now(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    fetcher: Fetcher,
    feed_id: uuid.UUID | None = None,
) -> s.FeedsCollected:
    """Read every active feed now (or one), matching their entries against the queries."""
    return s.FeedsCollected.model_validate(service.collect_now(db, actor, fetcher, feed_id))


@router.get(
    OPML,
    response_class=Response,
    responses={200: {"content": {"text/x-opml": {}}, "description": "OPML 2.0"}, **problems()},
)
def export_opml(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> Response:
    """The workspace's feeds as an OPML 2.0 file, for Feedly, Inoreader, Thunderbird..."""
    body = service.export_opml(db, actor)
    name = f"orchestre-feeds-{utcnow():%Y%m%d}.opml"
    return Response(
        body,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(FEEDS + "/import", response_model=s.FeedsImported, responses=problems(422))
def import_opml(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    fetcher: Fetcher,
    file: Annotated[UploadFile, File(description="An OPML file (at most 1 MB, 500 feeds)")],
) -> s.FeedsImported:
    """Follow every feed an OPML file lists, each checked as one added by hand; a file that
    breaks a rule (too_large, too_many_outlines, unsafe_xml, not_opml, no_feeds) is a 422
    on field file and adds nothing. The report says what became of each outline."""
    data = file.file.read(MAX_BYTES + 1)
    report = feeds_import.import_opml(db, actor, fetcher, data)
    return s.FeedsImported(
        added=report.added,
        already_followed=report.already_followed,
        refused=report.refused,
        outlines=[s.ImportedOutline.model_validate(o) for o in report.outlines],
    )
