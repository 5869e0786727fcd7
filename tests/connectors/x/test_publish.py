"""Publishing on X: text, images with alt text, videos processed by X, threads, first
comments, replies and deletions, as the requests X documents."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from orchestre.connectors.base import (
    AccountRef,
    Capability,
    DraftPost,
    Installation,
    MediaRef,
    PermanentError,
    RetryableError,
    required_capabilities,
)
from orchestre.connectors.x import XConnector, XInstallation
from orchestre.connectors.x.media import CHUNK_BYTES
from orchestre.kit.clock import FrozenClock
from tests.connectors.x.conftest import ACCESS_TOKEN, FakeTime, Replay, answer, payload


def created(tweet_id: str) -> httpx.Response:
    body = payload("tweet_created.json")
    body["data"]["id"] = tweet_id
    return httpx.Response(201, json=body)


def test_a_text_post_is_one_authenticated_create_and_links_to_the_handle(
    x: XInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.on("POST", "/2/tweets", answer(201, "tweet_created.json"))
    draft = DraftPost(text="Nouvelle collection en boutique demain ! #lumiere", client_ref="v-1")

    ref = x.publish(draft)

    (sent,) = replay.requests
    assert str(sent.url) == "https://api.x.com/2/tweets"
    assert sent.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert replay.body(sent) == {"text": "Nouvelle collection en boutique demain ! #lumiere"}
    assert ref.external_id == "1445880548472328192"
    assert ref.url == "https://x.com/atelierlumiere/status/1445880548472328192"
    assert ref.client_ref == "v-1"
    assert ref.published_at == clock.now()


def test_a_link_is_appended_once_and_reply_settings_are_sent(
    x: XInstallation, replay: Replay
) -> None:
    replay.on("POST", "/2/tweets", answer(201, "tweet_created.json"))
    x.publish(
        DraftPost(
            text="Le catalogue :",
            link="https://lumiere.example/catalogue",
            options={"reply_settings": "following"},
        )
    )
    x.publish(DraftPost(text="Voir https://lumiere.example/a", link="https://lumiere.example/a"))
    first, second = (replay.body(r) for r in replay.requests)
    assert first == {
        "text": "Le catalogue : https://lumiere.example/catalogue",
        "reply_settings": "following",
    }
    assert second == {"text": "Voir https://lumiere.example/a"}


def test_an_unknown_reply_setting_is_refused_before_any_request(
    x: XInstallation, replay: Replay
) -> None:
    with pytest.raises(PermanentError, match="reply setting"):
        x.publish(DraftPost(text="Bonjour", options={"reply_settings": "friends"}))
    assert replay.requests == []


def test_images_are_uploaded_with_alt_text_then_attached(
    x: XInstallation, replay: Replay, tmp_path: Path
) -> None:
    image = tmp_path / "lampe.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0 a small jpeg")
    replay.on("POST", "/2/media/upload", answer(200, "media_uploaded_image.json"))
    replay.on("POST", "/2/media/metadata", answer(200, "media_metadata.json"))
    replay.on("POST", "/2/tweets", answer(201, "tweet_created.json"))
    alt = "Une lampe en laiton sur une table en chêne"
    media = MediaRef(uri=image.as_uri(), content_type="image/jpeg", alt_text=alt)

    x.publish(DraftPost(text="La lampe Aube", media=[media]))

    upload, metadata, tweet = replay.requests
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert b'name="media_category"\r\n\r\ntweet_image' in upload.content
    assert b'name="media_type"\r\n\r\nimage/jpeg' in upload.content
    assert b"a small jpeg" in upload.content
    assert replay.body(metadata) == {
        "id": "1880028106020515840",
        "metadata": {"alt_text": {"text": alt}},
    }
    assert replay.body(tweet)["media"] == {"media_ids": ["1880028106020515840"]}


def test_a_plain_path_works_and_an_address_is_refused(
    x: XInstallation, replay: Replay, tmp_path: Path
) -> None:
    image = tmp_path / "vitrine.png"
    image.write_bytes(b"\x89PNG...")
    replay.on("POST", "/2/media/upload", answer(200, "media_uploaded_image.json"))
    replay.on("POST", "/2/tweets", answer(201, "tweet_created.json"))
    x.publish(DraftPost(text="Vitrine", media=[MediaRef(str(image), "image/png")]))
    assert [r.url.path for r in replay.requests] == ["/2/media/upload", "/2/tweets"]

    remote = MediaRef("https://cdn.example/vitrine.png", "image/png")
    with pytest.raises(PermanentError, match="uploaded files") as caught:
        x.publish(DraftPost(text="Vitrine", media=[remote]))
    assert caught.value.code == "media_uri"


def test_a_video_is_uploaded_in_chunks_and_published_once_processed(
    x: XInstallation, replay: Replay, fake_time: FakeTime, tmp_path: Path
) -> None:
    video = tmp_path / "atelier.mp4"
    video.write_bytes(b"v" * (CHUNK_BYTES + 10))
    media_id = "1880028106020515841"
    replay.on("POST", "/2/media/upload/initialize", answer(200, "media_initialized.json"))
    replay.on("POST", f"/2/media/upload/{media_id}/append", answer(200, "media_appended.json"))
    replay.on(
        "POST", f"/2/media/upload/{media_id}/finalize", answer(200, "media_finalized_pending.json")
    )
    replay.on(
        "GET",
        "/2/media/upload",
        answer(200, "media_status_in_progress.json"),
        answer(200, "media_status_succeeded.json"),
    )
    replay.on("POST", "/2/tweets", answer(201, "tweet_created.json"))

    x.publish(DraftPost(text="Dans l'atelier", media=[MediaRef(video.as_uri(), "video/mp4")]))

    init = replay.sent("POST", "/2/media/upload/initialize")[0]
    assert replay.body(init) == {
        "media_type": "video/mp4",
        "total_bytes": CHUNK_BYTES + 10,
        "media_category": "tweet_video",
    }
    appends = replay.sent("POST", f"/2/media/upload/{media_id}/append")
    assert [b'name="segment_index"\r\n\r\n0' in a.content for a in appends] == [True, False]
    assert b'name="segment_index"\r\n\r\n1' in appends[1].content
    statuses = replay.sent("GET", "/2/media/upload")
    assert [dict(s.url.params) for s in statuses] == [
        {"command": "STATUS", "media_id": media_id}
    ] * 2
    # X's check_after_secs: 1 after finalize, 10 after the in-progress status.
    assert fake_time.slept == [1.0, 10.0]
    assert replay.body(replay.sent("POST", "/2/tweets")[0])["media"] == {"media_ids": [media_id]}


def test_a_video_x_cannot_process_is_refused_with_its_reason(
    x: XInstallation, replay: Replay, tmp_path: Path
) -> None:
    video = tmp_path / "broken.mp4"
    video.write_bytes(b"not a video")
    media_id = "1880028106020515841"
    replay.on("POST", "/2/media/upload/initialize", answer(200, "media_initialized.json"))
    replay.on("POST", f"/2/media/upload/{media_id}/append", answer(200, "media_appended.json"))
    replay.on(
        "POST", f"/2/media/upload/{media_id}/finalize", answer(200, "media_finalized_pending.json")
    )
    replay.on("GET", "/2/media/upload", answer(200, "media_status_failed.json"))
    with pytest.raises(PermanentError, match="Unsupported video format"):
        x.publish(DraftPost(text="Oups", media=[MediaRef(video.as_uri(), "video/mp4")]))
    assert replay.sent("POST", "/2/tweets") == []


def test_processing_that_outlasts_the_deadline_is_retryable(
    replay: Replay, fake_time: FakeTime, tmp_path: Path, account: AccountRef
) -> None:
    x = XConnector(
        sleep=fake_time.sleep, monotonic=fake_time.monotonic, processing_deadline=25
    ).open(account, transport=replay.transport)
    video = tmp_path / "long.mp4"
    video.write_bytes(b"v" * 10)
    media_id = "1880028106020515841"
    replay.on("POST", "/2/media/upload/initialize", answer(200, "media_initialized.json"))
    replay.on("POST", f"/2/media/upload/{media_id}/append", answer(200, "media_appended.json"))
    replay.on(
        "POST", f"/2/media/upload/{media_id}/finalize", answer(200, "media_finalized_pending.json")
    )
    replay.on("GET", "/2/media/upload", answer(200, "media_status_in_progress.json"))
    with pytest.raises(RetryableError, match="still processing"):
        x.publish(DraftPost(text="Long", media=[MediaRef(video.as_uri(), "video/mp4")]))
    assert sum(fake_time.slept) <= 25
    assert replay.sent("POST", "/2/tweets") == []


def test_a_thread_chains_replies_and_the_first_comment_answers_the_first_post(
    x: XInstallation, replay: Replay
) -> None:
    replay.on("POST", "/2/tweets", created("100"), created("101"), created("102"), created("103"))
    draft = DraftPost(
        text="1/ Comment nous fabriquons nos lampes",
        thread=["2/ Le laiton est tourné à Lyon", "3/ Le verre est soufflé à Nancy"],
        first_comment="Toute la collection : https://lumiere.example",
        client_ref="v-7",
    )
    assert required_capabilities(draft) <= XConnector.capabilities

    ref = x.publish(draft)

    bodies = [replay.body(r) for r in replay.requests]
    assert "reply" not in bodies[0]
    assert bodies[1]["reply"] == {"in_reply_to_tweet_id": "100"}
    assert bodies[2]["reply"] == {"in_reply_to_tweet_id": "101"}
    assert bodies[3] == {
        "text": "Toute la collection : https://lumiere.example",
        "reply": {"in_reply_to_tweet_id": "100"},
    }
    assert ref.external_id == "100"
    assert [p.external_id for p in ref.parts] == ["101", "102"]
    assert ref.parts[0].url == "https://x.com/atelierlumiere/status/101"
    assert ref.first_comment_id == "103"


def test_a_thread_that_fails_midway_deletes_what_was_posted_and_says_why(
    x: XInstallation, replay: Replay
) -> None:
    replay.on(
        "POST",
        "/2/tweets",
        created("100"),
        created("101"),
        answer(403, "error_duplicate.json"),
    )
    replay.on("DELETE", "/2/tweets/101", answer(200, "tweet_deleted.json"))
    replay.on("DELETE", "/2/tweets/100", answer(200, "tweet_deleted.json"))
    draft = DraftPost(text="1/ a", thread=["2/ b", "3/ c"])
    with pytest.raises(PermanentError) as caught:
        x.publish(draft)
    assert caught.value.code == "duplicate"
    deleted = [r.url.path for r in replay.requests if r.method == "DELETE"]
    assert deleted == ["/2/tweets/101", "/2/tweets/100"]


def test_a_reply_answers_the_parent(x: XInstallation, replay: Replay) -> None:
    replay.on("POST", "/2/tweets", created("555"))
    ref = x.reply("1445880548472328201", "Oui, sous 3 jours !", client_ref="r-1")
    assert replay.body(replay.requests[0]) == {
        "text": "Oui, sous 3 jours !",
        "reply": {"in_reply_to_tweet_id": "1445880548472328201"},
    }
    assert ref.external_id == "555"
    assert ref.client_ref == "r-1"


def test_delete_post_and_an_already_deleted_post_are_success(
    x: XInstallation, replay: Replay
) -> None:
    replay.on("DELETE", "/2/tweets/1445880548472328192", answer(200, "tweet_deleted.json"))
    replay.on("DELETE", "/2/tweets/1445880548472300000", answer(404, "error_not_found.json"))
    x.delete_post("1445880548472328192")
    x.delete_post("1445880548472300000")
    assert [r.method for r in replay.requests] == ["DELETE", "DELETE"]


def test_a_gif_goes_through_the_chunked_upload_as_tweet_gif(
    x: XInstallation, replay: Replay, tmp_path: Path
) -> None:
    gif = tmp_path / "flamme.gif"
    gif.write_bytes(b"GIF89a...")
    media_id = "1880028106020515841"
    replay.on("POST", "/2/media/upload/initialize", answer(200, "media_initialized.json"))
    replay.on("POST", f"/2/media/upload/{media_id}/append", answer(200, "media_appended.json"))
    replay.on(
        "POST", f"/2/media/upload/{media_id}/finalize", answer(200, "media_status_succeeded.json")
    )
    replay.on("POST", "/2/tweets", answer(201, "tweet_created.json"))
    x.publish(DraftPost(text="Flamme", media=[MediaRef(gif.as_uri(), "image/gif")]))
    init = replay.sent("POST", "/2/media/upload/initialize")[0]
    assert replay.body(init)["media_category"] == "tweet_gif"
    assert replay.sent("GET", "/2/media/upload") == []
    assert replay.sent("POST", "/2/media/upload") == []


def test_the_connector_declares_what_it_implements(x: XInstallation) -> None:
    assert isinstance(x, Installation)
    caps = XConnector.capabilities
    assert Capability.PUBLISH_THREAD in caps
    assert Capability.HIDE_COMMENT in caps
    assert Capability.READ_MESSAGES not in caps
    assert Capability.PUBLISH_CAROUSEL not in caps


def test_a_poll_is_sent_with_its_choices_and_duration(x: XInstallation, replay: Replay) -> None:
    replay.on("POST", "/2/tweets", answer(201, "tweet_created.json"))
    x.publish(
        DraftPost(
            text="Which colour next?",
            options={"poll": {"options": ["Ochre", "Teal", "Plum"], "duration_minutes": 4320}},
        )
    )
    (sent,) = replay.requests
    assert replay.body(sent) == {
        "text": "Which colour next?",
        "poll": {"options": ["Ochre", "Teal", "Plum"], "duration_minutes": 4320},
    }
