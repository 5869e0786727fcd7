"""Reading anyone's public account on X (competitor benchmarks), with the connected
account's user token.

`GET /2/users/by/username/:username?user.fields=public_metrics` gives a user's counts
(followers, following, posts); an unknown name comes back as 200 with only `errors`
(a "resource-not-found" problem). `GET /2/users/:id/tweets` with
`exclude=retweets,replies`, `tweet.fields=public_metrics,attachments,created_at,entities`
and the media expansion gives its posts, newest first (5 to 100 a page, `pagination_token`),
each with likes, retweets, replies, quotes and impressions (public on X since 2022).
Reading other users' timelines needs an access level that includes it: X answers 403
otherwise, which is said as "not available on this X access level".
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
from orchestre.connectors.x.wire import (
    NETWORK,
    WEB_BASE,
    call,
    next_token,
    parse_time,
    post_url,
    tweets_of,
)

PAGE_MIN, PAGE_MAX = 5, 100
MAX_PAGES = 3
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
ACCESS_LEVEL = (
    "Reading other accounts is not available on this X access level: X refused it for the "
    "connected account's app ({reason})."
)


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def account_from(user: Mapping[str, Any]) -> PublicAccount:
    metrics = user.get("public_metrics") or {}
    handle = str(user["username"])
    return PublicAccount(
        external_id=str(user["id"]),
        handle=handle,
        display_name=str(user.get("name") or ""),
        followers=_count(metrics.get("followers_count")),
        following=_count(metrics.get("following_count")),
        posts_count=_count(metrics.get("tweet_count")),
        url=f"{WEB_BASE}/{handle}",
    )


def _media_types(body: Mapping[str, Any]) -> dict[str, str]:
    includes = body.get("includes")
    media = includes.get("media") if isinstance(includes, dict) else None
    if not isinstance(media, list):
        return {}
    return {str(m.get("media_key")): str(m.get("type")) for m in media if isinstance(m, dict)}


def format_of(tweet: Mapping[str, Any], media: Mapping[str, str]) -> PublicFormat:
    """Attached media first (video or animated GIF: video; several photos: carousel), then
    a link in the text (entities.urls not pointing at X itself), else text."""
    keys = (tweet.get("attachments") or {}).get("media_keys") or []
    kinds = [media.get(str(k), "") for k in keys]
    if any(k in ("video", "animated_gif") for k in kinds):
        return PublicFormat.VIDEO
    photos = kinds.count("photo")
    if photos > 1:
        return PublicFormat.CAROUSEL
    if photos == 1:
        return PublicFormat.IMAGE
    urls = (tweet.get("entities") or {}).get("urls") or []
    outside = [
        u
        for u in urls
        if isinstance(u, dict)
        and not str(u.get("expanded_url", "")).startswith(
            ("https://x.com/", "https://twitter.com/")
        )
    ]
    return PublicFormat.LINK if outside else PublicFormat.TEXT


def post_from(tweet: Mapping[str, Any], handle: str, media: Mapping[str, str]) -> PublicAccountPost:
    metrics = tweet.get("public_metrics") or {}
    tweet_id = str(tweet["id"])
    return PublicAccountPost(
        external_id=tweet_id,
        created_at=parse_time(tweet.get("created_at")),
        format=format_of(tweet, media),
        text=str(tweet.get("text") or ""),
        url=post_url(handle, tweet_id),
        likes=_count(metrics.get("like_count")),
        reposts=_count(metrics.get("retweet_count")),
        replies=_count(metrics.get("reply_count")),
        quotes=_count(metrics.get("quote_count")),
        views=_count(metrics.get("impression_count")),
    )


def _access_level(exc: PermanentError) -> PermanentError:
    return PermanentError(
        ACCESS_LEVEL.format(reason=exc.reason), network=NETWORK, code="access_level"
    )


def lookup(client: httpx.Client, handle: str) -> PublicAccount:
    name = handle.strip().removeprefix("@")
    try:
        body = call(
            client,
            "GET",
            f"/2/users/by/username/{name}",
            params={"user.fields": "public_metrics,name,username"},
        )
    except PermanentError as exc:
        if exc.code == "403":
            raise _access_level(exc) from exc
        raise
    user = body.get("data")
    if not isinstance(user, dict):
        errors = body.get("errors") or [{}]
        first = errors[0] if isinstance(errors[0], dict) else {}
        detail = str(first.get("detail") or f"X has no account @{name}.")
        code = "not_found" if first.get("type") == NOT_FOUND else "refused"
        raise PermanentError(detail, network=NETWORK, code=code)
    return account_from(user)


def posts(client: httpx.Client, account: PublicAccount, limit: int) -> list[PublicAccountPost]:
    out: list[PublicAccountPost] = []
    token: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, str | int] = {
            "max_results": max(PAGE_MIN, min(PAGE_MAX, limit - len(out))),
            "exclude": "retweets,replies",
            "tweet.fields": "public_metrics,attachments,created_at,entities",
            "expansions": "attachments.media_keys",
            "media.fields": "type",
        }
        if token:
            params["pagination_token"] = token
        try:
            body = call(client, "GET", f"/2/users/{account.external_id}/tweets", params=params)
        except PermanentError as exc:
            if exc.code == "403":
                raise _access_level(exc) from exc
            raise
        media = _media_types(body)
        out += [post_from(t, account.handle, media) for t in tweets_of(body)]
        token = next_token(body)
        if not token or len(out) >= limit:
            break
    return out[:limit]
