"""Reading anyone's public account on Bluesky (competitor benchmarks).

`app.bsky.actor.getProfile` gives a profile's counts (followers, follows, posts);
`app.bsky.feed.getAuthorFeed` (filter `posts_no_replies`) its feed, newest first, paged
by `cursor`, each item a FeedViewPost whose `reason` is set when it is a repost by the
account (left out: not its own post). Each PostView carries its counters (likes,
reposts, replies, quotes) and its embed's view, which says the format. Views are not
public on Bluesky.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from orchestre.connectors.base import (
    PermanentError,
    PublicAccount,
    PublicAccountPost,
    PublicFormat,
)
from orchestre.connectors.bluesky import records
from orchestre.connectors.bluesky.reading import field
from orchestre.connectors.bluesky.records import parse_instant, post_url
from orchestre.connectors.bluesky.xrpc import NETWORK

PAGE_MAX = 100
PROFILES_MAX = 25  # app.bsky.actor.getProfiles' limit of actors a call
MAX_PAGES = 5
# What the AppView answers for an actor it cannot find (InvalidRequest, its message).
_UNKNOWN = ("profile not found", "unable to resolve handle", "actor not found")


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def account_from(view: Any) -> PublicAccount:
    handle = str(field(view, "handle"))
    return PublicAccount(
        external_id=str(field(view, "did")),
        handle=handle,
        display_name=str(field(view, "display_name", "displayName") or ""),
        followers=_count(field(view, "followers_count", "followersCount")),
        following=_count(field(view, "follows_count", "followsCount")),
        posts_count=_count(field(view, "posts_count", "postsCount")),
        url=f"{records.APP_URL}/profile/{handle}",
    )


def _embed_type(embed: Any) -> str:
    return str(field(embed, "py_type", "$type") or "")


def format_of(view: Any) -> PublicFormat:
    """From the post's embed view: images (several: carousel), video, an external link;
    a quote with media takes its media's format; a plain quote or none: text."""
    embed = field(view, "embed")
    kind = _embed_type(embed)
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        embed = field(embed, "media")
        kind = _embed_type(embed)
    if kind.startswith("app.bsky.embed.images"):
        images = field(embed, "images") or []
        return PublicFormat.CAROUSEL if len(images) > 1 else PublicFormat.IMAGE
    if kind.startswith("app.bsky.embed.video"):
        return PublicFormat.VIDEO
    if kind.startswith("app.bsky.embed.external"):
        return PublicFormat.LINK
    return PublicFormat.TEXT


def post_from(view: Any, now: datetime) -> PublicAccountPost:
    record = field(view, "record")
    author = field(view, "author")
    uri = str(field(view, "uri"))
    return PublicAccountPost(
        external_id=uri,
        created_at=parse_instant(field(record, "created_at", "createdAt"), now),
        format=format_of(view),
        text=str(field(record, "text") or ""),
        url=post_url(uri, str(field(author, "handle") or "") or None),
        likes=_count(field(view, "like_count", "likeCount")),
        reposts=_count(field(view, "repost_count", "repostCount")),
        replies=_count(field(view, "reply_count", "replyCount")),
        quotes=_count(field(view, "quote_count", "quoteCount")),
    )


def lookup(get_profile: Callable[[str], Any], handle: str) -> PublicAccount:
    actor = handle.strip().removeprefix("@")
    try:
        return account_from(get_profile(actor))
    except PermanentError as exc:
        if exc.reason.lower().startswith(_UNKNOWN) or exc.code in ("NotFound", "400"):
            raise PermanentError(
                f"Bluesky has no account @{actor}.", network=NETWORK, code="not_found"
            ) from exc
        raise


def posts(
    get_feed: Callable[[str, int, str | None], Any],
    account: PublicAccount,
    limit: int,
    now: datetime,
) -> list[PublicAccountPost]:
    out: list[PublicAccountPost] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        answer = get_feed(account.external_id, min(PAGE_MAX, limit - len(out)), cursor)
        items = list(field(answer, "feed") or [])
        for item in items:
            if field(item, "reason") is not None:  # a repost by the account
                continue
            view = field(item, "post")
            if str(field(field(view, "author"), "did")) != account.external_id:
                continue
            out.append(post_from(view, now))
        cursor = field(answer, "cursor")
        if not items or not cursor or len(out) >= limit:
            break
    return out[:limit]
