"""Finding on X, by content, a post whose publish went unanswered: the account's posts
since the attempt (GET /2/users/:id/tweets), matched on their words and media."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestre.connectors.base import DraftPost, MediaRef, PermanentError, RetryableError
from orchestre.connectors.x import XInstallation
from orchestre.kit.clock import FrozenClock
from tests.connectors.x.conftest import Replay, answer

TIMELINE = "/2/users/2244994945/tweets"
SINCE = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
PHOTOS = (MediaRef("a.jpg", "image/jpeg"), MediaRef("b.png", "image/png"))


@pytest.fixture
def settled(clock: FrozenClock) -> FrozenClock:
    clock.advance(minutes=2)  # X has had time to list a fresh post
    return clock


def test_the_post_with_the_same_words_and_photos_is_found(
    x: XInstallation, replay: Replay, settled: FrozenClock
) -> None:
    replay.on(
        "GET",
        TIMELINE,
        answer(200, "users_tweets_newest.json"),
        answer(200, "users_tweets_oldest.json"),
    )
    draft = DraftPost(
        text="Vitrine de printemps,  tasses & bols à la main 🌿",
        media=PHOTOS,
        link="https://atelier.example/printemps",
        client_ref="pub-1",
    )
    found = x.find_by_fingerprint(draft, SINCE)

    params = replay.requests[0].url.params
    assert params["start_time"] == "2030-03-15T08:55:00Z"  # less the clock margin
    assert params["exclude"] == "replies,retweets"
    assert params["expansions"] == "attachments.media_keys"
    assert "note_tweet" in params["tweet.fields"]
    assert found is not None
    assert found.external_id == "1460323737035677900"
    assert found.url == "https://x.com/atelierlumiere/status/1460323737035677900"
    assert found.published_at == datetime(2030, 3, 15, 9, 0, 4, tzinfo=UTC)
    assert found.client_ref == "pub-1"
    assert len(replay.requests) == 2  # every page of the window, then no next page


def test_the_same_words_with_other_media_are_not_ours(
    x: XInstallation, replay: Replay, settled: FrozenClock
) -> None:
    replay.on(
        "GET",
        TIMELINE,
        answer(200, "users_tweets_newest.json"),
        answer(200, "users_tweets_oldest.json"),
    )
    video = DraftPost(
        text="Vitrine de printemps, tasses & bols à la main 🌿",
        media=(MediaRef("v.mp4", "video/mp4"),),
    )
    assert x.find_by_fingerprint(video, SINCE) is None
    second = replay.requests[1]
    assert second.url.params["pagination_token"] == "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5j"


def test_a_long_post_is_matched_on_its_whole_text(
    x: XInstallation, replay: Replay, settled: FrozenClock
) -> None:
    replay.on("GET", TIMELINE, answer(200, "users_tweets_oldest.json"))
    draft = DraftPost(
        text="Quand une pensée dépasse 280 caractères, X la coupe ici et met tout le reste "
        "dans note_tweet : la suite, entière, est là."
    )
    found = x.find_by_fingerprint(draft, SINCE)
    assert found is not None
    assert found.external_id == "1460323737035677850"


def test_nothing_listed_yet_is_unsure_until_x_has_had_time(
    x: XInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.on("GET", TIMELINE, answer(200, "users_tweets_empty.json"))
    draft = DraftPost(text="Bientôt")
    clock.advance(seconds=10)
    with pytest.raises(RetryableError) as fresh:
        x.find_by_fingerprint(draft, SINCE)
    assert fresh.value.retry_after == pytest.approx(20)
    clock.advance(seconds=20)
    assert x.find_by_fingerprint(draft, SINCE) is None


def test_a_listing_that_never_reaches_the_window_start_is_unsure(
    x: XInstallation, replay: Replay, settled: FrozenClock
) -> None:
    replay.on("GET", TIMELINE, answer(200, "users_tweets_newest.json"))  # always a next page
    with pytest.raises(RetryableError, match="could not all be read"):
        x.find_by_fingerprint(DraftPost(text="Introuvable"), SINCE)
    assert len(replay.requests) == 10


def test_an_app_without_access_to_timelines_cannot_look(
    x: XInstallation, replay: Replay, settled: FrozenClock
) -> None:
    replay.on("GET", TIMELINE, answer(403, "error_client_not_enrolled.json"))
    with pytest.raises(PermanentError) as refused:
        x.find_by_fingerprint(DraftPost(text="Bonjour"), SINCE)
    assert "developer App" in refused.value.reason
