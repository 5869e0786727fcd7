"""LinkedIn's social actions on a post: comments (written and read), reactions, and the
share statistics of an organization's posts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from orchestre.connectors.base import (
    Interaction,
    InteractionKind,
    InteractionPage,
    Metric,
    MetricSample,
    PermanentError,
)
from orchestre.connectors.linkedin.text import escape
from orchestre.connectors.linkedin.wire import NETWORK, call, encode, json_of, post_url

COMMENT = "urn:li:comment:("
COMMENTS_PAGE_MAX = 100
STATS_PAGE_MAX = 20  # posts per statistics request, to keep the address short
# totalShareStatistics field -> our metric.
SHARE_STATISTICS: Mapping[str, Metric] = {
    "impressionCount": Metric.IMPRESSIONS,
    "uniqueImpressionsCount": Metric.REACH,
    "clickCount": Metric.CLICKS,
    "likeCount": Metric.LIKES,
    "commentCount": Metric.COMMENTS,
    "shareCount": Metric.REPOSTS,
}


def comment(
    client: httpx.Client,
    actor: str,
    target: str,
    text: str,
    *,
    client_ref: str | None = None,
) -> str:
    """Comment on a post, or answer a comment (`target` is then its comment URN)."""
    body: dict[str, Any] = {
        "actor": actor,
        "object": post_of(target),
        "message": {"text": escape(text)},
    }
    if target.startswith(COMMENT):
        body["parentComment"] = target
    response = call(
        client,
        "POST",
        f"/rest/socialActions/{encode(target)}/comments",
        client_ref=client_ref,
        json=body,
    )
    created = json_of(response)
    urn = created.get("commentUrn") or created.get("$URN") or response.headers.get("x-restli-id")
    if not isinstance(urn, str) or not urn:
        raise PermanentError("LinkedIn's answer names no comment.", network=NETWORK)
    return urn


def post_of(target: str) -> str:
    """The post a comment URN `urn:li:comment:(<post or activity URN>,<id>)` is on."""
    if target.startswith(COMMENT):
        return target[len(COMMENT) :].rsplit(",", 1)[0]
    return target


def comments(
    client: httpx.Client, post_urn: str, own: str, *, cursor: str | None, limit: int
) -> InteractionPage:
    """One page of a post's comments; the cursor is LinkedIn's `start` offset."""
    start = int(cursor) if cursor and cursor.isdigit() else 0
    count = max(1, min(limit, COMMENTS_PAGE_MAX))
    body = json_of(
        call(
            client,
            "GET",
            f"/rest/socialActions/{encode(post_urn)}/comments",
            params={"start": start, "count": count},
        )
    )
    elements = [e for e in body.get("elements") or () if isinstance(e, dict)]
    items = sorted((_interaction(e, post_urn, own) for e in elements), key=lambda i: i.created_at)
    paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
    total = paging.get("total") if isinstance(paging, dict) else None
    after = start + len(elements)
    more = after < total if isinstance(total, int) else len(elements) == count
    return InteractionPage(items=items, next_cursor=str(after), has_more=more)


def _interaction(element: Mapping[str, Any], post_urn: str, own: str) -> Interaction:
    urn = str(element.get("commentUrn") or element.get("$URN") or element.get("id") or "")
    parent = element.get("parentComment")
    actor = str(element.get("actor") or "")
    created = element.get("created")
    millis = created.get("time") if isinstance(created, dict) else None
    message = element.get("message")
    text = message.get("text") if isinstance(message, dict) else ""
    return Interaction(
        kind=InteractionKind.REPLY if parent else InteractionKind.COMMENT,
        external_id=urn,
        author_id=actor,
        # The versioned API names the author by URN only; a name needs another lookup.
        author_handle="",
        text=str(text or ""),
        created_at=(
            datetime.fromtimestamp(millis / 1000, UTC)
            if isinstance(millis, int | float)
            else datetime.fromtimestamp(0, UTC)
        ),
        post_external_id=post_urn,
        parent_external_id=str(parent) if parent else None,
        url=post_url(post_urn),
        own=actor == own,
    )


def like(client: httpx.Client, actor: str, target: str) -> None:
    try:
        call(
            client,
            "POST",
            f"/rest/reactions?actor={encode(actor)}",
            idempotent=True,
            json={"root": target, "reactionType": "LIKE"},
        )
    except PermanentError as exc:
        # Already reacted: the like is there, which is what was asked.
        if not exc.code.startswith("409"):
            raise


def share_statistics(
    client: httpx.Client, organization: str, post_urns: Sequence[str], at: datetime
) -> list[MetricSample]:
    """Lifetime statistics of an organization's posts; posts LinkedIn omits are left out."""
    samples: list[MetricSample] = []
    urns = list(dict.fromkeys(post_urns))
    for start in range(0, len(urns), STATS_PAGE_MAX):
        chunk = urns[start : start + STATS_PAGE_MAX]
        query = f"q=organizationalEntity&organizationalEntity={encode(organization)}"
        for name, prefix in (("shares", "urn:li:share:"), ("ugcPosts", "urn:li:ugcPost:")):
            picked = [encode(u) for u in chunk if u.startswith(prefix)]
            if picked:
                query += f"&{name}=List({','.join(picked)})"
        body = json_of(call(client, "GET", f"/rest/organizationalEntityShareStatistics?{query}"))
        for element in body.get("elements") or ():
            if isinstance(element, dict):
                samples.extend(_samples(element, at))
    return samples


def _samples(element: Mapping[str, Any], at: datetime) -> list[MetricSample]:
    urn = element.get("share") or element.get("ugcPost")
    totals = element.get("totalShareStatistics")
    if not isinstance(urn, str) or not isinstance(totals, dict):
        return []
    return [
        MetricSample(urn, metric.value, float(totals[field]), at)
        for field, metric in SHARE_STATISTICS.items()
        if isinstance(totals.get(field), int | float)
    ]
