"""Finding on LinkedIn, by content, a post whose publish went unanswered: the author's posts
newest first (GET /rest/posts?q=author&sortBy=CREATED), their little text read as plain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestre.connectors.base import DraftPost, MediaRef, PermanentError, RetryableError
from orchestre.connectors.linkedin.connector import LinkedInInstallation
from orchestre.connectors.linkedin.text import escape, plain
from orchestre.kit.clock import FrozenClock
from tests.connectors.linkedin.conftest import Replay, answer

SINCE = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
OPEN_DAY = "Portes ouvertes samedi (10 h-18 h) : venez voir le four ! #artisanat"
PHOTOS = (MediaRef("a.jpg", "image/jpeg"), MediaRef("b.jpg", "image/jpeg"))


@pytest.fixture
def settled(clock: FrozenClock) -> FrozenClock:
    clock.advance(minutes=2)
    return clock


def test_the_pages_post_is_found_by_its_plain_words_and_images(
    page: LinkedInInstallation, replay: Replay, settled: FrozenClock
) -> None:
    replay.on("GET", "/rest/posts", answer(200, "posts_by_author.json"))
    found = page.find_by_fingerprint(DraftPost(OPEN_DAY, PHOTOS, client_ref="r-1"), SINCE)

    [sent] = replay.requests
    assert "author=urn%3Ali%3Aorganization%3A2414183&q=author&sortBy=CREATED" in str(sent.url)
    assert sent.url.params["count"] == "100"
    assert sent.headers["LinkedIn-Version"]
    assert found is not None
    assert found.external_id == "urn:li:share:7180001000000000003"
    assert found.url == "https://www.linkedin.com/feed/update/urn:li:share:7180001000000000003/"
    assert found.published_at == datetime(2030, 3, 15, 9, 0, 12, tzinfo=UTC)


def test_a_post_before_the_window_or_with_other_media_is_not_ours(
    page: LinkedInInstallation, replay: Replay, settled: FrozenClock
) -> None:
    replay.on("GET", "/rest/posts", answer(200, "posts_by_author.json"))
    old = DraftPost("Nouvelle fournée de tasses émaillées", link="https://atelier.example/tasses")
    assert page.find_by_fingerprint(old, SINCE) is None  # 08:53: before the window
    assert page.find_by_fingerprint(DraftPost(OPEN_DAY, PHOTOS[:1]), SINCE) is None


def test_a_full_page_is_followed_by_the_next_one(
    page: LinkedInInstallation, replay: Replay, settled: FrozenClock
) -> None:
    fresh = {"id": "urn:li:share:1", "commentary": "x", "createdAt": 1899795700000}
    replay.on("GET", "/rest/posts", answer(200, json={"elements": [fresh] * 100}))
    with pytest.raises(RetryableError, match="could not all be read"):
        page.find_by_fingerprint(DraftPost(OPEN_DAY), SINCE)
    assert [r.url.params["start"] for r in replay.requests[:3]] == ["0", "100", "200"]


def test_a_member_without_the_partner_permission_cannot_be_looked_up(
    member: LinkedInInstallation, replay: Replay, settled: FrozenClock
) -> None:
    replay.on("GET", "/rest/posts", answer(403, "error_forbidden.json"))
    with pytest.raises(PermanentError) as refused:
        member.find_by_fingerprint(DraftPost(OPEN_DAY), SINCE)
    assert "Not enough permissions" in refused.value.reason
    assert "urn%3Ali%3Aperson%3A782bbtaQ" in str(replay.requests[0].url)


def test_little_read_back_is_what_was_written() -> None:
    written = "Soldes -20 % (vendredi) : tasses_bols @home [promo] #céramique *fin* ~ok~"
    assert plain(escape(written)) == written
