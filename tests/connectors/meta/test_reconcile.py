"""Finding on Facebook, Instagram and Threads, by content, a post whose publish went
unanswered: the account's own posts since the attempt, matched on words and media."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestre.connectors.base import DraftPost, MediaRef, PermanentError, RetryableError
from orchestre.kit.clock import FrozenClock
from tests.connectors.meta.conftest import FakeTime, Replay, graph_error, payload, query
from tests.connectors.meta.test_facebook import PAGE
from tests.connectors.meta.test_facebook import V as GRAPH
from tests.connectors.meta.test_facebook import _open as open_facebook
from tests.connectors.meta.test_instagram import IG
from tests.connectors.meta.test_instagram import _open as open_instagram
from tests.connectors.meta.test_threads import V as THREADS
from tests.connectors.meta.test_threads import _open as open_threads

SINCE = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
PHOTO = MediaRef("https://media.example/a.jpg", "image/jpeg")
VIDEO = MediaRef("https://media.example/b.mp4", "video/mp4")
BRIOCHES = "Les brioches du dimanche sont sorties du four 🥐"


@pytest.fixture
def settled(clock: FrozenClock) -> FrozenClock:
    clock.advance(minutes=2)
    return clock


def test_facebook_finds_the_page_post_with_the_same_words_and_photos(
    replay: Replay, settled: FrozenClock
) -> None:
    replay.on(
        "GET",
        f"{GRAPH}/{PAGE}/published_posts",
        payload("facebook/published_posts_newest.json"),
        payload("facebook/published_posts_oldest.json"),
    )
    draft = DraftPost(
        text=BRIOCHES, media=(PHOTO, PHOTO), link="https://lumiere.example/brioches", client_ref="r"
    )
    found = open_facebook(replay).find_by_fingerprint(draft, SINCE)

    first, second = replay.sent("GET", f"{GRAPH}/{PAGE}/published_posts")
    assert "attachments{media_type,subattachments}" in query(first)["fields"]
    assert query(second)["after"] == "QVFIUkVFa"
    assert found is not None
    assert found.external_id == "1122334455_9988776699"  # not last week's identical post
    assert found.url == "https://www.facebook.com/1122334455/posts/9988776699"
    assert found.published_at == datetime(2030, 3, 15, 9, 0, 6, tzinfo=UTC)


def test_facebook_says_absent_only_once_it_has_read_past_the_window(
    replay: Replay, settled: FrozenClock
) -> None:
    replay.on(
        "GET",
        f"{GRAPH}/{PAGE}/published_posts",
        payload("facebook/published_posts_newest.json"),
        payload("facebook/published_posts_oldest.json"),
    )
    # The same words with one photo are another post: ours is not there.
    assert open_facebook(replay).find_by_fingerprint(DraftPost(BRIOCHES, (PHOTO,)), SINCE) is None
    assert len(replay.requests) == 2


def test_facebook_waits_longer_for_a_video_to_be_listed(replay: Replay, clock: FrozenClock) -> None:
    replay.on(
        "GET",
        f"{GRAPH}/{PAGE}/published_posts",
        payload("facebook/published_posts_newest.json"),
        payload("facebook/published_posts_oldest.json"),
    )
    clock.advance(minutes=2)
    with pytest.raises(RetryableError) as fresh:
        open_facebook(replay).find_by_fingerprint(DraftPost("Le fournil", (VIDEO,)), SINCE)
    assert fresh.value.retry_after == pytest.approx(8 * 60)


def test_facebook_without_the_permission_to_read_the_page_cannot_look(
    replay: Replay, settled: FrozenClock
) -> None:
    replay.on("GET", f"{GRAPH}/{PAGE}/published_posts", graph_error("permission_missing", 403))
    with pytest.raises(PermanentError) as refused:
        open_facebook(replay).find_by_fingerprint(DraftPost(BRIOCHES), SINCE)
    assert "pages_read_engagement" in refused.value.reason


def test_instagram_finds_the_carousel_by_caption_and_children(
    replay: Replay, fake_time: FakeTime, settled: FrozenClock
) -> None:
    replay.on("GET", f"{GRAPH}/{IG}/media", payload("instagram/media_listing.json"))
    caption = "Fournée du matin 🍞 #levain #boulangerie"
    draft = DraftPost(caption, (PHOTO, VIDEO), options={"format": "carousel"})
    found = open_instagram(replay, fake_time).find_by_fingerprint(draft, SINCE)

    sent = query(replay.one("GET", f"{GRAPH}/{IG}/media"))
    assert "children{media_type}" in sent["fields"]
    assert found is not None
    assert found.external_id == "17920238422031010"
    assert found.url == "https://www.instagram.com/p/C5aBcDeFgHi/"
    # One image alone is the older post of 08:30, outside the window: not ours.
    assert (
        open_instagram(replay, fake_time).find_by_fingerprint(DraftPost(caption, (PHOTO,)), SINCE)
        is None
    )


def test_threads_lists_since_the_window_and_matches_across_line_breaks(
    replay: Replay, fake_time: FakeTime, settled: FrozenClock
) -> None:
    replay.on("GET", f"{THREADS}/me/threads", payload("threads/threads_listing.json"))
    threads = open_threads(replay, fake_time)
    found = threads.find_by_fingerprint(
        DraftPost("Le levain a doublé cette nuit. Pain de campagne à 11 h !"), SINCE
    )
    sent = query(replay.one("GET", f"{THREADS}/me/threads"))
    assert sent["since"] == str(int(datetime(2030, 3, 15, 8, 55, tzinfo=UTC).timestamp()))
    assert found is not None
    assert found.external_id == "18050012345679100"
    # The text-only draft is not the image post with the same first sentence.
    assert threads.find_by_fingerprint(DraftPost("Le levain a doublé cette nuit."), SINCE) is None
