"""Comments on networks that list them post by post (Facebook, Instagram, Threads,
LinkedIn): the comments cursor then holds one cursor per recent post of ours.

Such a connector answers `read_comments(None)` with `PermanentError(code="post_needed")`;
the poller then switches the channel's comments cursor to this form, a JSON object
`{"per_post": {"<post id>": "<cursor>"}}`, and reads the comments of the posts Orchestre
published on the channel in the last `WINDOW` (most comments come in the first days),
each after its own cursor. Posts leaving the window are forgotten.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models.publication import Publication, PublicationState

POST_NEEDED = "post_needed"
PREFIX = '{"per_post"'
WINDOW = timedelta(days=7)
MAX_POSTS = 50
# A claim reads up to this many times `max_pages` pages in all, across the posts.
PAGES_FACTOR = 4


def is_per_post(cursor: str | None) -> bool:
    return cursor is not None and cursor.startswith(PREFIX)


def decode(cursor: str | None) -> dict[str, str]:
    try:
        found = json.loads(cursor or "{}").get("per_post")
    except (ValueError, AttributeError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): str(v or "") for k, v in found.items()}


def encode(cursors: dict[str, str]) -> str:
    return json.dumps({"per_post": cursors}, separators=(",", ":"), sort_keys=True)


def recent_posts(session: Session, channel_id: uuid.UUID, now: datetime) -> list[str]:
    """Our posts on the channel published within `WINDOW`, newest first."""
    stmt = (
        select(Publication.external_id)
        .where(
            Publication.channel_id == channel_id,
            Publication.state == PublicationState.PUBLISHED.value,
            Publication.external_id.is_not(None),
            Publication.published_at >= now - WINDOW,
        )
        .order_by(Publication.published_at.desc())
        .limit(MAX_POSTS)
    )
    return [post for post in session.scalars(stmt) if post]
