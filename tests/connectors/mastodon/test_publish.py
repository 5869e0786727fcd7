"""Publishing on Mastodon: text, media (with processing), threads, first comment, replies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from orchestre.connectors.base import (
    DraftPost,
    MediaRef,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.mastodon import MastodonInstallation
from tests.connectors.mastodon.conftest import (
    INSTANCE,
    TOKEN,
    FakeTime,
    ReplayedInstance,
    StatusFactory,
    form,
    payload,
)

STATUSES = "/api/v1/statuses"


@pytest.fixture
def statuses(instance: ReplayedInstance) -> StatusFactory:
    factory = StatusFactory()
    instance.on("POST", STATUSES, factory)
    return factory


def test_publish_text_sends_the_status_with_its_options_and_key(
    lumiere: MastodonInstallation, instance: ReplayedInstance, statuses: StatusFactory
) -> None:
    published = lumiere.publish(
        DraftPost(
            text="Le phare au lever du jour",
            options={
                "visibility": "unlisted",
                "spoiler_text": "Lumière vive",
                "language": "fr",
            },
            client_ref="post-42",
        )
    )
    assert published.external_id == "112200000000000001"
    assert published.url == f"{INSTANCE}/@lumiere/112200000000000001"
    assert published.published_at == datetime(2030, 3, 15, 9, 0, 1, tzinfo=UTC)
    assert published.client_ref == "post-42"
    assert published.parts == ()
    (sent,) = instance.sent("POST", STATUSES)
    assert str(sent.url) == f"{INSTANCE}{STATUSES}"
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["idempotency-key"] == "post-42"
    assert form(sent) == {
        "status": ["Le phare au lever du jour"],
        "visibility": ["unlisted"],
        "spoiler_text": ["Lumière vive"],
        "language": ["fr"],
    }


def test_a_link_is_added_after_the_text_once(
    lumiere: MastodonInstallation, instance: ReplayedInstance, statuses: StatusFactory
) -> None:
    lumiere.publish(DraftPost(text="Nouveau catalogue", link="https://lumiere.example/c"))
    lumiere.publish(
        DraftPost(text="Voir https://lumiere.example/c", link="https://lumiere.example/c")
    )
    first, second = instance.sent("POST", STATUSES)
    assert form(first)["status"] == ["Nouveau catalogue\n\nhttps://lumiere.example/c"]
    assert form(second)["status"] == ["Voir https://lumiere.example/c"]
    # No client_ref: no key to send.
    assert "idempotency-key" not in first.headers


def test_an_unknown_visibility_is_refused_before_any_call(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    with pytest.raises(PermanentError, match="visibility"):
        lumiere.publish(DraftPost(text="Bonjour", options={"visibility": "friends"}))
    assert instance.requests == []


def test_publish_an_image_uploads_it_with_its_alt_text(
    lumiere: MastodonInstallation,
    instance: ReplayedInstance,
    statuses: StatusFactory,
    tmp_path: Path,
    fake_time: FakeTime,
) -> None:
    image = tmp_path / "phare.png"
    image.write_bytes(b"\x89PNG fake bytes")
    instance.json("POST", "/api/v2/media", payload("media_image.json"))
    lumiere.publish(
        DraftPost(
            text="Le phare",
            media=[MediaRef(image.as_uri(), "image/png", alt_text="Un phare blanc")],
            options={"sensitive": True},
        )
    )
    (upload,) = instance.sent("POST", "/api/v2/media")
    assert upload.headers["authorization"] == f"Bearer {TOKEN}"
    assert upload.headers["content-type"].startswith("multipart/form-data")
    body = upload.content
    assert b'name="file"; filename="phare.png"' in body
    assert b"Content-Type: image/png" in body
    assert b"\x89PNG fake bytes" in body
    assert b'name="description"' in body
    assert b"Un phare blanc" in body
    # The image was ready at once: no waiting, no polling.
    assert fake_time.sleeps == []
    assert instance.sent("GET", "/api/v1/media/22348700") == []
    (status,) = instance.sent("POST", STATUSES)
    assert form(status)["media_ids[]"] == ["22348700"]
    assert form(status)["sensitive"] == ["true"]


def test_publish_a_video_waits_until_the_instance_has_processed_it(
    lumiere: MastodonInstallation,
    instance: ReplayedInstance,
    statuses: StatusFactory,
    tmp_path: Path,
    fake_time: FakeTime,
) -> None:
    video = tmp_path / "atelier.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    instance.json("POST", "/api/v2/media", payload("media_processing.json"), 202)
    processing = httpx.Response(206, json=payload("media_processing.json"))
    instance.on(
        "GET",
        "/api/v1/media/22348641",
        processing,
        processing,
        httpx.Response(200, json=payload("media_processed.json")),
    )
    lumiere.publish(DraftPost(text="L'atelier", media=[MediaRef(str(video), "video/mp4")]))
    assert len(instance.sent("GET", "/api/v1/media/22348641")) == 3
    assert fake_time.sleeps == [1.0, 2.0]
    (upload,) = instance.sent("POST", "/api/v2/media")
    assert b"Content-Type: video/mp4" in upload.content
    assert b'name="description"' not in upload.content
    (status,) = instance.sent("POST", STATUSES)
    assert form(status)["media_ids[]"] == ["22348641"]
    # The status went out only after the media was ready.
    assert instance.requests[-1] is status


def test_media_still_processing_at_the_deadline_is_retryable_and_posts_nothing(
    lumiere: MastodonInstallation,
    instance: ReplayedInstance,
    tmp_path: Path,
    fake_time: FakeTime,
) -> None:
    video = tmp_path / "long.mp4"
    video.write_bytes(b"video")
    instance.json("POST", "/api/v2/media", payload("media_processing.json"), 202)
    instance.json("GET", "/api/v1/media/22348641", payload("media_processing.json"), 206)
    with pytest.raises(RetryableError, match="still processing"):
        lumiere.publish(DraftPost(text="x", media=[MediaRef(str(video), "video/mp4")]))
    assert sum(fake_time.sleeps) <= 30.0
    assert instance.sent("POST", STATUSES) == []


def test_media_must_be_a_local_file(
    lumiere: MastodonInstallation, instance: ReplayedInstance, tmp_path: Path
) -> None:
    with pytest.raises(PermanentError, match="local files"):
        lumiere.publish(
            DraftPost(text="x", media=[MediaRef("https://cdn.example/a.png", "image/png")])
        )
    with pytest.raises(PermanentError, match=r"missing\.png cannot be read"):
        lumiere.publish(
            DraftPost(text="x", media=[MediaRef(str(tmp_path / "missing.png"), "image/png")])
        )
    assert instance.requests == []


def test_media_refused_by_the_instance_says_why(
    lumiere: MastodonInstallation, instance: ReplayedInstance, tmp_path: Path
) -> None:
    image = tmp_path / "a.bmp"
    image.write_bytes(b"BM")
    instance.json(
        "POST",
        "/api/v2/media",
        {"error": "Validation failed: File content type is invalid"},
        422,
    )
    with pytest.raises(PermanentError, match="File content type is invalid") as refused:
        lumiere.publish(DraftPost(text="x", media=[MediaRef(str(image), "image/bmp")]))
    assert refused.value.code == "422"


def test_a_thread_and_its_first_comment_answer_the_right_statuses(
    lumiere: MastodonInstallation, instance: ReplayedInstance, statuses: StatusFactory
) -> None:
    published = lumiere.publish(
        DraftPost(
            text="1/ Comment naît une lampe",
            thread=["2/ Le laiton", "3/ Le verre"],
            first_comment="Tout le fil : lumiere.example",
            options={"visibility": "public", "spoiler_text": "long fil"},
            client_ref="thread-7",
        )
    )
    sent = instance.sent("POST", STATUSES)
    bodies = [form(r) for r in sent]
    assert [b["status"][0] for b in bodies] == [
        "1/ Comment naît une lampe",
        "2/ Le laiton",
        "3/ Le verre",
        "Tout le fil : lumiere.example",
    ]
    root, part2, part3, comment = (
        "112200000000000001",
        "112200000000000002",
        "112200000000000003",
        "112200000000000004",
    )
    assert [b.get("in_reply_to_id") for b in bodies] == [None, [root], [part2], [root]]
    assert [r.headers["idempotency-key"] for r in sent] == [
        "thread-7",
        "thread-7:part:1",
        "thread-7:part:2",
        "thread-7:first-comment",
    ]
    # Every status keeps the visibility; only the first carries the content warning.
    assert all(b["visibility"] == ["public"] for b in bodies)
    assert [("spoiler_text" in b) for b in bodies] == [True, False, False, False]
    assert published.external_id == root
    assert [p.external_id for p in published.parts] == [part2, part3]
    assert published.parts[0].url == f"{INSTANCE}/@lumiere/{part2}"
    assert published.first_comment_id == comment


def test_reply_names_the_author_and_keeps_a_direct_conversation_direct(
    lumiere: MastodonInstallation, instance: ReplayedInstance, statuses: StatusFactory
) -> None:
    parent = payload("status_direct_from_other.json")
    instance.json("GET", f"{STATUSES}/{parent['id']}", parent)
    ref = lumiere.reply(parent["id"], "Oui, partout en Europe.", client_ref="reply-1")
    assert ref.client_ref == "reply-1"
    assert ref.external_id == "112200000000000001"
    (sent,) = instance.sent("POST", STATUSES)
    assert sent.headers["idempotency-key"] == "reply-1"
    assert form(sent) == {
        "status": ["@camille@mastodon.example Oui, partout en Europe."],
        "in_reply_to_id": [parent["id"]],
        "visibility": ["direct"],
    }


def test_reply_to_our_own_status_names_no_one(
    lumiere: MastodonInstallation, instance: ReplayedInstance, statuses: StatusFactory
) -> None:
    own = payload("status.json")
    instance.json("GET", f"{STATUSES}/{own['id']}", own)
    lumiere.reply(own["id"], "Précision : livraison offerte.")
    (sent,) = instance.sent("POST", STATUSES)
    assert form(sent) == {
        "status": ["Précision : livraison offerte."],
        "in_reply_to_id": [own["id"]],
    }


def test_reply_to_a_status_that_is_gone_is_permanent(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("GET", f"{STATUSES}/404404", payload("error_404.json"), 404)
    with pytest.raises(PermanentError, match="Record not found"):
        lumiere.reply("404404", "Merci !")
    assert instance.sent("POST", STATUSES) == []


def test_delete_post_and_a_post_already_gone(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("DELETE", f"{STATUSES}/1", payload("status.json"))
    instance.json("DELETE", f"{STATUSES}/2", payload("error_404.json"), 404)
    lumiere.delete_post("1")
    lumiere.delete_post("2")
    assert [(r.method, r.url.path) for r in instance.requests] == [
        ("DELETE", f"{STATUSES}/1"),
        ("DELETE", f"{STATUSES}/2"),
    ]


def test_deleting_someone_elses_status_is_refused(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("DELETE", f"{STATUSES}/3", {"error": "This action is not allowed"}, 403)
    with pytest.raises(PermanentError, match="not allowed"):
        lumiere.delete_post("3")


def test_like_favourites_the_status(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    favourited = dict(payload("status.json"), favourited=True)
    instance.json("POST", f"{STATUSES}/112200000000000010/favourite", favourited)
    lumiere.like("112200000000000010")
    lumiere.like("112200000000000010")
    sent = instance.sent("POST", f"{STATUSES}/112200000000000010/favourite")
    assert len(sent) == 2
    assert sent[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_find_by_client_ref_cannot_know_and_asks_nothing(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    assert lumiere.find_by_client_ref("post-42") is None
    assert instance.requests == []


def _refused(status: int, body: dict[str, str]) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_a_thread_part_refused_takes_back_what_was_posted(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    factory = StatusFactory()
    instance.on(
        "POST",
        STATUSES,
        factory,
        factory,
        _refused(422, {"error": "Validation failed: Text character limit of 500 exceeded"}),
    )
    instance.json("DELETE", f"{STATUSES}/112200000000000001", payload("status.json"))
    instance.json("DELETE", f"{STATUSES}/112200000000000002", payload("status.json"))
    with pytest.raises(PermanentError, match="character limit"):
        lumiere.publish(
            DraftPost(text="1/", thread=["2/", "3/" + "x" * 600], client_ref="thread-8")
        )
    deleted = [r.url.path for r in instance.requests if r.method == "DELETE"]
    assert deleted == [f"{STATUSES}/112200000000000002", f"{STATUSES}/112200000000000001"]


def test_a_thread_part_that_may_pass_later_keeps_the_thread_for_a_keyed_retry(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.on("POST", STATUSES, StatusFactory(), _refused(503, {"error": "busy"}))
    with pytest.raises(RetryableError):
        lumiere.publish(DraftPost(text="1/", thread=["2/"], client_ref="thread-9"))
    assert [r for r in instance.requests if r.method == "DELETE"] == []


def test_without_a_client_ref_any_failed_part_takes_the_thread_back(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.on("POST", STATUSES, StatusFactory(), _refused(503, {"error": "busy"}))
    instance.json("DELETE", f"{STATUSES}/112200000000000001", payload("status.json"))
    with pytest.raises(RetryableError):
        lumiere.publish(DraftPost(text="1/", thread=["2/"]))
    deleted = [r.url.path for r in instance.requests if r.method == "DELETE"]
    assert deleted == [f"{STATUSES}/112200000000000001"]


def test_a_refused_first_comment_leaves_the_post_published(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.on(
        "POST",
        STATUSES,
        StatusFactory(),
        _refused(422, {"error": "Validation failed: Text can't be blank"}),
    )
    published = lumiere.publish(DraftPost(text="Le phare", first_comment=" ", client_ref="c-1"))
    assert published.external_id == "112200000000000001"
    assert published.first_comment_id is None
    assert [r for r in instance.requests if r.method == "DELETE"] == []


def test_a_first_comment_that_may_pass_later_is_retried_with_its_key(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.on("POST", STATUSES, StatusFactory(), _refused(502, {"error": "Bad gateway"}))
    with pytest.raises(RetryableError):
        lumiere.publish(DraftPost(text="Le phare", first_comment="Crédits", client_ref="c-2"))
    assert [r for r in instance.requests if r.method == "DELETE"] == []


def test_a_poll_goes_on_the_first_status_only(
    lumiere: MastodonInstallation, instance: ReplayedInstance, statuses: StatusFactory
) -> None:
    lumiere.publish(
        DraftPost(
            text="Quel phare pour le prochain calendrier ?",
            thread=["Votez avant dimanche !"],
            options={"poll": {"options": ["Le Créac'h", "Ar-Men"], "duration_minutes": 1440}},
        )
    )
    first, part = instance.sent("POST", STATUSES)
    assert form(first)["poll[options][]"] == ["Le Créac'h", "Ar-Men"]
    assert form(first)["poll[expires_in]"] == ["86400"]
    assert not any(key.startswith("poll") for key in form(part))
