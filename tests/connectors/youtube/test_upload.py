"""Publishing by resumable upload: the session, 308 ranges, resuming after a lost chunk."""

from __future__ import annotations

import json
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
from orchestre.connectors.youtube import UploadRules, YouTubeInstallation
from tests.connectors.youtube.conftest import SESSION, TOKEN, UPLOAD, Replay, payload


def _draft(video: Path, **options: object) -> DraftPost:
    return DraftPost(
        text="Nouvelle collection\nDécouvrez nos looks de printemps.",
        media=[MediaRef(video.as_uri(), "video/mp4")],
        options=options,
        client_ref="post-77",
    )


def _incomplete(last_byte: int | None) -> httpx.Response:
    headers = {"Range": f"bytes=0-{last_byte}"} if last_byte is not None else {}
    return httpx.Response(308, headers=headers)


def _done() -> httpx.Response:
    return httpx.Response(201, json=payload("video_inserted"))


def _session(replay: Replay) -> None:
    replay.on("POST", UPLOAD, httpx.Response(200, headers={"Location": SESSION}))


def _ranges(replay: Replay) -> list[str]:
    return [r.headers["content-range"] for r in replay.sent("PUT", UPLOAD)]


def test_a_video_opens_a_session_then_goes_in_chunks(
    youtube: YouTubeInstallation, replay: Replay, video: Path
) -> None:
    _session(replay)
    replay.on("PUT", UPLOAD, _incomplete(7), _incomplete(15), _done())

    ref = youtube.publish(
        _draft(video, tags=["mode", "paris"], language="fr", notify_subscribers=False)
    )

    assert ref.external_id == "dQw4w9WgXcQ"
    assert ref.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert ref.client_ref == "post-77"
    opening = replay.sent("POST", UPLOAD)[0]
    assert dict(opening.url.params) == {
        "uploadType": "resumable",
        "part": "snippet,status",
        "notifySubscribers": "false",
    }
    assert opening.headers["authorization"] == f"Bearer {TOKEN}"
    assert opening.headers["x-upload-content-length"] == "20"
    assert opening.headers["x-upload-content-type"] == "video/mp4"
    assert json.loads(opening.content) == {
        "snippet": {
            "title": "Nouvelle collection",
            "description": "Nouvelle collection\nDécouvrez nos looks de printemps.",
            "categoryId": "22",
            "tags": ["mode", "paris"],
            "defaultLanguage": "fr",
        },
        "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False},
    }
    puts = replay.sent("PUT", UPLOAD)
    assert _ranges(replay) == ["bytes 0-7/20", "bytes 8-15/20", "bytes 16-19/20"]
    assert str(puts[0].url) == SESSION
    assert b"".join(p.content for p in puts) == video.read_bytes()


def test_a_308_continues_from_the_byte_after_what_youtube_holds(
    youtube: YouTubeInstallation, replay: Replay, video: Path
) -> None:
    _session(replay)
    replay.on("PUT", UPLOAD, _incomplete(5), _incomplete(13), _done())
    youtube.publish(_draft(video))
    assert _ranges(replay) == ["bytes 0-7/20", "bytes 6-13/20", "bytes 14-19/20"]


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(503, json=payload("error_backend_error")), httpx.ReadTimeout],
    ids=["5xx", "timeout"],
)
def test_an_interrupted_chunk_resumes_the_session_not_the_upload(
    youtube: YouTubeInstallation,
    replay: Replay,
    video: Path,
    sleeps: list[float],
    failure: httpx.Response | type[httpx.TransportError],
) -> None:
    _session(replay)
    replay.on("PUT", UPLOAD, _incomplete(7), failure, _incomplete(11), _done())
    assert youtube.publish(_draft(video)).external_id == "dQw4w9WgXcQ"
    assert _ranges(replay) == [
        "bytes 0-7/20",
        "bytes 8-15/20",  # lost
        "bytes */20",  # what do you hold? 0-11
        "bytes 12-19/20",
    ]
    query = replay.sent("PUT", UPLOAD)[2]
    assert query.content == b""
    assert len(replay.sent("POST", UPLOAD)) == 1
    assert sleeps == [1]


def test_a_lost_last_chunk_that_youtube_completed_is_the_video(
    youtube: YouTubeInstallation, replay: Replay, video: Path
) -> None:
    _session(replay)
    replay.on("PUT", UPLOAD, _incomplete(7), _incomplete(15), httpx.ReadTimeout, _done())
    assert youtube.publish(_draft(video)).external_id == "dQw4w9WgXcQ"
    assert _ranges(replay)[-1] == "bytes */20"


