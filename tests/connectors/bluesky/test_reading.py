"""Reading: replies under a post, mentions, metrics and search."""

from __future__ import annotations

import httpx
import pytest

from orchestre.connectors.base import InteractionKind, PermanentError
from orchestre.connectors.bluesky import BlueskyInstallation

from .conftest import ACCESS, DID, POST_URI, FakeXrpc, answer, payload

CAROL = "at://did:plc:carol2026/app.bsky.feed.post/3lbqtcommnt2a"
DAVE = "at://did:plc:dave2026/app.bsky.feed.post/3lbqtdavecm4c"
ANSWER = "at://did:plc:alice2026/app.bsky.feed.post/3lbqtanswer3b"
ERIN = "at://did:plc:erin2026/app.bsky.feed.post/3lbqtmention7"
FRANK = "at://did:plc:frank2026/app.bsky.feed.post/3lbqtquote006"


def test_comments_flatten_the_thread_oldest_first(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("app.bsky.feed.getPostThread", answer("get_post_thread"))

    page = alice.read_comments(POST_URI)

    sent = xrpc.only("app.bsky.feed.getPostThread")
    assert sent.method == "GET"
    assert sent.url.params["uri"] == POST_URI
    assert sent.headers["authorization"] == f"Bearer {ACCESS}"
    assert [i.external_id for i in page.items] == [CAROL, DAVE, ANSWER]  # not-found one left out
    carol, dave, answered = page.items
    assert carol.kind is InteractionKind.COMMENT
    assert carol.post_external_id == POST_URI
    assert carol.parent_external_id is None
    assert carol.author_handle == "carol.example.com"
    assert carol.author_id == "did:plc:carol2026"
    assert carol.author_name == "Carol"
    assert carol.text == "Lovely picture!"
    assert carol.language == "en"
    assert carol.created_at.isoformat() == "2026-11-26T10:05:00+00:00"
    assert carol.url == "https://bsky.app/profile/carol.example.com/post/3lbqtcommnt2a"
    assert not carol.own
    assert answered.kind is InteractionKind.REPLY
    assert answered.parent_external_id == CAROL
    assert answered.own
    assert dave.language is None
    assert page.next_cursor == f"2026-11-26T10:07:00.250Z|{ANSWER}"
    assert not page.has_more


def test_comments_page_with_our_cursor(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    xrpc.on("app.bsky.feed.getPostThread", answer("get_post_thread"))

    first = alice.read_comments(POST_URI, limit=2)
    rest = alice.read_comments(POST_URI, cursor=first.next_cursor, limit=2)
    after_all = alice.read_comments(POST_URI, cursor=rest.next_cursor)

    assert [i.external_id for i in first.items] == [CAROL, DAVE]
    assert first.has_more
    assert [i.external_id for i in rest.items] == [ANSWER]
    assert not rest.has_more
    assert after_all.items == []
    assert after_all.next_cursor == rest.next_cursor


def test_a_cursor_we_did_not_make_is_refused(alice: BlueskyInstallation) -> None:
    with pytest.raises(PermanentError):
        alice.read_comments(POST_URI, cursor="garbage")


def test_comments_of_a_deleted_post_are_a_permanent_error(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on(
        "app.bsky.feed.getPostThread",
        httpx.Response(400, json={"error": "NotFound", "message": "Post not found: " + POST_URI}),
    )

    with pytest.raises(PermanentError) as caught:
        alice.read_comments(POST_URI)
    assert caught.value.code == "NotFound"


def test_mentions_come_from_notifications_oldest_first_across_pages(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on(
        "app.bsky.notification.listNotifications",
        answer("list_notifications"),
        answer("list_notifications_older"),
    )

    page = alice.read_mentions()

    sent = xrpc.sent("app.bsky.notification.listNotifications")
    assert len(sent) == 2
    assert sent[0].url.params.get_list("reasons") == ["mention", "reply", "quote"]
    assert "cursor" not in sent[0].url.params
    assert sent[1].url.params["cursor"] == "2026-11-26T10:06:00.100Z"
    assert [i.external_id for i in page.items] == [CAROL, DAVE, ERIN, FRANK]
    carol, _dave, erin, frank = page.items
    assert carol.kind is InteractionKind.COMMENT
    assert carol.post_external_id == POST_URI
    assert erin.kind is InteractionKind.MENTION
    assert erin.post_external_id is None
    assert erin.text == "Ask @alice.bsky.social about it"
    assert frank.kind is InteractionKind.MENTION
    assert frank.post_external_id == POST_URI
    assert page.next_cursor == f"2026-11-26T10:09:00.200Z|{FRANK}"


def test_mentions_after_a_cursor_stop_reading_where_the_cursor_is(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("app.bsky.notification.listNotifications", answer("list_notifications"))

    page = alice.read_mentions(cursor=f"2026-11-26T10:06:00.100Z|{DAVE}")

    assert len(xrpc.sent("app.bsky.notification.listNotifications")) == 1
    assert [i.external_id for i in page.items] == [ERIN, FRANK]


def test_comments_on_all_our_posts_are_reply_notifications(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on(
        "app.bsky.notification.listNotifications",
        answer("list_notifications"),
        answer("list_notifications_older"),
    )

    page = alice.read_comments()

    sent = xrpc.sent("app.bsky.notification.listNotifications")[0]
    assert sent.url.params.get_list("reasons") == ["reply"]
    assert [i.external_id for i in page.items] == [CAROL, DAVE]
    assert all(i.post_external_id == POST_URI for i in page.items)


def test_metrics_read_the_appview_counters(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    xrpc.on("app.bsky.feed.getPosts", answer("get_posts"))

    samples = alice.read_metrics([POST_URI])

    assert xrpc.only("app.bsky.feed.getPosts").url.params.get_list("uris") == [POST_URI]
    assert {(s.external_id, s.metric, s.value) for s in samples} == {
        (POST_URI, "likes", 42.0),
        (POST_URI, "reposts", 5.0),
        (POST_URI, "comments", 3.0),
        (POST_URI, "quotes", 1.0),
    }
    assert all(s.at.isoformat() == "2026-11-26T10:00:00+00:00" for s in samples)


def test_metrics_ask_25_posts_at_a_time_and_leave_unknown_ones_out(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("app.bsky.feed.getPosts", answer("get_posts"), answer("get_posts_empty"))
    uris = [POST_URI] + [f"at://{DID}/app.bsky.feed.post/3x{i:03d}" for i in range(29)]

    samples = alice.read_metrics(uris)

    batches = [r.url.params.get_list("uris") for r in xrpc.sent("app.bsky.feed.getPosts")]
    assert [len(b) for b in batches] == [25, 5]
    assert [uri for batch in batches for uri in batch] == uris
    assert {s.external_id for s in samples} == {POST_URI}


def test_search_reads_public_posts_newest_first(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    xrpc.on("app.bsky.feed.searchPosts", answer("search_posts"))

    page = alice.search("café", limit=2, cursor="0")

    sent = xrpc.only("app.bsky.feed.searchPosts")
    assert dict(sent.url.params) == {"q": "café", "limit": "2", "cursor": "0", "sort": "latest"}
    first, second = page.items
    assert first.external_id == payload("search_posts")["posts"][0]["uri"]
    assert first.author_handle == "gina.bsky.social"
    assert first.text == "Best café in Lyon"
    assert first.url == "https://bsky.app/profile/gina.bsky.social/post/3lbqtsearch01"
    assert first.metrics == {"likes": 7.0, "reposts": 2.0, "comments": 1.0, "quotes": 0.0}
    assert second.language == "fr"
    assert page.next_cursor == "25"
    assert page.has_more
