"""Reading X: mentions, the replies under our posts, public search and post metrics.

X lists posts newest first and pages backwards with `next_token`; the contract wants
interactions oldest first after a cursor. So the cursor is the id of the newest post
already read (`since_id`): we read every page newer than it (X keeps at most the 800
newest mentions and 7 days of search), sort oldest first and hand back `limit` of them;
the last one handed back is the next cursor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from orchestre.connectors.base import (
    Interaction,
    InteractionKind,
    InteractionPage,
    Metric,
    MetricSample,
    PostPage,
    PublicPost,
)
from orchestre.connectors.x.wire import (
    TWEET_FIELDS,
    USER_FIELDS,
    call,
    next_token,
    parse_time,
    post_url,
    replied_to,
    tweets_of,
    users_by_id,
)

PAGE_MAX = 100  # the most X lists in one page of mentions or search
PAGES_MAX = 8  # 800 mentions: all X keeps
IDS_MAX = 100  # the most posts one lookup takes
# public_metrics field -> our metric; quotes are reposts with a comment, so they add up.
METRIC_FIELDS: Mapping[str, Metric] = {
    "impression_count": Metric.IMPRESSIONS,
    "like_count": Metric.LIKES,
    "retweet_count": Metric.REPOSTS,
    "quote_count": Metric.REPOSTS,
    "reply_count": Metric.COMMENTS,
    "bookmark_count": Metric.SAVES,
}


def _read_since(
    client: httpx.Client, url: str, params: dict[str, str | int], cursor: str | None
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every post newer than `cursor` (all pages), and their authors."""
    base = {
        **params,
        "max_results": PAGE_MAX,
        "tweet.fields": TWEET_FIELDS,
        "expansions": "author_id",
        "user.fields": USER_FIELDS,
    }
    if cursor:
        base["since_id"] = cursor
    tweets: list[dict[str, Any]] = []
    users: dict[str, dict[str, Any]] = {}
    token: str | None = None
    for _ in range(PAGES_MAX):
        page = call(
            client, "GET", url, params={**base, **({"pagination_token": token} if token else {})}
        )
        tweets.extend(tweets_of(page))
        users.update(users_by_id(page))
        token = next_token(page)
        if token is None:
            break
    return tweets, users


def _oldest_first(tweets: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], bool]:
    # Post ids are snowflakes: their order is the order of publication.
    ordered = sorted({str(t["id"]): t for t in tweets if "id" in t}.values(), key=_id_order)
    return ordered[:limit], len(ordered) > limit


def _id_order(tweet: Mapping[str, Any]) -> tuple[int, str]:
    value = str(tweet["id"])
    return (len(value), value)


def _page(
    tweets: list[dict[str, Any]], has_more: bool, cursor: str | None, items: list[Interaction]
) -> InteractionPage:
    last = str(tweets[-1]["id"]) if tweets else cursor
    return InteractionPage(items=items, next_cursor=last, has_more=has_more)


def mentions(
    client: httpx.Client, user_id: str, *, cursor: str | None, limit: int
) -> InteractionPage:
    tweets, users = _read_since(client, f"/2/users/{user_id}/mentions", {}, cursor)
    chosen, more = _oldest_first(tweets, limit)
    items = [
        _interaction(t, users, InteractionKind.MENTION, own_id=user_id, post_id=str(t["id"]))
        for t in chosen
    ]
    return _page(chosen, more, cursor, items)


def comments(
    client: httpx.Client,
    user_id: str,
    query: str,
    *,
    cursor: str | None,
    limit: int,
) -> InteractionPage:
    """Replies found by a search (`conversation_id:<post>` or `to:<handle>`)."""
    tweets, users = _read_since(client, "/2/tweets/search/recent", {"query": query}, cursor)
    chosen, more = _oldest_first(tweets, limit)
    items = []
    for tweet in chosen:
        root = str(tweet.get("conversation_id") or "")
        parent = replied_to(tweet)
        top_level = parent is None or parent == root
        items.append(
            _interaction(
                tweet,
                users,
                InteractionKind.COMMENT if top_level else InteractionKind.REPLY,
                own_id=user_id,
                post_id=root or None,
                parent_id=None if top_level else parent,
            )
        )
    return _page(chosen, more, cursor, items)


