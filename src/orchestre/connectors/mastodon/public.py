"""Reading anyone's public account on Mastodon (competitor benchmarks).

`GET /api/v1/accounts/lookup?acct=` resolves `user` or `user@domain` (an account the
instance knows) to its Account: followers, following and statuses counts. Its posts are
`GET /api/v1/accounts/:id/statuses?exclude_reblogs=true` (at most 40 a page, newest
first), each Status with its public counters (favourites, reblogs, replies, and quotes
on servers that count them). Views are not public on Mastodon.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from orchestre.connectors.base import (
    PermanentError,
    PublicAccount,
    PublicAccountPost,
    PublicFormat,
)
from orchestre.connectors.mastodon.wire import (
    NETWORK,
    call,
    full_acct,
    json_list,
    json_object,
    link_cursor,
    parse_time,
    status_text,
)

PAGE_MAX = 40
MAX_PAGES = 5


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def account_from(body: Mapping[str, Any], host: str) -> PublicAccount:
    return PublicAccount(
        external_id=str(body["id"]),
        handle=full_acct(body, host),
        display_name=str(body.get("display_name") or body.get("username") or ""),
        followers=_count(body.get("followers_count")),
        following=_count(body.get("following_count")),
        posts_count=_count(body.get("statuses_count")),
        url=body.get("url") or None,
    )


def format_of(status: Mapping[str, Any]) -> PublicFormat:
    """Video (or gifv) first, several images a carousel, one an image, a preview card a
    link, else text."""
    kinds = [m.get("type") for m in status.get("media_attachments") or [] if isinstance(m, dict)]
    if any(k in ("video", "gifv") for k in kinds):
        return PublicFormat.VIDEO
    images = kinds.count("image")
    if images > 1:
        return PublicFormat.CAROUSEL
    if images == 1:
        return PublicFormat.IMAGE
    if isinstance(status.get("card"), dict) and status["card"].get("url"):
        return PublicFormat.LINK
    return PublicFormat.TEXT


def post_from(status: Mapping[str, Any]) -> PublicAccountPost:
    return PublicAccountPost(
        external_id=str(status["id"]),
        created_at=parse_time(status.get("created_at")),
        format=format_of(status),
        text=status_text(status),
        url=status.get("url") or status.get("uri") or None,
        likes=_count(status.get("favourites_count")),
        reposts=_count(status.get("reblogs_count")),
        replies=_count(status.get("replies_count")),
        quotes=_count(status.get("quotes_count")),
    )


def lookup(client: httpx.Client, host: str, handle: str) -> PublicAccount:
    acct = handle.strip().removeprefix("@")
    if acct.endswith("@" + host):
        acct = acct[: -len(host) - 1]
    try:
        response = call(client, "GET", "/api/v1/accounts/lookup", params={"acct": acct})
    except PermanentError as exc:
        if exc.code == "404":
            raise PermanentError(
                f"{host} knows no account @{acct}.", network=NETWORK, code="not_found"
            ) from exc
        raise
    return account_from(json_object(response), host)


def posts(client: httpx.Client, account: PublicAccount, limit: int) -> list[PublicAccountPost]:
    """The account's own statuses (boosts left out), newest first, following the answer's
    Link rel="next" (max_id) while more are wanted."""
    out: list[PublicAccountPost] = []
    max_id: str | None = None
    path = f"/api/v1/accounts/{account.external_id}/statuses"
    for _ in range(MAX_PAGES):
        params: dict[str, str | int] = {
            "limit": min(PAGE_MAX, limit - len(out)),
            "exclude_reblogs": "true",
        }
        if max_id:
            params["max_id"] = max_id
        response = call(client, "GET", path, params=params)
        page = [s for s in json_list(response) if s.get("id")]
        out += [post_from(s) for s in page if not s.get("reblog")]
        max_id = link_cursor(response, "next", "max_id")
        if not page or not max_id or len(out) >= limit:
            break
    return out[:limit]
