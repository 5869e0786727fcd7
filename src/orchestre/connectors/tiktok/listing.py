"""The creator's public videos newest first (`POST /v2/video/list/`, scope video.list), to find
by content a video whose publish went unanswered without TikTok's `publish_id` (a worker
that died mid-upload).

TikTok lists public videos only, 20 a page, going back with `cursor` (a Unix time in
milliseconds) while `has_more`. A post that is not public (`privacy_level` other than
PUBLIC_TO_EVERYONE) or a photo post cannot be seen there, so for those the lookup
refuses (`unverifiable`) rather than answer "not there". A video is compared on its
description (`video_description`, what Direct Post's `title` becomes), else its title.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from orchestre.connectors.base import DraftPost, PermanentError
from orchestre.connectors.fingerprint import MAX_PAGES, ListedPost, Listing, gather
from orchestre.connectors.tiktok.wire import NETWORK, call

# TikTok lists a video once it has processed it and made it public: minutes.
SETTLE = timedelta(minutes=15)
PAGE_SIZE = 20  # the most /v2/video/list/ gives at once
LIST_FIELDS = "id,title,video_description,create_time,share_url"
PUBLIC = "PUBLIC_TO_EVERYONE"


def check_listable(draft: DraftPost) -> None:
    """Refuse what the public video list cannot show: "not found" would mean nothing."""
    photos = any(m.content_type.startswith("image/") for m in draft.media)
    if photos or draft.options.get("privacy_level") != PUBLIC:
        what = "photo posts" if photos else "posts that are not public"
        raise PermanentError(
            f"TikTok's list of videos does not show {what}, so this one cannot be looked "
            "for; check the account on TikTok before posting again.",
            network=NETWORK,
            code="unverifiable",
        )


def public_videos(client: httpx.Client, start: datetime) -> Listing:
    return gather(_pages(client), start, max_pages=MAX_PAGES)


def _pages(client: httpx.Client) -> Iterator[list[ListedPost]]:
    cursor: int | None = None
    while True:
        body: dict[str, Any] = {"max_count": PAGE_SIZE}
        if cursor is not None:
            body["cursor"] = cursor
        data = call(
            client,
            "POST",
            "/v2/video/list/",
            idempotent=True,
            params={"fields": LIST_FIELDS},
            json=body,
        )
        videos = data.get("videos")
        yield [_listed(v) for v in videos or () if isinstance(v, dict) and v.get("id")]
        next_cursor = data.get("cursor")
        if not data.get("has_more") or not isinstance(next_cursor, int):
            return
        cursor = next_cursor


def _listed(video: Mapping[str, Any]) -> ListedPost:
    text = video.get("video_description") or video.get("title") or ""
    return ListedPost(
        external_id=str(video["id"]),
        created_at=datetime.fromtimestamp(int(video.get("create_time") or 0), UTC),
        text=str(text),
        url=str(video["share_url"]) if video.get("share_url") else None,
        media=("video",),
    )
