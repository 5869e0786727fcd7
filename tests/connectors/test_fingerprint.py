"""Matching a listed post to a draft by content, and when a lookup may say "not there"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchestre.connectors.base import (
    DraftPost,
    MediaRef,
    PermanentError,
    PublishedRef,
    RetryableError,
)
from orchestre.connectors.fingerprint import (
    CLOCK_SKEW,
    ListedPost,
    Listing,
    gather,
    normalise,
    reconcile,
)

SINCE = datetime(2031, 4, 2, 9, 0, tzinfo=UTC)
LATER = SINCE + timedelta(hours=1)
SETTLE = timedelta(minutes=1)


def _post(text: str, *, minutes: float = 1, media: tuple[str, ...] | None = None) -> ListedPost:
    return ListedPost("p-" + str(minutes), SINCE + timedelta(minutes=minutes), text, media=media)


def _find(
    draft: DraftPost, *posts: ListedPost, complete: bool = True, now: datetime = LATER
) -> PublishedRef | None:
    listing = Listing(posts, complete=complete)
    return reconcile(draft, SINCE, listing, network="x", now=now, settle=SETTLE)


def test_links_whitespace_and_unicode_forms_do_not_tell_posts_apart() -> None:
    written = "Caf\u00e9  ouvert\n\ndemain : https://atelier.example/agenda?j=2"
    shown = "Cafe\u0301 ouvert demain : https://t.co/AbC123xyz"
    assert normalise(written) == normalise(shown) == "Caf\u00e9 ouvert demain :"
    assert normalise("Voir lyon.fr/agenda !") == normalise("Voir https://t.co/q !")


def test_the_listed_post_with_the_same_words_and_media_is_ours() -> None:
    draft = DraftPost(
        text="Nouvelle saison https://a.example",
        media=(MediaRef("a.jpg", "image/jpeg"), MediaRef("b.jpg", "image/png")),
        client_ref="ref-1",
    )
    found = _find(
        draft,
        _post("Nouvelle saison https://t.co/x", minutes=3, media=("image", "image")),
        _post("Nouvelle saison", minutes=2, media=("video",)),  # other media: not ours
        _post("Autre chose", minutes=1),
    )
    assert found is not None
    assert found.external_id == "p-3"
    assert found.published_at == SINCE + timedelta(minutes=3)
    assert found.client_ref == "ref-1"


def test_a_listing_without_media_compares_the_words_only() -> None:
    draft = DraftPost(text="Bonjour", media=(MediaRef("v.mp4", "video/mp4"),))
    found = _find(draft, _post("Bonjour", minutes=2), _post("Bonjour", minutes=1))
    assert found is not None
    assert found.external_id == "p-1"  # the first copy


def test_a_post_from_before_the_window_is_not_ours() -> None:
    old = _post("Bonjour", minutes=-(CLOCK_SKEW.total_seconds() / 60 + 1))
    assert _find(DraftPost(text="Bonjour"), old) is None
    skewed = _post("Bonjour", minutes=-1)  # the network's clock a minute behind ours
    assert _find(DraftPost(text="Bonjour"), skewed) is not None


def test_absent_only_when_the_listing_is_complete_and_settled() -> None:
    draft = DraftPost(text="Bonjour")
    assert _find(draft, _post("Autre")) is None
    with pytest.raises(RetryableError, match="could not all be read"):
        _find(draft, _post("Autre"), complete=False)
    with pytest.raises(RetryableError) as fresh:
        _find(draft, now=SINCE + timedelta(seconds=20))
    assert fresh.value.retry_after == pytest.approx(40)


def test_gather_reads_pages_until_the_window_start_or_the_page_limit() -> None:
    start = SINCE
    inside = [_post("a", minutes=5), _post("b", minutes=4)]
    crossing = [_post("c", minutes=1), _post("d", minutes=-10)]
    assert gather(iter([inside, crossing, inside]), start, max_pages=5).complete
    assert len(gather(iter([inside, crossing, inside]), start, max_pages=5).posts) == 4
    assert gather(iter([inside]), start, max_pages=5).complete  # no next page: all read
    assert not gather(iter([inside, inside, inside]), start, max_pages=2).complete


def test_a_post_without_words_cannot_be_told_apart() -> None:
    video = DraftPost(text="  https://atelier.example/v ", media=(MediaRef("v.mp4", "video/mp4"),))
    with pytest.raises(PermanentError) as refused:
        _find(video, _post("https://t.co/x", media=("video",)))
    assert refused.value.code == "unverifiable"
