"""Direct Post: the creator's settings checked first, chunked upload, then the wait."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from orchestre.connectors.base import (
    AmbiguousError,
    DraftPost,
    MediaRef,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.tiktok import TikTokInstallation, publishing
from orchestre.kit.clock import FrozenClock
from tests.connectors.tiktok.conftest import API, TOKEN, UPLOAD_URL, Replay, payload

UPLOAD = "open-upload.tiktokapis.com/video/"
CREATOR = f"{API}/v2/post/publish/creator_info/query/"
INIT = f"{API}/v2/post/publish/video/init/"
PHOTO_INIT = f"{API}/v2/post/publish/content/init/"
STATUS = f"{API}/v2/post/publish/status/fetch/"
PUBLISH_ID = "v_pub_file~v2-1.7301526854127782934"


def _draft(video: Path, **options: object) -> DraftPost:
    return DraftPost(
        text="Nouvelle collection 🌸 #paris",
        media=[MediaRef(video.as_uri(), "video/mp4")],
        options={"privacy_level": "PUBLIC_TO_EVERYONE", **options},
        client_ref="post-41",
    )


def _ready(replay: Replay, creator: str = "creator_info") -> None:
    replay.json("POST", CREATOR, creator)
    replay.json("POST", INIT, "video_init")
    replay.on("PUT", UPLOAD, httpx.Response(206), httpx.Response(206), httpx.Response(201))


def test_a_video_is_checked_initialised_uploaded_in_chunks_and_waited_for(
    tiktok: TikTokInstallation,
    replay: Replay,
    video: Path,
    clock: FrozenClock,
    sleeps: list[float],
) -> None:
    _ready(replay)
    replay.json("POST", STATUS, "status_processing")
    replay.json("POST", STATUS, "status_complete")

    ref = tiktok.publish(_draft(video, duration_sec=42, video_cover_timestamp_ms=1500))

    assert ref.external_id == "7301527392845892870"
    assert ref.url == "https://www.tiktok.com/@lumiere.paris/video/7301527392845892870"
    assert ref.client_ref == "post-41"
    assert ref.published_at == clock.now()
    assert sleeps == [5]
    init = replay.sent("POST", INIT)[0]
    assert init.headers["authorization"] == f"Bearer {TOKEN}"
    assert init.headers["content-type"].startswith("application/json")
    assert json.loads(init.content) == {
        "post_info": {
            "title": "Nouvelle collection 🌸 #paris",
            "privacy_level": "PUBLIC_TO_EVERYONE",
            "disable_duet": False,
            "disable_comment": False,
            "disable_stitch": True,  # the creator turned stitches off
            "brand_content_toggle": False,
            "brand_organic_toggle": False,
            "video_cover_timestamp_ms": 1500,
        },
        "source_info": {
            "source": "FILE_UPLOAD",
            "video_size": 35,
            "chunk_size": 10,
            "total_chunk_count": 3,
        },
    }
    puts = replay.sent("PUT", UPLOAD)
    assert [p.headers["content-range"] for p in puts] == [
        "bytes 0-9/35",
        "bytes 10-19/35",
        "bytes 20-34/35",
    ]
    assert [p.headers["content-length"] for p in puts] == ["10", "10", "15"]
    assert b"".join(p.content for p in puts) == video.read_bytes()
    assert all(p.headers["content-type"] == "video/mp4" for p in puts)
    assert str(puts[0].url) == UPLOAD_URL
    # The upload address is pre-signed: the account's token never goes there.
    assert all("authorization" not in p.headers for p in puts)
    assert json.loads(replay.sent("POST", STATUS)[0].content) == {"publish_id": PUBLISH_ID}


def test_a_small_video_goes_in_one_chunk(
    tiktok: TikTokInstallation, replay: Replay, tmp_path: Path
) -> None:
    small = tmp_path / "small.mp4"
    small.write_bytes(b"0123456")
    replay.json("POST", CREATOR, "creator_info")
    replay.json("POST", INIT, "video_init")
    replay.on("PUT", UPLOAD, httpx.Response(201))
    replay.json("POST", STATUS, "status_complete")
    tiktok.publish(_draft(small))
    source = json.loads(replay.sent("POST", INIT)[0].content)["source_info"]
    assert (source["chunk_size"], source["total_chunk_count"]) == (7, 1)
    assert [p.headers["content-range"] for p in replay.sent("PUT", UPLOAD)] == ["bytes 0-6/7"]


def test_settings_the_creator_turned_off_stay_off(
    tiktok: TikTokInstallation, replay: Replay, video: Path
) -> None:
    _ready(replay, "creator_info_comments_off")
    replay.json("POST", STATUS, "status_complete")
    tiktok.publish(_draft(video, privacy_level="FOLLOWER_OF_CREATOR", disable_comment=False))
    info = json.loads(replay.sent("POST", INIT)[0].content)["post_info"]
    assert (info["disable_comment"], info["disable_duet"], info["disable_stitch"]) == (
        True,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("options", "code", "says"),
    [
        ({"privacy_level": None}, "privacy_level_required", "needs a privacy level"),
        ({"privacy_level": "FOLLOWER_OF_CREATOR"}, "privacy_level_option_mismatch", "SELF_ONLY"),
        ({"duration_sec": 301}, "duration_exceeded", "at most 300 s"),
        (
            {"privacy_level": "SELF_ONLY", "brand_content_toggle": True},
            "brand_content_private",
            "branded content",
        ),
    ],
)
def test_a_draft_the_creator_cannot_post_is_refused_before_any_upload(
    tiktok: TikTokInstallation,
    replay: Replay,
    video: Path,
    options: dict[str, object],
    code: str,
    says: str,
) -> None:
    _ready(replay)
    with pytest.raises(PermanentError) as refused:
        tiktok.publish(_draft(video, **options))
    assert refused.value.code == code
    assert says in refused.value.reason
    assert replay.sent("POST", INIT) == []
    assert replay.sent("PUT", UPLOAD) == []


def test_a_video_measured_longer_than_the_creator_may_post_is_refused(
    tiktok: TikTokInstallation, replay: Replay, video: Path, lengths: dict[Path, float]
) -> None:
    _ready(replay)
    lengths[video] = 300.5
    with pytest.raises(PermanentError) as refused:
        tiktok.publish(_draft(video))
    assert refused.value.code == "duration_exceeded"
    assert replay.sent("POST", INIT) == []
    lengths[video] = 299.0
    replay.json("POST", STATUS, "status_complete")
    assert tiktok.publish(_draft(video)).external_id == "7301527392845892870"


def test_a_video_is_measured_by_ffprobe(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi"),
            *("-i", "testsrc=size=64x64:rate=10:duration=1.5", str(clip)),
        ],
        check=True,
        timeout=60,
    )
    assert publishing.video_seconds(clip) == pytest.approx(1.5, abs=0.1)
    assert publishing.video_seconds(tmp_path / "gone.mp4") is None
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video")
    assert publishing.video_seconds(junk) is None


def test_a_post_tiktok_fails_is_a_permanent_error_with_its_reason(
    tiktok: TikTokInstallation, replay: Replay, video: Path
) -> None:
    _ready(replay)
    replay.json("POST", STATUS, "status_failed")
    with pytest.raises(PermanentError) as failed:
        tiktok.publish(_draft(video))
    assert failed.value.code == "frame_rate_check_failed"
    assert "frame_rate_check_failed" in failed.value.reason


def test_past_the_deadline_the_post_is_ambiguous_and_found_again_by_its_publish_id(
    tiktok: TikTokInstallation, replay: Replay, video: Path, sleeps: list[float]
) -> None:
    _ready(replay)
    replay.json("POST", STATUS, "status_processing")
    with pytest.raises(AmbiguousError) as pending:
        tiktok.publish(_draft(video))
    assert pending.value.client_ref == PUBLISH_ID
    assert sum(sleeps) <= 30
    assert len(replay.sent("POST", STATUS)) == len(sleeps) + 1

    with pytest.raises(RetryableError):
        tiktok.find_by_client_ref(PUBLISH_ID)  # still processing: look again later
    replay.routes[("POST", STATUS)] = [httpx.Response(200, json=payload("status_complete"))]
    found = tiktok.find_by_client_ref(PUBLISH_ID)
    assert found is not None
    assert found.external_id == "7301527392845892870"
    replay.routes[("POST", STATUS)] = [httpx.Response(200, json=payload("status_failed"))]
    assert tiktok.find_by_client_ref(PUBLISH_ID) is None


def test_a_rate_limited_status_read_waits_and_keeps_polling(
    tiktok: TikTokInstallation, replay: Replay, video: Path, sleeps: list[float]
) -> None:
    _ready(replay)
    replay.json("POST", STATUS, "error_rate_limit_exceeded", status=429, **{"Retry-After": "12"})
    replay.json("POST", STATUS, "status_complete")
    assert tiktok.publish(_draft(video)).external_id == "7301527392845892870"
    assert sleeps == [12]


def test_our_own_reference_cannot_be_looked_up_on_tiktok(tiktok: TikTokInstallation) -> None:
    with pytest.raises(PermanentError) as refused:
        tiktok.find_by_client_ref("post-41")
    assert refused.value.code == "unverifiable"


def test_a_private_post_has_no_public_address(
    tiktok: TikTokInstallation, replay: Replay, video: Path
) -> None:
    _ready(replay)
    replay.json("POST", STATUS, "status_complete_private")
    ref = tiktok.publish(_draft(video, privacy_level="SELF_ONLY"))
    assert (ref.external_id, ref.url) == (PUBLISH_ID, None)


def test_a_timeout_after_the_last_chunk_is_ambiguous_and_carries_the_publish_id(
    tiktok: TikTokInstallation, replay: Replay, video: Path
) -> None:
    replay.json("POST", CREATOR, "creator_info")
    replay.json("POST", INIT, "video_init")
    replay.on("PUT", UPLOAD, httpx.Response(206), httpx.Response(206), httpx.ReadTimeout)
    with pytest.raises(AmbiguousError) as pending:
        tiktok.publish(_draft(video))
    assert pending.value.client_ref == PUBLISH_ID


def test_a_timeout_on_an_earlier_chunk_or_the_init_is_safe_to_retry(
    tiktok: TikTokInstallation, replay: Replay, video: Path
) -> None:
    # Nothing is posted before the last chunk arrives.
    replay.json("POST", CREATOR, "creator_info")
    replay.json("POST", INIT, "video_init")
    replay.on("PUT", UPLOAD, httpx.ReadTimeout)
    with pytest.raises(RetryableError):
        tiktok.publish(_draft(video))
    replay.routes[("POST", INIT)] = [httpx.ReadTimeout]
    with pytest.raises(RetryableError):
        tiktok.publish(_draft(video))


def test_a_connect_error_is_retryable(
    tiktok: TikTokInstallation, replay: Replay, video: Path
) -> None:
    replay.on("POST", CREATOR, httpx.ConnectError)
    with pytest.raises(RetryableError):
        tiktok.publish(_draft(video))


def test_a_video_must_be_a_readable_local_file(
    tiktok: TikTokInstallation, replay: Replay, tmp_path: Path
) -> None:
    _ready(replay)
    remote = DraftPost(
        text="x",
        media=[MediaRef("https://cdn.example/v.mp4", "video/mp4")],
        options={"privacy_level": "SELF_ONLY"},
    )
    with pytest.raises(PermanentError, match="local file"):
        tiktok.publish(remote)
    with pytest.raises(PermanentError, match="cannot be read"):
        tiktok.publish(_draft(tmp_path / "gone.mp4"))
    assert replay.sent("POST", INIT) == []


def test_photos_are_posted_from_https_addresses(tiktok: TikTokInstallation, replay: Replay) -> None:
    replay.json("POST", CREATOR, "creator_info")
    replay.json("POST", PHOTO_INIT, "content_init")
    replay.json("POST", STATUS, "status_complete")
    draft = DraftPost(
        text="Trois looks pour le printemps",
        media=[
            MediaRef("https://media.lumiere.example/1.jpg", "image/jpeg"),
            MediaRef("https://media.lumiere.example/2.jpg", "image/jpeg"),
        ],
        options={
            "privacy_level": "MUTUAL_FOLLOW_FRIENDS",
            "title": "Printemps",
            "format": "carousel",
        },
    )
    ref = tiktok.publish(draft)
    assert ref.url == "https://www.tiktok.com/@lumiere.paris/photo/7301527392845892870"
    assert json.loads(replay.sent("POST", PHOTO_INIT)[0].content) == {
        "post_info": {
            "title": "Printemps",
            "description": "Trois looks pour le printemps",
            "privacy_level": "MUTUAL_FOLLOW_FRIENDS",
            "disable_comment": False,
            "auto_add_music": True,
            "brand_content_toggle": False,
            "brand_organic_toggle": False,
        },
        "source_info": {
            "source": "PULL_FROM_URL",
            "photo_cover_index": 0,
            "photo_images": [
                "https://media.lumiere.example/1.jpg",
                "https://media.lumiere.example/2.jpg",
            ],
        },
        "post_mode": "DIRECT_POST",
        "media_type": "PHOTO",
    }


def test_photos_from_a_local_file_or_plain_http_are_refused(
    tiktok: TikTokInstallation, replay: Replay
) -> None:
    replay.json("POST", CREATOR, "creator_info")
    draft = DraftPost(
        text="x",
        media=[MediaRef("http://media.lumiere.example/1.jpg", "image/jpeg")],
        options={"privacy_level": "SELF_ONLY"},
    )
    with pytest.raises(PermanentError, match="https"):
        tiktok.publish(draft)
    assert replay.sent("POST", PHOTO_INIT) == []


def test_a_timeout_after_sending_photos_is_ambiguous(
    tiktok: TikTokInstallation, replay: Replay
) -> None:
    replay.json("POST", CREATOR, "creator_info")
    replay.on("POST", PHOTO_INIT, httpx.ReadTimeout)
    draft = DraftPost(
        text="x",
        media=[MediaRef("https://media.lumiere.example/1.jpg", "image/jpeg")],
        options={"privacy_level": "SELF_ONLY"},
        client_ref="post-42",
    )
    with pytest.raises(AmbiguousError) as pending:
        tiktok.publish(draft)
    assert pending.value.client_ref == "post-42"


def test_text_alone_or_a_video_with_photos_is_not_a_tiktok_post(
    tiktok: TikTokInstallation, video: Path
) -> None:
    with pytest.raises(PermanentError, match="one video, or photos only"):
        tiktok.publish(DraftPost(text="hello"))
    mixed = DraftPost(
        text="x",
        media=[
            MediaRef(video.as_uri(), "video/mp4"),
            MediaRef("https://media.lumiere.example/1.jpg", "image/jpeg"),
        ],
    )
    with pytest.raises(PermanentError, match="one video, or photos only"):
        tiktok.publish(mixed)
