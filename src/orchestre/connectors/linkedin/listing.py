"""The author's own posts, newest first (`GET /rest/posts?q=author&sortBy=CREATED`), to find
by content a post whose publish went unanswered (LinkedIn keeps no idempotency key).

Reading an organization's posts needs `r_organization_social`, which Orchestre asks for;
reading a member's own posts needs `r_member_social`, which LinkedIn grants to approved
partners only: without it LinkedIn answers 403 and the lookup cannot tell (a person
decides). Pages hold up to 100 posts and go on with `start`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from orchestre.connectors.fingerprint import MAX_PAGES, ListedPost, Listing, gather
from orchestre.connectors.linkedin.text import plain
from orchestre.connectors.linkedin.wire import call, encode, json_of, post_url

# LinkedIn lists a post once it is created; a video waits for its processing first.
SETTLE = timedelta(minutes=1)
PAGE_SIZE = 100
KINDS = {"image": "image", "video": "video"}  # urn:li:image:…, urn:li:video:…


def own_posts(client: httpx.Client, author: str, start: datetime) -> Listing:
    return gather(_pages(client, author), start, max_pages=MAX_PAGES)


def _pages(client: httpx.Client, author: str) -> Iterator[list[ListedPost]]:
    first = 0
    while True:
        # The URN goes encoded in the query (Rest.li 2.0; httpx would leave its colons), so
        # the whole query is written here (`params=` would replace it).
        url = (
            f"/rest/posts?author={encode(author)}&q=author&sortBy=CREATED"
            f"&count={PAGE_SIZE}&start={first}"
        )
        response = call(client, "GET", url)
        elements = [e for e in json_of(response).get("elements") or () if isinstance(e, dict)]
        yield [_listed(e) for e in elements if e.get("id") and "createdAt" in e]
        if len(elements) < PAGE_SIZE:
            return
        first += len(elements)


def _listed(post: Mapping[str, Any]) -> ListedPost:
    return ListedPost(
        external_id=str(post["id"]),
        created_at=datetime.fromtimestamp(int(post["createdAt"]) / 1000, UTC),
        text=plain(str(post.get("commentary") or "")),
        url=post_url(str(post["id"])),
        media=_media(post.get("content")),
    )


def _media(content: Any) -> tuple[str, ...]:
    if not isinstance(content, dict):
        return ()
    if isinstance(content.get("multiImage"), dict):
        return tuple("image" for _ in content["multiImage"].get("images") or ())
    media = content.get("media")
    if isinstance(media, dict):
        kind = str(media.get("id") or "").removeprefix("urn:li:").split(":", 1)[0]
        return (KINDS.get(kind, "other"),)
    return ()  # an article card or a poll: no media of ours
