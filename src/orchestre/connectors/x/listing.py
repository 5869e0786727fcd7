"""The account's own posts since an instant (`GET /2/users/:id/tweets`), to find by content
a post whose publish went unanswered (X keeps no idempotency key).

X lists newest first, 100 a page, back to `start_time` (inclusive, to the second), and at
most the account's 3,200 newest posts. Replies and reposts are left out: our post is an
original. The text X lists has its links shortened (t.co), a media's link appended, `&`,
`<` and `>` as HTML entities, and is cut at 280 characters for a long post (the whole
text is then in `note_tweet`).
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from orchestre.connectors.fingerprint import MAX_PAGES, ListedPost, Listing, gather
from orchestre.connectors.x.wire import call, next_token, parse_time, post_url, tweets_of

# X shows a new post in the author's timeline within seconds; this leaves room for a slow one.
SETTLE = timedelta(seconds=30)
KINDS = {"photo": "image", "animated_gif": "image", "video": "video"}


def own_posts(client: httpx.Client, user_id: str, handle: str, start: datetime) -> Listing:
    """The account's original posts created since `start`, newest first."""
    return gather(_pages(client, user_id, handle, start), start, max_pages=MAX_PAGES)


def _pages(
    client: httpx.Client, user_id: str, handle: str, start: datetime
) -> Iterator[list[ListedPost]]:
    params: dict[str, str | int] = {
        "start_time": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "max_results": 100,
        "exclude": "replies,retweets",
        "tweet.fields": "created_at,attachments,note_tweet",
        "expansions": "attachments.media_keys",
        "media.fields": "type",
    }
    token: str | None = None
    while True:
        page = call(
            client,
            "GET",
            f"/2/users/{user_id}/tweets",
            params={**params, **({"pagination_token": token} if token else {})},
        )
        kinds = _media_kinds(page)
        yield [_listed(tweet, kinds, handle) for tweet in tweets_of(page) if tweet.get("id")]
        token = next_token(page)
        if token is None:
            return


def _listed(tweet: Mapping[str, Any], kinds: Mapping[str, str], handle: str) -> ListedPost:
    note = tweet.get("note_tweet")
    text = note.get("text") if isinstance(note, dict) else None
    attachments = tweet.get("attachments")
    keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
    media = tuple(kinds.get(str(k), "other") for k in keys or ())
    return ListedPost(
        external_id=str(tweet["id"]),
        created_at=parse_time(tweet.get("created_at")),
        text=html.unescape(str(text if isinstance(text, str) else tweet.get("text") or "")),
        url=post_url(handle, str(tweet["id"])),
        media=media,
    )


def _media_kinds(page: Mapping[str, Any]) -> dict[str, str]:
    includes = page.get("includes")
    media = includes.get("media") if isinstance(includes, dict) else None
    return {
        str(m.get("media_key")): KINDS.get(str(m.get("type")), "other")
        for m in media or ()
        if isinstance(m, dict)
    }
