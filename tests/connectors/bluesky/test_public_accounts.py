"""Reading a competitor's public Bluesky account: getProfile's counts, getAuthorFeed's
posts with their counters and formats from the embed views, reposts left out, paging by
cursor, an unknown actor refused as not_found."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from orchestre.connectors.base import (
    Capability,
    PermanentError,
    PublicFormat,
    RetryableError,
    public_reading,
)
from orchestre.connectors.bluesky import BlueskyConnector, BlueskyInstallation
from tests.connectors.bluesky.conftest import FakeXrpc, answer, payload

FEED = "app.bsky.feed.getAuthorFeed"
PROFILE = "app.bsky.actor.getProfile"


def test_profile_and_feed(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    assert Capability.READ_PUBLIC_ACCOUNTS in BlueskyConnector.capabilities
    xrpc.on(PROFILE, answer("get_profile_other"))
    xrpc.on(FEED, answer("get_author_feed"))
    reader = public_reading(alice, network="bluesky")

    found = reader.lookup_account("@rival.coffee")
    assert xrpc.only(PROFILE).url.params["actor"] == "rival.coffee"
    assert (found.external_id, found.handle, found.display_name) == (
        "did:plc:rivalroast",
        "rival.coffee",
        "Rival Coffee",
    )
    assert (found.followers, found.following, found.posts_count) == (8450, 120, 930)
    assert found.url == "https://bsky.app/profile/rival.coffee"

    posts = reader.read_account_posts(found, limit=6)
    sent = parse_qs(xrpc.sent(FEED)[0].url.query.decode())
    assert sent["filter"] == ["posts_no_replies"]
    assert sent["actor"] == ["did:plc:rivalroast"]
    assert [p.format for p in posts] == [
        PublicFormat.VIDEO,
        PublicFormat.CAROUSEL,
        PublicFormat.LINK,
        PublicFormat.IMAGE,  # a quote with an image
        PublicFormat.TEXT,  # a plain quote
        PublicFormat.TEXT,
    ]
    first = posts[0]
    assert (first.likes, first.reposts, first.replies, first.quotes) == (120, 14, 6, 2)
    assert first.views is None
    assert first.url == "https://bsky.app/profile/rival.coffee/post/3lrival0006"
    assert "3lother0001" not in " ".join(p.external_id for p in posts)  # a repost


def test_pages_by_cursor(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    feed = payload("get_author_feed")
    xrpc.on(PROFILE, answer("get_profile_other"))
    xrpc.on(FEED, answer("get_author_feed"), answer("get_author_feed"))
    reader = public_reading(alice)
    posts = reader.read_account_posts(reader.lookup_account("rival.coffee"), limit=8)
    pages = xrpc.sent(FEED)
    assert len(pages) == 2
    assert pages[1].url.params["cursor"] == feed["cursor"]
    assert len(posts) == 8


def test_unknown_actor_and_rate_limit(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    reader = public_reading(alice)
    xrpc.on(PROFILE, answer("error_profile_not_found", 400))
    with pytest.raises(PermanentError) as unknown:
        reader.lookup_account("nobody.example")
    assert unknown.value.code == "not_found"
    xrpc.on(PROFILE, answer("error_rate_limit", 429, {"ratelimit-reset": "1795000000"}))
    with pytest.raises(RetryableError):
        reader.lookup_account("rival.coffee")
