"""Reading anyone's public YouTube channel (competitor benchmarks) with the connected
account's token.

`channels?part=snippet,statistics,contentDetails&forHandle=@handle` (or `id=` for a
channel id) gives its subscribers (None when the channel hides them) and videos count,
and its uploads playlist. Its videos are that playlist's items (`playlistItems`, newest
first, 50 a page), then `videos?part=snippet,statistics` for their counts: views, likes
(hidden likes: None) and comments. YouTube has no reposts or quotes; every upload is a
video (Shorts included).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestre.connectors.base import (
    PermanentError,
    PublicAccount,
    PublicAccountPost,
    PublicFormat,
)
from orchestre.connectors.youtube.comments import instant
from orchestre.connectors.youtube.listing import Get
from orchestre.connectors.youtube.metadata import video_url
from orchestre.connectors.youtube.wire import NETWORK

PAGE_MAX = 50
UPLOADS = "uploads"


def _count(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def account_from(channel: Mapping[str, Any]) -> PublicAccount:
    snippet = channel.get("snippet") or {}
    stats = channel.get("statistics") or {}
    playlists = (channel.get("contentDetails") or {}).get("relatedPlaylists") or {}
    handle = str(snippet.get("customUrl") or channel.get("id"))
    hidden = bool(stats.get("hiddenSubscriberCount"))
    return PublicAccount(
        external_id=str(channel["id"]),
        handle=handle,
        display_name=str(snippet.get("title") or ""),
        followers=None if hidden else _count(stats.get("subscriberCount")),
        posts_count=_count(stats.get("videoCount")),
        url=f"https://www.youtube.com/{handle}"
        if handle.startswith("@")
        else f"https://www.youtube.com/channel/{channel['id']}",
        extra={UPLOADS: str(playlists.get("uploads") or "")},
    )


def lookup(get: Get, handle: str) -> PublicAccount:
    """By handle (`@name`, the @ optional) or by channel id (`UC...`)."""
    name = handle.strip()
    params: dict[str, str] = {"part": "snippet,statistics,contentDetails"}
    if name.startswith("UC") and len(name) == 24:
        params["id"] = name
    else:
        params["forHandle"] = "@" + name.removeprefix("@")
    items = get("/channels", params).get("items") or []
    if not items:
        raise PermanentError(f"YouTube has no channel {name}.", network=NETWORK, code="not_found")
    return account_from(items[0])


def post_from(video: Mapping[str, Any]) -> PublicAccountPost:
    snippet = video.get("snippet") or {}
    stats = video.get("statistics") or {}
    video_id = str(video["id"])
    return PublicAccountPost(
        external_id=video_id,
        created_at=instant(snippet.get("publishedAt")),
        format=PublicFormat.VIDEO,
        text=str(snippet.get("title") or ""),
        url=video_url(video_id, short=False),
        likes=_count(stats.get("likeCount")),
        replies=_count(stats.get("commentCount")),
        views=_count(stats.get("viewCount")),
    )


def posts(get: Get, account: PublicAccount, limit: int) -> list[PublicAccountPost]:
    playlist = account.extra.get(UPLOADS) or ("UU" + account.external_id[2:])
    ids: list[str] = []
    token: str | None = None
    while len(ids) < limit:
        params: dict[str, Any] = {
            "part": "contentDetails",
            "playlistId": playlist,
            "maxResults": min(PAGE_MAX, limit - len(ids)),
        }
        if token:
            params["pageToken"] = token
        page = get("/playlistItems", params)
        found = [
            str((item.get("contentDetails") or {}).get("videoId") or "")
            for item in page.get("items") or []
        ]
        ids += [i for i in found if i]
        token = page.get("nextPageToken") or None
        if not token or not found:
            break
    out: list[PublicAccountPost] = []
    wanted = ids[:limit]
    for start in range(0, len(wanted), PAGE_MAX):  # `videos` takes at most 50 ids a call
        batch = ",".join(wanted[start : start + PAGE_MAX])
        videos = get("/videos", {"part": "snippet,statistics", "id": batch})
        out += [post_from(v) for v in videos.get("items") or [] if v.get("id")]
    return sorted(out, key=lambda p: p.created_at, reverse=True)
