"""Reading Bluesky's Jetstream events (their documented JSON shapes) and matching posts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from orchestre.listening.query import parse
from orchestre.listening.stream import (
    StreamMatcher,
    StreamQuery,
    check_url,
    parse_event,
    query_fingerprint,
    subscribe_url,
)

NOW = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
DID = "did:plc:eygmaihciaxprqvxpfvl6flk"


def post_event(
    text: str,
    *,
    rkey: str = "3l3qo2vuowo2b",
    time_us: int = 1725911162329308,
    langs: list[str] | None = None,
    facets: list[Any] | None = None,
    created: str = "2024-09-09T19:46:02.102Z",
    operation: str = "create",
) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": created, "text": text}
    if langs is not None:
        record["langs"] = langs
    if facets is not None:
        record["facets"] = facets
    return {
        "did": DID,
        "time_us": time_us,
        "kind": "commit",
        "commit": {
            "rev": "3l3qo2vutsw2b",
            "operation": operation,
            "collection": "app.bsky.feed.post",
            "rkey": rkey,
            "record": record,
            "cid": "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi",
        },
    }


def tag(name: str, start: int, end: int) -> dict[str, Any]:
    return {
        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": name}],
        "index": {"byteStart": start, "byteEnd": end},
    }


def read(event: dict[str, Any] | str) -> Any:
    raw = event if isinstance(event, str) else json.dumps(event)
    return parse_event(raw, NOW)


def test_a_created_post_is_read_with_its_uri_languages_hashtags_and_date() -> None:
    facets = [
        tag("vélotaf", 12, 21),
        {"features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:x"}]},
    ]
    event = read(post_event("Au travail #vélotaf", langs=["fr", "en"], facets=facets))
    assert event.time_us == 1725911162329308
    post = event.post
    assert post.uri == f"at://{DID}/app.bsky.feed.post/3l3qo2vuowo2b"
    assert post.text == "Au travail #vélotaf"
    assert post.langs == ("fr", "en")
    assert post.hashtags == ("vélotaf",)
    assert post.created_at == datetime(2024, 9, 9, 19, 46, 2, 102000, tzinfo=UTC)
    public = post.as_public()
    assert public.external_id == post.uri
    assert public.url == f"https://bsky.app/profile/{DID}/post/3l3qo2vuowo2b"
    assert public.language == "fr"
    assert public.author_handle == DID


def test_hashtags_come_from_tag_facets_and_the_posts_own_tags_once() -> None:
    event = post_event("texte", facets=[tag("vélo", 0, 1), tag("#vélo", 0, 1), {"features": 3}])
    event["commit"]["record"]["tags"] = ["paris", "vélo", 7, ""]
    assert read(event).post.hashtags == ("vélo", "paris")


def test_a_date_ahead_of_the_clock_or_unreadable_is_the_streams_own() -> None:
    streamed = datetime.fromtimestamp(1725911162329308 / 1_000_000, UTC)
    assert read(post_event("a", created="2099-01-01T00:00:00Z")).post.created_at == streamed
    assert read(post_event("a", created="yesterday")).post.created_at == streamed


@pytest.mark.parametrize(
    "event",
    [
        # the documented identity and account events, a delete, an update, a like
        {
            "did": "did:plc:ufbl4k27gp6kzas5glhz7fim",
            "time_us": 1725516665234703,
            "kind": "identity",
            "identity": {
                "did": "did:plc:ufbl4k27gp6kzas5glhz7fim",
                "handle": "yohenrique.bsky.social",
                "seq": 1409752997,
                "time": "2024-09-05T06:11:04.870Z",
            },
        },
        {
            "did": "did:plc:ufbl4k27gp6kzas5glhz7fim",
            "time_us": 1725516665333808,
            "kind": "account",
            "account": {
                "active": True,
                "did": "did:plc:ufbl4k27gp6kzas5glhz7fim",
                "seq": 1409753013,
                "time": "2024-09-05T06:11:04.870Z",
            },
        },
        {
            "did": "did:plc:rfov6bpyztcnedeyyzgfq42k",
            "time_us": 1725516666833633,
            "kind": "commit",
            "commit": {
                "rev": "3l3f6nzl3cv2s",
                "operation": "delete",
                "collection": "app.bsky.feed.post",
                "rkey": "3l3dn7tku762u",
            },
        },
        post_event("edited", operation="update"),
        {
            **post_event("x"),
            "commit": {**post_event("x")["commit"], "collection": "app.bsky.feed.like"},
        },
    ],
    ids=["identity", "account", "delete", "update", "like"],
)
def test_events_that_are_not_new_posts_only_move_the_cursor(event: dict[str, Any]) -> None:
    parsed = read(event)
    assert parsed is not None
    assert parsed.time_us == event["time_us"]
    assert parsed.post is None


@pytest.mark.parametrize(
    "raw",
    ["not json", "[1, 2]", '{"kind": "commit"}', '{"time_us": "12"}', '{"time_us": true}', "\xff"],
)
def test_malformed_messages_are_skipped(raw: str) -> None:
    assert read(raw) is None


@pytest.mark.parametrize(
    "change",
    [
        {"did": "not a did"},
        {"commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "a/b"}},
        {"commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "k"}},
        {
            "commit": {
                "operation": "create",
                "collection": "app.bsky.feed.post",
                "rkey": "k",
                "record": {"text": 42},
            }
        },
    ],
    ids=["bad did", "bad rkey", "no record", "text not a string"],
)
def test_a_broken_post_moves_the_cursor_but_is_not_matched(change: dict[str, Any]) -> None:
    parsed = read({**post_event("vélo"), **change})
    assert parsed.time_us == 1725911162329308
    assert parsed.post is None


def stream_query(text: str) -> StreamQuery:
    query_id = uuid.uuid4()
    return StreamQuery(query_id, uuid.uuid4(), parse(text), query_fingerprint(query_id, text))


def test_each_post_is_matched_against_every_query_folded_once() -> None:
    bike, tag_only, excluded = (
        stream_query("vélo paris"),
        stream_query("#vélotaf"),
        stream_query("velo -électrique"),
    )
    matcher = StreamMatcher([bike, tag_only, excluded])
    post = read(post_event("VELO dans PARIS", facets=[tag("VéloTaf", 0, 1)])).post
    assert matcher.match(post) == [bike.id, tag_only.id, excluded.id]
    other = read(post_event("Un vélo électrique à Lyon")).post
    assert matcher.match(other) == []
    assert StreamMatcher([]).match(post) == []


def test_the_matcher_version_changes_only_with_the_queries() -> None:
    a, b = stream_query("vélo"), stream_query("paris")
    assert StreamMatcher([a, b]).version == StreamMatcher([b, a]).version
    assert StreamMatcher([a]).version != StreamMatcher([a, b]).version


def test_the_subscription_asks_for_posts_from_the_cursor() -> None:
    base = "wss://jetstream2.us-east.bsky.network/subscribe"
    assert subscribe_url(base, None) == f"{base}?wantedCollections=app.bsky.feed.post"
    assert subscribe_url(base, 17) == f"{base}?wantedCollections=app.bsky.feed.post&cursor=17"
    assert subscribe_url(f"{base}?compress=false", 5).startswith(f"{base}?compress=false&")


@pytest.mark.parametrize("url", ["https://example.org/subscribe", "wss://", "jetstream"])
def test_a_stream_address_that_is_no_websocket_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="ORCHESTRE_LISTENING_STREAM_URL"):
        check_url(url)
