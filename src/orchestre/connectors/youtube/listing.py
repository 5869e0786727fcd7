"""The channel's uploads newest first (its uploads playlist, `playlistItems.list`), to find by
content a video whose upload went unanswered (YouTube keeps no idempotency key).

`channels.list(mine=true, part=contentDetails)` names the uploads playlist; its items carry
each video's title, description and the instant it was added (1 quota unit a page, where
`search.list` with `publishedAfter` costs 100 and leaves private videos out). A video is
compared on its title and description together, `#Shorts` aside (added for a Short).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from orchestre.connectors.base import DraftPost, PermanentError
from orchestre.connectors.fingerprint import MAX_PAGES, ListedPost, Listing, gather
from orchestre.connectors.youtube import metadata
from orchestre.connectors.youtube.comments import instant
from orchestre.connectors.youtube.wire import NETWORK

# A finished upload is in the uploads playlist within minutes; processing may delay it.
SETTLE = timedelta(minutes=10)
PAGE_SIZE = 50
_SHORTS = re.compile(re.escape(metadata.SHORTS_TAG), re.IGNORECASE)
Get = Callable[[str, Mapping[str, Any]], dict[str, Any]]


def words(title: str, description: str) -> str:
    """What a video says, as compared: its title, then its description, without #Shorts."""
    return _SHORTS.sub(" ", f"{title}\n{description}")


def expected_words(draft: DraftPost) -> str:
    return words(metadata.title_of(draft), draft.text)


def uploads(get: Get, start: datetime) -> Listing:
    """The channel's videos added since `start`; `get(path, params)` asks the Data API."""
    channels = get("/channels", {"part": "contentDetails", "mine": "true"}).get("items") or []
    details = (channels[0].get("contentDetails") or {}) if channels else {}
    playlist = (details.get("relatedPlaylists") or {}).get("uploads")
    if not playlist:
        raise PermanentError(
            "This channel shows no uploads playlist to look for the video in; check the "
            "channel's videos before publishing again.",
            network=NETWORK,
            code="unverifiable",
        )
    return gather(_pages(get, str(playlist)), start, max_pages=MAX_PAGES)


def _pages(get: Get, playlist: str) -> Iterator[list[ListedPost]]:
    token: str | None = None
    while True:
        params: dict[str, Any] = {
            "part": "snippet,contentDetails",
            "playlistId": playlist,
            "maxResults": PAGE_SIZE,
        }
        page = get("/playlistItems", params | ({"pageToken": token} if token else {}))
        yield [_listed(item) for item in page.get("items") or () if _video_id(item)]
        token = page.get("nextPageToken") or None
        if token is None:
            return


def _listed(item: Mapping[str, Any]) -> ListedPost:
    snippet = item.get("snippet") or {}
    video_id = _video_id(item)
    return ListedPost(
        external_id=video_id,
        created_at=instant(snippet.get("publishedAt")),
        text=words(str(snippet.get("title") or ""), str(snippet.get("description") or "")),
        url=metadata.video_url(video_id, short=False),
        media=("video",),
    )


def _video_id(item: Mapping[str, Any]) -> str:
    return str((item.get("contentDetails") or {}).get("videoId") or "")