def test_a_last_chunk_never_confirmed_is_ambiguous(
    youtube: YouTubeInstallation, replay: Replay, video: Path, sleeps: list[float]
) -> None:
    _session(replay)
    replay.on("PUT", UPLOAD, _incomplete(7), _incomplete(15), httpx.ReadTimeout)
    with pytest.raises(AmbiguousError) as pending:
        youtube.publish(_draft(video))
    assert pending.value.client_ref == "post-77"
    assert sleeps == [1, 2, 4]


def test_an_earlier_chunk_never_confirmed_is_retryable(
    youtube: YouTubeInstallation, replay: Replay, video: Path
) -> None:
    _session(replay)
    replay.on("PUT", UPLOAD, httpx.Response(500, text="oops"))
    with pytest.raises(RetryableError):
        youtube.publish(_draft(video))


def test_an_expired_session_is_retryable(
    youtube: YouTubeInstallation, replay: Replay, video: Path
) -> None:
    _session(replay)
    replay.on("PUT", UPLOAD, httpx.Response(404, text="Not Found"))
    with pytest.raises(RetryableError, match="expired"):
        youtube.publish(_draft(video))


@pytest.mark.parametrize("failure", [httpx.ReadTimeout, httpx.ConnectError])
def test_a_lost_session_opening_is_retryable_since_nothing_was_sent(
    youtube: YouTubeInstallation,
    replay: Replay,
    video: Path,
    failure: type[httpx.TransportError],
) -> None:
    replay.on("POST", UPLOAD, failure)
    with pytest.raises(RetryableError):
        youtube.publish(_draft(video))


def test_a_short_says_so_only_when_asked_and_lives_under_shorts(
    youtube: YouTubeInstallation, replay: Replay, video: Path
) -> None:
    _session(replay)
    replay.on("PUT", UPLOAD, _done())
    youtube.publish(_draft(video, format="short", duration_sec=45))
    first = json.loads(replay.sent("POST", UPLOAD)[0].content)["snippet"]
    assert first["title"] == "Nouvelle collection"
    ref = youtube.publish(_draft(video, format="short", shorts_hashtag=True))
    second = json.loads(replay.sent("POST", UPLOAD)[1].content)["snippet"]
    assert second["title"] == "Nouvelle collection #Shorts"
    assert ref.url == "https://www.youtube.com/shorts/dQw4w9WgXcQ"


def test_a_short_over_three_minutes_is_refused_before_any_request(
    youtube: YouTubeInstallation, replay: Replay, video: Path
) -> None:
    with pytest.raises(PermanentError, match="at most 3 minutes"):
        youtube.publish(_draft(video, format="short", duration_sec=181))
    assert replay.requests == []


def test_a_short_measured_over_three_minutes_is_refused(
    youtube: YouTubeInstallation, replay: Replay, video: Path, lengths: dict[Path, float]
) -> None:
    lengths[video] = 180.4
    with pytest.raises(PermanentError) as refused:
        youtube.publish(_draft(video, format="short"))
    assert refused.value.code == "short_too_long"
    assert replay.requests == []
    # A long video that is not a Short is YouTube's ordinary video.
    _session(replay)
    replay.on("PUT", UPLOAD, _done())
    assert youtube.publish(_draft(video)).url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def test_the_title_falls_back_to_the_first_line_made_to_fit(
    youtube: YouTubeInstallation, replay: Replay, video: Path
) -> None:
    _session(replay)
    replay.on("PUT", UPLOAD, _done())
    long_line = "<Soldes> " + "x" * 120
    youtube.publish(
        DraftPost(text=f"\n{long_line}\nsuite", media=[MediaRef(str(video), "video/mp4")])
    )
    title = json.loads(replay.sent("POST", UPLOAD)[0].content)["snippet"]["title"]
    assert len(title) == 100
    assert title.startswith("Soldes xxx")
    assert title.endswith("…")


