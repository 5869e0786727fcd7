"""What Bluesky's AppView answers, as the contract's plain data.

Threads (`getPostThread`) and notifications (`listNotifications`) come as SDK models;
these functions read them into `Interaction`, `PublicPost` and `MetricSample`.

Cursors: the AppView pages from the newest item backwards, while the contract reads
oldest first "after a cursor". Our cursor is therefore our own: `<indexedAt>|<uri>` of
the last item returned; the next read returns what the AppView indexed after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from orchestre.connectors.base import (
    Interaction,
    InteractionKind,
    InteractionPage,
    Metric,
    MetricSample,
    PermanentError,
    PublicPost,
)
from orchestre.connectors.bluesky.records import parse_instant, post_url
from orchestre.connectors.bluesky.xrpc import NETWORK

# The AppView's counters, as our metric names. Quotes have no shared `Metric` name.
QUOTES = "quotes"
COUNTERS = (
    ("like_count", Metric.LIKES.value),
    ("repost_count", Metric.REPOSTS.value),
    ("reply_count", Metric.COMMENTS.value),
    ("quote_count", QUOTES),
)


def field(obj: Any, name: str, camel: str | None = None) -> Any:
    """A field of an SDK model, a `DotDict` (unknown record types) or a dict, or None."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(camel or name)
    value = getattr(obj, name, None)
    if value is None and camel:
        value = getattr(obj, camel, None)
    return value


@dataclass(frozen=True)
class Keyed:
    """An interaction with the key our cursors order by."""

    key: tuple[str, str]
    item: Interaction


def parse_cursor(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    indexed_at, sep, uri = cursor.partition("|")
    if not sep or not indexed_at:
        raise PermanentError(
            "This Bluesky cursor is not one Orchestre made; read again without it.",
            network=NETWORK,
            code="bad_cursor",
        )
    return indexed_at, uri


def page_after(
    found: Iterable[Keyed], after: tuple[str, str] | None, limit: int
) -> InteractionPage:
    """The oldest `limit` interactions after the cursor key, and the next cursor."""
    ordered = sorted((k for k in found if after is None or k.key > after), key=lambda k: k.key)
    chosen = ordered[: max(1, limit)]
    if not chosen:
        return InteractionPage(items=[], next_cursor="|".join(after) if after else None)
    last = chosen[-1].key
    return InteractionPage(
        items=[k.item for k in chosen],
        next_cursor=f"{last[0]}|{last[1]}",
        has_more=len(ordered) > len(chosen),
    )


def thread_replies(thread: Any, root_uri: str, own_did: str, now: datetime) -> list[Keyed]:
    """Every reply under a `ThreadViewPost`, however deep, as comments (answers to the
    post) and replies (answers to a comment)."""
    out: list[Keyed] = []
    stack: list[Any] = list(field(thread, "replies") or [])
    while stack:
        node = stack.pop()
        post = field(node, "post")
        if post is None:  # a reply that is deleted or blocked
            continue
        out.append(_keyed(post, root_uri, own_did, now))
        stack.extend(field(node, "replies") or [])
    return out


def _keyed(post: Any, root_uri: str, own_did: str, now: datetime) -> Keyed:
    record = field(post, "record")
    parent = field(field(record, "reply"), "parent")
    parent_uri = field(parent, "uri")
    kind = InteractionKind.COMMENT if parent_uri in (None, root_uri) else InteractionKind.REPLY
    item = interaction(post, record, kind, own_did, now)
    item = replace(
        item,
        post_external_id=root_uri,
        parent_external_id=None if kind is InteractionKind.COMMENT else parent_uri,
    )
    return Keyed((str(field(post, "indexed_at", "indexedAt") or ""), item.external_id), item)


def interaction(
    view: Any, record: Any, kind: InteractionKind, own_did: str, now: datetime
) -> Interaction:
    """An interaction from a post view or a notification (both carry uri, author, record)."""
    author = field(view, "author")
    handle = str(field(author, "handle") or "")
    did = str(field(author, "did") or "")
    uri = str(field(view, "uri"))
    langs = field(record, "langs") or []
    return Interaction(
        kind=kind,
        external_id=uri,
        author_id=did,
        author_handle=handle,
        author_name=str(field(author, "display_name", "displayName") or ""),
        text=str(field(record, "text") or ""),
        created_at=parse_instant(field(record, "created_at", "createdAt"), now),
        language=str(langs[0]) if langs else None,
        url=post_url(uri, handle or None),
        own=bool(did) and did == own_did,
    )


def notification_item(note: Any, own_did: str, now: datetime) -> Keyed | None:
    """A mention, reply or quote notification as an interaction (others: None)."""
    reason = field(note, "reason")
    record = field(note, "record")
    reply = field(record, "reply")
    if reason == "reply":
        root_uri = field(field(reply, "root"), "uri")
        parent_uri = field(field(reply, "parent"), "uri")
        kind = InteractionKind.COMMENT if parent_uri == root_uri else InteractionKind.REPLY
        post_id, parent_id = root_uri, None if kind is InteractionKind.COMMENT else parent_uri
    elif reason in ("mention", "quote"):
        kind = InteractionKind.MENTION
        post_id = field(note, "reason_subject", "reasonSubject") if reason == "quote" else None
        parent_id = None
    else:
        return None
    item = interaction(note, record, kind, own_did, now)
    item = replace(
        item,
        post_external_id=str(post_id) if post_id else None,
        parent_external_id=str(parent_id) if parent_id else None,
    )
    return Keyed((str(field(note, "indexed_at", "indexedAt") or ""), item.external_id), item)


def collect_notifications(
    fetch: Callable[[str | None], Any],
    reasons: Sequence[str],
    after: tuple[str, str] | None,
    own_did: str,
    now: datetime,
    max_pages: int,
) -> list[Keyed]:
    """Notifications newer than `after`, reading pages newest first until one reaches it
    (or `max_pages` pages: a first read looks that far back and no further)."""
    found: list[Keyed] = []
    cursor: str | None = None
    for _ in range(max_pages):
        answer = fetch(cursor)
        notes = list(field(answer, "notifications") or [])
        reached = False
        for note in notes:
            if field(note, "reason") not in reasons:
                continue
            keyed = notification_item(note, own_did, now)
            if keyed is None:
                continue
            if after is not None and keyed.key <= after:
                reached = True
                continue
            found.append(keyed)
        cursor = field(answer, "cursor")
        if reached or not notes or not cursor:
            break
    return found


def public_post(view: Any, now: datetime) -> PublicPost:
    record = field(view, "record")
    author = field(view, "author")
    handle = str(field(author, "handle") or "")
    uri = str(field(view, "uri"))
    langs = field(record, "langs") or []
    return PublicPost(
        external_id=uri,
        author_handle=handle,
        text=str(field(record, "text") or ""),
        created_at=parse_instant(field(record, "created_at", "createdAt"), now),
        url=post_url(uri, handle or None),
        language=str(langs[0]) if langs else None,
        metrics={name: float(field(view, attr) or 0) for attr, name in COUNTERS},
    )


def metric_samples(view: Any, at: datetime) -> list[MetricSample]:
    uri = str(field(view, "uri"))
    return [
        MetricSample(external_id=uri, metric=name, value=float(field(view, attr) or 0), at=at)
        for attr, name in COUNTERS
    ]
