"""YouTube comments, replies and search results as the contract's plain data.

Resources: https://developers.google.com/youtube/v3/docs/commentThreads#resource,
.../comments#resource and .../search#resource. A comment thread holds a top-level
comment and some of its replies; a reply's `parentId` is the top-level comment (YouTube
threads are one level deep).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from orchestre.connectors.base import (
    Interaction,
    InteractionKind,
    PublicPost,
)
from orchestre.kit.clock import as_utc

# Video ids are 11 characters of base64url; comment ids are longer.
VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
HIDDEN_STATES = frozenset({"heldForReview", "likelySpam", "rejected"})


def is_video_id(external_id: str) -> bool:
    return VIDEO_ID.fullmatch(external_id) is not None


def top_level_id(comment_id: str) -> str:
    """The comment a reply goes under: replies to a reply join its thread."""
    return comment_id.split(".", 1)[0]


def comment_url(video_id: str | None, comment_id: str) -> str | None:
    if not video_id:
        return None
    return f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}"


def instant(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("missing time")
    return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


def interactions(thread: Mapping[str, Any], own_channel: str) -> Iterator[Interaction]:
    """The top-level comment of a thread, then the replies the thread carries."""
    snippet = thread.get("snippet") or {}
    top = snippet.get("topLevelComment")
    video_id = snippet.get("videoId")
    if isinstance(top, dict):
        yield comment(top, own_channel, video_id=video_id)
    replies = (thread.get("replies") or {}).get("comments")
    for reply in replies if isinstance(replies, list) else []:
        yield comment(reply, own_channel, video_id=video_id)


def comment(
    resource: Mapping[str, Any], own_channel: str, *, video_id: str | None = None
) -> Interaction:
    snippet: Mapping[str, Any] = resource.get("snippet") or {}
    author = snippet.get("authorChannelId")
    author_id = str(author.get("value", "")) if isinstance(author, dict) else ""
    parent = snippet.get("parentId")
    video = snippet.get("videoId") or video_id
    comment_id = str(resource.get("id", ""))
    name = str(snippet.get("authorDisplayName") or "")
    return Interaction(
        kind=InteractionKind.REPLY if parent else InteractionKind.COMMENT,
        external_id=comment_id,
        author_id=author_id,
        author_handle=name,
        author_name=name.removeprefix("@"),
        text=str(snippet.get("textOriginal") or snippet.get("textDisplay") or ""),
        created_at=instant(snippet.get("publishedAt")),
        post_external_id=str(video) if video else None,
        parent_external_id=str(parent) if parent else None,
        url=comment_url(str(video) if video else None, comment_id),
        hidden=snippet.get("moderationStatus") in HIDDEN_STATES,
        own=bool(author_id) and author_id == own_channel,
    )


def public_post(item: Mapping[str, Any]) -> PublicPost | None:
    """A search result; None for anything that is not a video."""
    ident = item.get("id") or {}
    video_id = ident.get("videoId") if isinstance(ident, dict) else None
    if not video_id:
        return None
    snippet: Mapping[str, Any] = item.get("snippet") or {}
    title, description = str(snippet.get("title") or ""), str(snippet.get("description") or "")
    return PublicPost(
        external_id=str(video_id),
        author_handle=str(snippet.get("channelTitle") or ""),
        text=f"{title}\n{description}".strip(),
        created_at=instant(snippet.get("publishedAt")),
        url=f"https://www.youtube.com/watch?v={video_id}",
        language=snippet.get("defaultLanguage"),
    )