def test_a_scheduled_video_is_private_until_its_time(
    youtube: YouTubeInstallation, replay: Replay, video: Path
) -> None:
    _session(replay)
    replay.on("PUT", UPLOAD, _done())
    youtube.publish(_draft(video, privacy="public", publish_at="2030-03-20T18:30:00+01:00"))
    status = json.loads(replay.sent("POST", UPLOAD)[0].content)["status"]
    assert status == {
        "privacyStatus": "private",
        "selfDeclaredMadeForKids": False,
        "publishAt": "2030-03-20T17:30:00Z",
    }


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"privacy": "friends"}, "invalid_privacy"),
        ({"publish_at": "tomorrow"}, "invalid_publish_at"),
    ],
)
def test_impossible_settings_are_refused_before_any_request(
    youtube: YouTubeInstallation, replay: Replay, video: Path, options: dict[str, object], code: str
) -> None:
    with pytest.raises(PermanentError) as refused:
        youtube.publish(_draft(video, **options))
    assert refused.value.code == code
    assert replay.requests == []


def test_a_thumbnail_and_a_first_comment_follow_the_video(
    youtube: YouTubeInstallation, replay: Replay, video: Path, tmp_path: Path
) -> None:
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(b"\xff\xd8\xff\xe0fake-jpeg")
    _session(replay)
    replay.on("PUT", UPLOAD, _done())
    replay.on(
        "POST", "www.googleapis.com/upload/youtube/v3/thumbnails/set", httpx.Response(200, json={})
    )
    replay.json("POST", "www.googleapis.com/youtube/v3/commentThreads", "comment_thread_inserted")
    draft = DraftPost(
        text="Nouvelle collection",
        media=[MediaRef(video.as_uri(), "video/mp4")],
        first_comment="Tous les looks sont en boutique 👗",
        options={"thumbnail": MediaRef(cover.as_uri(), "image/jpeg")},
    )
    ref = youtube.publish(draft)
    assert ref.first_comment_id == "UgzL3k5lumiereThread01AaABAg"
    thumb = replay.sent("POST", "www.googleapis.com/upload/youtube/v3/thumbnails/set")[0]
    assert thumb.url.params["videoId"] == "dQw4w9WgXcQ"
    assert thumb.headers["content-type"] == "image/jpeg"
    assert thumb.content == cover.read_bytes()
    comment = json.loads(
        replay.sent("POST", "www.googleapis.com/youtube/v3/commentThreads")[0].content
    )
    assert comment["snippet"]["videoId"] == "dQw4w9WgXcQ"


def test_a_refused_thumbnail_or_comment_does_not_undo_a_published_video(
    youtube: YouTubeInstallation, replay: Replay, video: Path, tmp_path: Path
) -> None:
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(b"jpeg")
    _session(replay)
    replay.on("PUT", UPLOAD, _done())
    replay.json(
        "POST", "www.googleapis.com/upload/youtube/v3/thumbnails/set", "error_forbidden", 403
    )
    replay.json("POST", "www.googleapis.com/youtube/v3/commentThreads", "error_backend_error", 503)
    draft = DraftPost(
        text="Nouvelle collection",
        media=[MediaRef(video.as_uri(), "video/mp4")],
        first_comment="Tous les looks sont en boutique",
        options={"thumbnail": MediaRef(cover.as_uri(), "image/jpeg")},
    )
    ref = youtube.publish(draft)
    assert (ref.external_id, ref.first_comment_id) == ("dQw4w9WgXcQ", None)


def test_the_upload_limit_is_a_permanent_refusal_with_its_reason(
    youtube: YouTubeInstallation, replay: Replay, video: Path
) -> None:
    replay.json("POST", UPLOAD, "error_upload_limit_exceeded", 400)
    with pytest.raises(PermanentError) as refused:
        youtube.publish(_draft(video))
    assert refused.value.code == "uploadLimitExceeded"
    assert "number of videos it may upload in a day" in refused.value.reason


def test_only_one_local_video_makes_a_youtube_post(
    youtube: YouTubeInstallation, video: Path, tmp_path: Path
) -> None:
    with pytest.raises(PermanentError, match="exactly one video"):
        youtube.publish(DraftPost(text="hello"))
    with pytest.raises(PermanentError, match="local file"):
        youtube.publish(
            DraftPost(text="x", media=[MediaRef("https://cdn.example/v.mp4", "video/mp4")])
        )
    with pytest.raises(PermanentError, match="cannot be read"):
        youtube.publish(_draft(tmp_path / "gone.mp4"))


def test_chunks_are_multiples_of_256_kib() -> None:
    assert UploadRules().chunk_size % (256 * 1024) == 0
    with pytest.raises(ValueError, match="256 KiB"):
        UploadRules(chunk_size=1000 * 1000)
