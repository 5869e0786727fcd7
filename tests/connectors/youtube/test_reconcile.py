"""Finding on YouTube, by title and description, a video whose upload went unanswered: the
channel's uploads playlist, newest first (channels.list, then playlistItems.list)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from orchestre.connectors.base import DraftPost, MediaRef, RetryableError
from orchestre.connectors.youtube.connector import YouTubeInstallation
from orchestre.kit.clock import FrozenClock
from tests.connectors.youtube.conftest import Replay

API = "www.googleapis.com/youtube/v3"
SINCE = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
BACKSTAGE = "Les coulisses du défilé\nDans l'atelier, la veille : https://lumiere.example/defile"


def _short(video: Path, text: str = BACKSTAGE) -> DraftPost:
    options = {"format": "short", "shorts_hashtag": True}
    return DraftPost(text, (MediaRef(str(video), "video/mp4"),), options=options, client_ref="r")


@pytest.fixture
def listed(replay: Replay) -> Replay:
    replay.json("GET", f"{API}/channels", "channels_uploads")
    replay.json("GET", f"{API}/playlistItems", "playlist_items_newest")
    replay.json("GET", f"{API}/playlistItems", "playlist_items_oldest")
    return replay


def test_the_uploaded_short_is_found_by_its_title_and_description(
    youtube: YouTubeInstallation, listed: Replay, clock: FrozenClock, video: Path
) -> None:
    clock.advance(minutes=15)
    found = youtube.find_by_fingerprint(_short(video), SINCE)

    [channels] = listed.sent("GET", f"{API}/channels")
    assert dict(channels.url.params) == {"part": "contentDetails", "mine": "true"}
    first, second = listed.sent("GET", f"{API}/playlistItems")
    assert first.url.params["playlistId"] == "UUx5Xq0A9dGf1lumiere00001"
    assert "pageToken" not in first.url.params
    assert second.url.params["pageToken"] == "EAAaBlBUOkNBVQ"
    assert found is not None
    assert found.external_id == "aBcDeFgHiJk"
    assert found.published_at == datetime(2030, 3, 15, 9, 1, 40, tzinfo=UTC)
    assert found.client_ref == "r"


def test_another_description_is_another_video(
    youtube: YouTubeInstallation, listed: Replay, clock: FrozenClock, video: Path
) -> None:
    clock.advance(minutes=15)
    other = _short(video, "Les coulisses du défilé\nLe lendemain, au studio.")
    assert youtube.find_by_fingerprint(other, SINCE) is None


def test_a_recent_upload_is_waited_for_before_absence_is_believed(
    youtube: YouTubeInstallation, listed: Replay, clock: FrozenClock, video: Path
) -> None:
    clock.advance(minutes=4)
    other = _short(video, "Une autre vidéo")
    with pytest.raises(RetryableError) as fresh:
        youtube.find_by_fingerprint(other, SINCE)
    assert fresh.value.retry_after == pytest.approx(6 * 60)
