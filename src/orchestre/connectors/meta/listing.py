"""The account's own posts since an instant, through the Graph API, to find by content a
post whose publish went unanswered (Meta keeps no idempotency key).

- Facebook: `GET /{page-id}/published_posts` (the Page's own posts, newest first;
  `message`, `created_time`, `attachments` for the media kinds);
- Instagram: `GET /{ig-user-id}/media` (`caption`, `timestamp`, `media_type` and a
  carousel's `children`);
- Threads: `GET /me/threads` with `since` (`text`, `timestamp`, `media_type`, `children`).

Pages are read newest first with the `after` cursor while `paging.next` says there is
more, until one reaches back past the window's start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from orchestre.connectors.base import DraftPost
from orchestre.connectors.fingerprint import MAX_PAGES, ListedPost, Listing, gather
from orchestre.connectors.meta.graph import Graph, parse_time
from orchestre.connectors.meta.shared import absolute, is_video

# A text or photo post is listed at once; a video is listed once Meta has processed it.
SETTLE = timedelta(minutes=1)
VIDEO_SETTLE = timedelta(minutes=10)
PAGE_SIZE = 100
# Instagram and Threads media types, and Facebook attachment types, as media kinds.
KINDS = {
    "IMAGE": "image",
    "VIDEO": "video",
    "REELS": "video",
    "photo": "image",
    "video": "video",
    "video_inline": "video",
    "video_autoplay": "video",
    "animated_image_share": "image",
}
Entry = Mapping[str, Any]


def settle_for(draft: DraftPost) -> timedelta:
    return VIDEO_SETTLE if any(is_video(m) for m in draft.media) else SETTLE


def facebook_posts(graph: Graph, page_id: str, start: datetime) -> Listing:
    fields = "id,message,created_time,permalink_url,attachments{media_type,subattachments}"
    return _listing(graph, f"/{page_id}/published_posts", {"fields": fields}, start, _facebook_post)


def instagram_posts(graph: Graph, ig_user_id: str, start: datetime) -> Listing:
    fields = "id,caption,timestamp,permalink,media_type,children{media_type}"
    return _listing(
        graph, f"/{ig_user_id}/media", {"fields": fields}, start, _media_post("caption")
    )


def threads_posts(graph: Graph, start: datetime) -> Listing:
    fields = "id,text,timestamp,permalink,media_type,children{media_type}"
    params = {"fields": fields, "since": int(start.timestamp())}
    return _listing(graph, "/me/threads", params, start, _media_post("text"))


def _listing(
    graph: Graph,
    path: str,
    params: Mapping[str, Any],
    start: datetime,
    listed: Callable[[Entry], ListedPost],
) -> Listing:
    def pages() -> Iterator[list[ListedPost]]:
        after: str | None = None
        while True:
            answer = graph.get(
                path, {**params, "limit": PAGE_SIZE, **({"after": after} if after else {})}
            )
            yield [listed(item) for item in answer.get("data") or () if item.get("id")]
            paging = answer.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
            if not after:
                return

    return gather(pages(), start, max_pages=MAX_PAGES)


def _facebook_post(item: Entry) -> ListedPost:
    return ListedPost(
        external_id=str(item["id"]),
        created_at=parse_time(item.get("created_time")),
        text=str(item.get("message") or ""),
        url=absolute(item.get("permalink_url")),
        media=tuple(_attachment_kinds((item.get("attachments") or {}).get("data") or ())),
    )


def _attachment_kinds(attachments: Sequence[Entry]) -> Iterator[str]:
    # A multi-photo post is an `album` whose photos are its subattachments; a link
    # preview (`share`, `link`) is no media of ours.
    for attachment in attachments:
        if attachment.get("media_type") == "album":
            yield from _attachment_kinds((attachment.get("subattachments") or {}).get("data") or ())
        elif (kind := KINDS.get(str(attachment.get("media_type")))) is not None:
            yield kind


def _media_post(text_field: str) -> Callable[[Entry], ListedPost]:
    def listed(item: Entry) -> ListedPost:
        return ListedPost(
            external_id=str(item["id"]),
            created_at=parse_time(item.get("timestamp")),
            text=str(item.get(text_field) or ""),
            url=absolute(item.get("permalink")),
            media=_media_kinds(item),
        )

    return listed


def _media_kinds(item: Entry) -> tuple[str, ...] | None:
    kind = str(item.get("media_type") or "")
    if kind == "CAROUSEL_ALBUM":
        children = (item.get("children") or {}).get("data") or ()
        kinds = tuple(KINDS.get(str(c.get("media_type")), "other") for c in children)
        return kinds or None  # children not shown: compare the words only
    if kind in {"TEXT_POST", "TEXT"}:
        return ()
    return (KINDS[kind],) if kind in KINDS else None