def _interaction(
    tweet: Mapping[str, Any],
    users: Mapping[str, Mapping[str, Any]],
    kind: InteractionKind,
    *,
    own_id: str,
    post_id: str | None,
    parent_id: str | None = None,
) -> Interaction:
    author_id = str(tweet.get("author_id") or "")
    author = users.get(author_id, {})
    handle = str(author.get("username") or "")
    return Interaction(
        kind=kind,
        external_id=str(tweet["id"]),
        author_id=author_id,
        author_handle=handle,
        author_name=str(author.get("name") or ""),
        text=str(tweet.get("text") or ""),
        created_at=parse_time(tweet.get("created_at")),
        language=_language(tweet),
        post_external_id=post_id,
        parent_external_id=parent_id,
        url=post_url(handle, str(tweet["id"])),
        own=author_id == own_id,
    )


def _language(tweet: Mapping[str, Any]) -> str | None:
    lang = tweet.get("lang")
    # "und": X could not tell; "qme"/"zxx" and the like are not languages.
    return lang if isinstance(lang, str) and len(lang) == 2 else None


def search(client: httpx.Client, query: str, *, cursor: str | None, limit: int) -> PostPage:
    params: dict[str, str | int] = {
        "query": query,
        # X asks for 10 to 100 results a page.
        "max_results": max(10, min(limit, PAGE_MAX)),
        "tweet.fields": TWEET_FIELDS,
        "expansions": "author_id",
        "user.fields": USER_FIELDS,
    }
    if cursor:
        params["next_token"] = cursor
    body = call(client, "GET", "/2/tweets/search/recent", params=params)
    users = users_by_id(body)
    items = []
    for tweet in tweets_of(body)[:limit]:
        handle = str(users.get(str(tweet.get("author_id")), {}).get("username") or "")
        items.append(
            PublicPost(
                external_id=str(tweet["id"]),
                author_handle=handle,
                text=str(tweet.get("text") or ""),
                created_at=parse_time(tweet.get("created_at")),
                url=post_url(handle, str(tweet["id"])),
                language=_language(tweet),
                metrics=_metrics_of(tweet),
            )
        )
    token = next_token(body)
    return PostPage(items=items, next_cursor=token, has_more=token is not None)


def _metrics_of(tweet: Mapping[str, Any]) -> dict[str, float]:
    public = tweet.get("public_metrics")
    totals: dict[str, float] = {}
    if not isinstance(public, dict):
        return totals
    for field, metric in METRIC_FIELDS.items():
        value = public.get(field)
        if isinstance(value, int | float):
            totals[metric.value] = totals.get(metric.value, 0.0) + float(value)
    return totals


def metrics(client: httpx.Client, external_ids: Sequence[str], at: datetime) -> list[MetricSample]:
    """Current public metrics of posts; ids X does not know are left out."""
    samples: list[MetricSample] = []
    ids = list(dict.fromkeys(external_ids))
    for start in range(0, len(ids), IDS_MAX):
        body = call(
            client,
            "GET",
            "/2/tweets",
            params={
                "ids": ",".join(ids[start : start + IDS_MAX]),
                "tweet.fields": "public_metrics",
                "expansions": "attachments.media_keys",
                "media.fields": "type,public_metrics",
            },
        )
        views = _video_views(body)
        for tweet in tweets_of(body):
            values = _metrics_of(tweet)
            watched = [views[k] for k in _media_keys(tweet) if k in views]
            if watched:
                values[Metric.VIDEO_VIEWS.value] = sum(watched)
            for metric, value in values.items():
                samples.append(MetricSample(str(tweet["id"]), metric, value, at))
    return samples


def _video_views(body: Mapping[str, Any]) -> dict[str, float]:
    """Views of each attached video or GIF (media `public_metrics.view_count`). X gives no
    watch time or completion for organic posts in v2: those stay not available."""
    includes = body.get("includes")
    media = includes.get("media") if isinstance(includes, dict) else None
    views: dict[str, float] = {}
    for item in media if isinstance(media, list) else []:
        public = item.get("public_metrics") if isinstance(item, dict) else None
        count = public.get("view_count") if isinstance(public, dict) else None
        if isinstance(count, int | float) and isinstance(item.get("media_key"), str):
            views[item["media_key"]] = float(count)
    return views


def _media_keys(tweet: Mapping[str, Any]) -> list[str]:
    attachments = tweet.get("attachments")
    keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []
