"""Publishing on LinkedIn: the Posts API request, little-format text, images, several
images, videos in parts, article links, first comments, replies and deletions."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from orchestre.connectors.base import (
    Capability,
    DraftPost,
    Installation,
    MediaRef,
    PermanentError,
    RetryableError,
    UnsupportedCapability,
    required_capabilities,
)
from orchestre.connectors.linkedin import LinkedInConnector, LinkedInInstallation
from orchestre.connectors.linkedin.text import escape
from orchestre.connectors.linkedin.wire import API_VERSION
from orchestre.kit.clock import FrozenClock
from tests.connectors.linkedin.conftest import (
    ACCESS_TOKEN,
    ORG,
    POST,
    FakeTime,
    Replay,
    answer,
    payload,
    post_created,
)

ENCODED_POST = "urn%3Ali%3Ashare%3A7134853264311816192"
IMAGE = "urn:li:image:C4E10AQFoyyAjHPMQuQ"
VIDEO = "urn:li:video:C5505AQH-oV1qvnFtKA"


def test_a_text_post_as_the_page_with_linkedin_headers(
    page: LinkedInInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.on("POST", "/rest/posts", post_created())

    ref = page.publish(DraftPost(text="Nouvelle collection demain", client_ref="v-1"))

    (sent,) = replay.requests
    assert str(sent.url) == "https://api.linkedin.com/rest/posts"
    assert sent.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert sent.headers["linkedin-version"] == API_VERSION
    assert sent.headers["x-restli-protocol-version"] == "2.0.0"
    assert replay.body(sent) == {
        "author": ORG,
        "commentary": "Nouvelle collection demain",
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    assert ref.external_id == POST
    assert ref.url == f"https://www.linkedin.com/feed/update/{POST}/"
    assert ref.published_at == clock.now()
    assert ref.client_ref == "v-1"


def test_a_member_posts_as_their_person_urn(member: LinkedInInstallation, replay: Replay) -> None:
    replay.on("POST", "/rest/posts", post_created())
    member.publish(DraftPost(text="Bonjour", options={"visibility": "CONNECTIONS"}))
    body = replay.body(replay.requests[0])
    assert body["author"] == "urn:li:person:782bbtaQ"
    assert body["visibility"] == "CONNECTIONS"


def test_a_member_may_publish_as_a_page_they_run(
    member: LinkedInInstallation, replay: Replay
) -> None:
    replay.on("POST", "/rest/posts", post_created())
    member.publish(DraftPost(text="Bonjour", options={"author": ORG}))
    assert replay.body(replay.requests[0])["author"] == ORG
    with pytest.raises(PermanentError, match="organization URN"):
        member.publish(DraftPost(text="Bonjour", options={"author": "someone"}))


def test_commentary_is_escaped_as_little_text_keeping_hashtags_mentions_and_links(
    page: LinkedInInstallation, replay: Replay
) -> None:
    replay.on("POST", "/rest/posts", post_created())
    text = (
        "Lampe (édition limitée) à 49 € *promo* -> https://lumiere.example/a_b "
        "#Lumière #design_lab avec @[Atelier](urn:li:organization:2414183) ~ a|b {x} [y] \\ <3"
    )
    page.publish(DraftPost(text=text))
    assert replay.body(replay.requests[0])["commentary"] == (
        "Lampe \\(édition limitée\\) à 49 € \\*promo\\* -\\> https://lumiere.example/a_b "
        "#Lumière #design\\_lab avec @[Atelier](urn:li:organization:2414183) \\~ a\\|b "
        "\\{x\\} \\[y\\] \\\\ \\<3"
    )


@pytest.mark.parametrize(
    ("text", "little"),
    [
        ("C#est pas un tag", "C\\#est pas un tag"),
        ("(voir https://lumiere.example/b).", "\\(voir https://lumiere.example/b\\)."),
        (
            "https://fr.wikipedia.org/wiki/Lyon_(ville)",
            "https://fr.wikipedia.org/wiki/Lyon_(ville)",
        ),
        ("@claire bonjour", "\\@claire bonjour"),
        ("", ""),
    ],
)
def test_little_escaping_cases(text: str, little: str) -> None:
    assert escape(text) == little


def test_an_image_is_uploaded_for_the_author_then_posted_with_alt_text(
    page: LinkedInInstallation, replay: Replay, tmp_path: Path
) -> None:
    image = tmp_path / "lampe.jpg"
    image.write_bytes(b"\xff\xd8\xff jpeg bytes")
    upload_url = payload("image_initialized.json")["value"]["uploadUrl"]
    replay.on("POST", "/rest/images?action=initializeUpload", answer(200, "image_initialized.json"))
    replay.on("PUT", httpx.URL(upload_url).path, answer(201))
    replay.on("POST", "/rest/posts", post_created())
    alt = "Une lampe en laiton"

    page.publish(
        DraftPost(text="La lampe Aube", media=[MediaRef(image.as_uri(), "image/jpeg", alt)])
    )

    init, put, post = replay.requests
    assert init.url.params["action"] == "initializeUpload"
    assert replay.body(init) == {"initializeUploadRequest": {"owner": ORG}}
    assert str(put.url) == upload_url
    assert put.content == b"\xff\xd8\xff jpeg bytes"
    assert put.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert replay.body(post)["content"] == {"media": {"id": IMAGE, "altText": alt}}


def test_several_images_make_a_multi_image_post(
    page: LinkedInInstallation, replay: Replay, tmp_path: Path
) -> None:
    files = []
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(b"\x89PNG" + name.encode())
        files.append(MediaRef(str(tmp_path / name), "image/png", alt_text=f"vue {name[0]}"))
    first = payload("image_initialized.json")
    second = payload("image_initialized.json")
    second["value"]["image"] = "urn:li:image:D4E10AQsecond"
    replay.on(
        "POST",
        "/rest/images?action=initializeUpload",
        httpx.Response(200, json=first),
        httpx.Response(200, json=second),
    )
    replay.on("PUT", httpx.URL(first["value"]["uploadUrl"]).path, answer(201))
    replay.on("POST", "/rest/posts", post_created())
    draft = DraftPost(text="Deux vues", media=files, options={"format": "carousel"})
    assert required_capabilities(draft) <= LinkedInConnector.capabilities

    page.publish(draft)

    content = replay.body(replay.sent("POST", "/rest/posts")[0])["content"]
    assert content == {
        "multiImage": {
            "images": [
                {"id": IMAGE, "altText": "vue a"},
                {"id": "urn:li:image:D4E10AQsecond", "altText": "vue b"},
            ]
        }
    }


def test_a_video_is_put_in_parts_finalized_with_their_etags_and_awaited(
    page: LinkedInInstallation, replay: Replay, fake_time: FakeTime, tmp_path: Path
) -> None:
    video = tmp_path / "atelier.mp4"
    data = bytes(range(256)) * (4194314 // 256) + b"x" * (4194314 % 256)
    video.write_bytes(data)
    steps = payload("video_initialized.json")["value"]["uploadInstructions"]
    replay.on("POST", "/rest/videos?action=initializeUpload", answer(200, "video_initialized.json"))
    replay.on("PUT", httpx.URL(steps[0]["uploadUrl"]).path, answer(200, headers={"etag": "/e-0"}))
    replay.on("PUT", httpx.URL(steps[1]["uploadUrl"]).path, answer(200, headers={"etag": "/e-1"}))
    replay.on("POST", "/rest/videos?action=finalizeUpload", answer(200))
    replay.on(
        "GET",
        f"/rest/videos/{VIDEO}",
        answer(200, "video_processing.json"),
        answer(200, "video_available.json"),
    )
    replay.on("POST", "/rest/posts", post_created())

    page.publish(
        DraftPost(
            text="Dans l'atelier",
            media=[MediaRef(video.as_uri(), "video/mp4")],
            options={"title": "Visite de l'atelier"},
        )
    )

    init = replay.sent("POST", "/rest/videos")[0]
    assert replay.body(init) == {
        "initializeUploadRequest": {
            "owner": ORG,
            "fileSizeBytes": 4194314,
            "uploadCaptions": False,
            "uploadThumbnail": False,
        }
    }
    first_put, second_put = (r for r in replay.requests if r.method == "PUT")
    assert first_put.content == data[:4194304]
    assert second_put.content == data[4194304:]
    finalize = replay.sent("POST", "/rest/videos")[1]
    assert finalize.url.params["action"] == "finalizeUpload"
    assert replay.body(finalize) == {
        "finalizeUploadRequest": {
            "video": VIDEO,
            "uploadToken": "",
            "uploadedPartIds": ["/e-0", "/e-1"],
        }
    }
    status = replay.sent("GET", f"/rest/videos/{VIDEO}")[0]
    assert "urn%3Ali%3Avideo%3AC5505AQH-oV1qvnFtKA" in str(status.url)
    assert fake_time.slept == [5.0]
    assert replay.body(replay.sent("POST", "/rest/posts")[0])["content"] == {
        "media": {"id": VIDEO, "title": "Visite de l'atelier"}
    }


def test_a_video_linkedin_cannot_process_or_too_slow_is_not_posted(
    page: LinkedInInstallation, replay: Replay, tmp_path: Path
) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"v" * 20)
    init = payload("video_initialized.json")
    init["value"]["uploadInstructions"] = init["value"]["uploadInstructions"][:1]
    init["value"]["uploadInstructions"][0]["lastByte"] = 19
    replay.on("POST", "/rest/videos?action=initializeUpload", httpx.Response(200, json=init))
    replay.on(
        "PUT",
        httpx.URL(init["value"]["uploadInstructions"][0]["uploadUrl"]).path,
        answer(200, headers={"etag": "/e-0"}),
    )
    replay.on("POST", "/rest/videos?action=finalizeUpload", answer(200))
    replay.on("GET", f"/rest/videos/{VIDEO}", answer(200, "video_failed.json"))
    draft = DraftPost(text="Clip", media=[MediaRef(video.as_uri(), "video/mp4")])
    with pytest.raises(PermanentError, match="could not process"):
        page.publish(draft)

    replay.routes[("GET", f"/rest/videos/{VIDEO}")] = [answer(200, "video_processing.json")]
    with pytest.raises(RetryableError, match="still processing"):
        page.publish(draft)
    assert replay.sent("POST", "/rest/posts") == []


def test_a_link_without_media_becomes_an_article_card(
    page: LinkedInInstallation, replay: Replay
) -> None:
    replay.on("POST", "/rest/posts", post_created())
    page.publish(
        DraftPost(
            text="Notre histoire",
            link="https://lumiere.example/histoire",
            options={"title": "Cent ans de lumière", "description": "Depuis 1926"},
        )
    )
    assert replay.body(replay.requests[0])["content"] == {
        "article": {
            "source": "https://lumiere.example/histoire",
            "title": "Cent ans de lumière",
            "description": "Depuis 1926",
        }
    }


def test_the_first_comment_is_written_as_the_author_on_the_new_post(
    page: LinkedInInstallation, replay: Replay
) -> None:
    replay.on("POST", "/rest/posts", post_created())
    replay.on("POST", f"/rest/socialActions/{POST}/comments", answer(201, "comment_created.json"))

    ref = page.publish(DraftPost(text="Nouveautés", first_comment="Toute la collection (ici)"))

    comment = replay.requests[1]
    assert f"/rest/socialActions/{ENCODED_POST}/comments" in str(comment.url)
    assert replay.body(comment) == {
        "actor": ORG,
        "object": POST,
        "message": {"text": "Toute la collection \\(ici\\)"},
    }
    assert ref.first_comment_id == payload("comment_created.json")["commentUrn"]


def test_a_refused_first_comment_takes_the_post_back(
    page: LinkedInInstallation, replay: Replay
) -> None:
    replay.on("POST", "/rest/posts", post_created())
    replay.on("POST", f"/rest/socialActions/{POST}/comments", answer(403, "error_forbidden.json"))
    replay.on("DELETE", f"/rest/posts/{POST}", answer(204))
    with pytest.raises(PermanentError, match="Not enough permissions"):
        page.publish(DraftPost(text="Nouveautés", first_comment="Lien"))
    assert len(replay.sent("DELETE", f"/rest/posts/{POST}")) == 1


def test_a_reply_to_a_comment_names_its_parent(page: LinkedInInstallation, replay: Replay) -> None:
    parent = "urn:li:comment:(urn:li:share:7134853264311816192,7134860000000000001)"
    replay.on("POST", f"/rest/socialActions/{parent}/comments", answer(201, "comment_created.json"))
    ref = page.reply(parent, "Oui !", client_ref="r-1")
    assert replay.body(replay.requests[0]) == {
        "actor": ORG,
        "object": POST,
        "parentComment": parent,
        "message": {"text": "Oui !"},
    }
    assert ref.external_id.startswith("urn:li:comment:(")
    assert ref.url == f"https://www.linkedin.com/feed/update/{POST}/"
    assert ref.client_ref == "r-1"


def test_delete_encodes_the_urn_and_a_gone_post_is_success(
    page: LinkedInInstallation, replay: Replay
) -> None:
    replay.on("DELETE", f"/rest/posts/{POST}", answer(204), answer(404, "error_not_found.json"))
    page.delete_post(POST)
    page.delete_post(POST)
    assert all(ENCODED_POST in str(r.url) for r in replay.requests)
    assert len(replay.requests) == 2


def test_threads_are_not_a_linkedin_thing(page: LinkedInInstallation, replay: Replay) -> None:
    assert isinstance(page, Installation)
    assert Capability.PUBLISH_THREAD not in LinkedInConnector.capabilities
    with pytest.raises(UnsupportedCapability):
        page.publish(DraftPost(text="1/", thread=["2/"]))
    assert replay.requests == []
