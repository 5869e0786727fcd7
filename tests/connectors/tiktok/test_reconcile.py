"""Finding on TikTok, by its description, a public video whose publish went unanswered
without a publish id: the creator's videos newest first (POST /v2/video/list/)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orchestre.connectors.base import CredentialError, DraftPost, MediaRef, PermanentError
from orchestre.connectors.tiktok import TikTokInstallation
from orchestre.kit.clock import FrozenClock
from tests.connectors.tiktok.conftest import API, Replay

LIST = f"{API}/v2/video/list/"
SINCE = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
FITTING = "Derniers essayages avant le défilé ✨ #mode #paris"


def _video(video: Path, text: str = FITTING, privacy: str = "PUBLIC_TO_EVERYONE") -> DraftPost:
    media = (MediaRef(str(video), "video/mp4"),)
    return DraftPost(text, media, options={"privacy_level": privacy}, client_ref="post-9")


@pytest.fixture
def listed(replay: Replay, clock: FrozenClock) -> Replay:
    clock.advance(minutes=20)
    replay.json("POST", LIST, "video_list_newest")
    replay.json("POST", LIST, "video_list_oldest")
    return replay


def test_the_public_video_is_found_by_its_description(
    tiktok: TikTokInstallation, listed: Replay, video: Path
) -> None:
    found = tiktok.find_by_fingerprint(_video(video), SINCE)

    first, second = listed.sent("POST", LIST)
    assert first.url.params["fields"] == "id,title,video_description,create_time,share_url"
    assert json.loads(first.content) == {"max_count": 20}
    assert json.loads(second.content) == {"max_count": 20, "cursor": 1899795660000}
    assert found is not None
    assert found.external_id == "7301527392845899999"
    assert found.url == "https://www.tiktok.com/@lumiereparis/video/7301527392845899999"
    assert found.published_at == datetime(2030, 3, 15, 9, 1, tzinfo=UTC)


def test_absent_once_the_list_reaches_back_past_the_attempt(
    tiktok: TikTokInstallation, listed: Replay, video: Path
) -> None:
    assert tiktok.find_by_fingerprint(_video(video, "Une autre vidéo #mode"), SINCE) is None


@pytest.mark.parametrize(
    ("media", "privacy", "says"),
    [
        ("video/mp4", "SELF_ONLY", "not public"),
        ("image/jpeg", "PUBLIC_TO_EVERYONE", "photo posts"),
    ],
)
def test_what_the_public_list_cannot_show_is_not_looked_for(
    tiktok: TikTokInstallation, replay: Replay, media: str, privacy: str, says: str
) -> None:
    draft = DraftPost(FITTING, (MediaRef("x", media),), options={"privacy_level": privacy})
    with pytest.raises(PermanentError) as refused:
        tiktok.find_by_fingerprint(draft, SINCE)
    assert refused.value.code == "unverifiable"
    assert says in refused.value.reason
    assert replay.requests == []


def test_without_the_video_list_scope_it_cannot_look(
    tiktok: TikTokInstallation, replay: Replay, video: Path
) -> None:
    replay.json("POST", LIST, "error_scope_not_authorized", status=401)
    with pytest.raises(CredentialError) as refused:  # reconnecting grants it again
        tiktok.find_by_fingerprint(_video(video), SINCE)
    assert "scope" in refused.value.message
