"""Bluesky's public event stream (Jetstream) as a listening source: its events read, its
posts matched against the queries that follow the stream.

Jetstream sends one JSON object per WebSocket message: `did`, `time_us` (the cursor),
`kind` ("commit", "identity", "account") and, for a commit, `commit.operation`
("create", "update", "delete"), `commit.collection`, `commit.rkey` and `commit.record`.
Only the creation of an `app.bsky.feed.post` is a post; everything else only moves the
cursor, and a message that is not such an object is skipped.

Matching stays cheap at the firehose's pace: each query is parsed once (`StreamMatcher`
is rebuilt only when the queries change) and each post folded once (`query.document`),
then tried against every query.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any
from urllib.parse import urlencode

from orchestre.connectors.base import PublicPost
from orchestre.listening.query import CompiledQuery, document, matches_document

NETWORK = "bluesky"  # the network of the stream's mentions: the same as Bluesky search's
STREAM = "bluesky-jetstream"  # its row in listening_streams
COLLECTION = "app.bsky.feed.post"
_TAG_FACET = "app.bsky.richtext.facet#tag"
_DID = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}")
_RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")
MAX_TEXT = 5000  # a post is 300 graphemes; a bigger record is not a real client's post
MAX_TAGS = 20


@dataclass(frozen=True)
class StreamPost:
    did: str
    rkey: str
    text: str
    langs: tuple[str, ...]
    hashtags: tuple[str, ...]
    created_at: datetime

    @property
    def uri(self) -> str:
        """The post's AT URI: the external id Bluesky search gives the same post."""
        return f"at://{self.did}/{COLLECTION}/{self.rkey}"

    def as_public(self) -> PublicPost:
        """The post as the listening store keeps it (the stream gives no handle: the
        author is the DID, which bsky.app links resolve)."""
        return PublicPost(
            external_id=self.uri,
            author_handle=self.did,
            text=self.text,
            created_at=self.created_at,
            url=f"https://bsky.app/profile/{self.did}/post/{self.rkey}",
            language=self.langs[0][:10] if self.langs else None,
        )


@dataclass(frozen=True)
class StreamEvent:
    time_us: int
    post: StreamPost | None  # None: an event that is not a new post


def subscribe_url(base: str, cursor_us: int | None) -> str:
    """The stream's address asking for posts only, from `cursor_us` when given."""
    params: dict[str, str | int] = {"wantedCollections": COLLECTION}
    if cursor_us is not None:
        params["cursor"] = cursor_us
    return f"{base}{'&' if '?' in base else '?'}{urlencode(params)}"


def check_url(url: str) -> str:
    """The stream's setting, refused with the rule it breaks when it is no WebSocket URL."""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    if not url.startswith(("wss://", "ws://")) or not host:
        raise ValueError(
            f"ORCHESTRE_LISTENING_STREAM_URL must be a ws:// or wss:// address, not {url!r}"
        )
    return url


def parse_event(raw: str | bytes, now: datetime) -> StreamEvent | None:
    """One message of the stream; None when it is malformed (not a JSON object with a
    whole `time_us`): nothing to match, nothing to resume from."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    time_us = data.get("time_us")
    if not isinstance(time_us, int) or isinstance(time_us, bool) or time_us <= 0:
        return None
    return StreamEvent(time_us, _post(data, time_us, now))


def _post(data: dict[str, Any], time_us: int, now: datetime) -> StreamPost | None:
    commit = data.get("commit")
    if data.get("kind") != "commit" or not isinstance(commit, dict):
        return None
    if commit.get("operation") != "create" or commit.get("collection") != COLLECTION:
        return None
    did, rkey, record = data.get("did"), commit.get("rkey"), commit.get("record")
    if not isinstance(did, str) or not _DID.fullmatch(did):
        return None
    if not isinstance(rkey, str) or not _RKEY.fullmatch(rkey) or not isinstance(record, dict):
        return None
    text = record.get("text")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return None
    langs = record.get("langs")
    return StreamPost(
        did=did,
        rkey=rkey,
        text=text,
        langs=tuple(x for x in langs if isinstance(x, str) and x)[:3]
        if isinstance(langs, list)
        else (),
        hashtags=_hashtags(record),
        created_at=_created(record.get("createdAt"), time_us, now),
    )


def _hashtags(record: dict[str, Any]) -> tuple[str, ...]:
    """The tags of the text's facets, then the post's own `tags` (not shown in the text)."""
    found: list[object] = []
    facets = record.get("facets")
    for facet in facets if isinstance(facets, list) else ():
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else ():
            if isinstance(feature, dict) and feature.get("$type") == _TAG_FACET:
                found.append(feature.get("tag"))
    tags = record.get("tags")
    found.extend(tags if isinstance(tags, list) else ())
    out: list[str] = []
    for tag in found:
        name = tag.strip().lstrip("#")[:64] if isinstance(tag, str) else ""
        if name and name not in out:
            out.append(name)
    return tuple(out[:MAX_TAGS])


def _created(value: object, time_us: int, now: datetime) -> datetime:
    """The post's own date, or the stream's when it has none, cannot be read or is ahead
    of the clock (a client's clock may be wrong)."""
    streamed = min(datetime.fromtimestamp(time_us / 1_000_000, UTC), now)
    if isinstance(value, str):
        try:
            created = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return streamed
        if created.tzinfo is not None and created <= now:
            return created.astimezone(UTC)
    return streamed


@dataclass(frozen=True)
class StreamQuery:
    """A query following the stream, parsed once."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    compiled: CompiledQuery
    fingerprint: str


def query_fingerprint(query_id: uuid.UUID, text: str) -> str:
    """What a query is matched with: its id and words (languages are applied on storing)."""
    return sha256(f"{query_id}\x1f{text}".encode()).hexdigest()


class StreamMatcher:
    """Every query following the stream; which of them a post matches."""

    def __init__(self, queries: Sequence[StreamQuery]) -> None:
        self.queries = tuple(queries)
        self.version = sha256(
            "\x1e".join(sorted(q.fingerprint for q in self.queries)).encode()
        ).hexdigest()

    def match(self, post: StreamPost) -> list[uuid.UUID]:
        if not self.queries:
            return []
        doc = document(post.text, post.hashtags, post.did)
        return [q.id for q in self.queries if matches_document(q.compiled, doc)]
