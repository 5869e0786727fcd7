"""Publishing: text with facets, images, link cards, threads, first comments, replies,
likes, deletes and finding an ambiguous publish again."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from PIL import Image

from orchestre.connectors.base import (
    DraftPost,
    MediaRef,
    PermanentError,
    UnsupportedCapability,
)
from orchestre.connectors.bluesky import BlueskyInstallation

from .conftest import ACCESS, DID, PDS, POST_URI, FakeXrpc, answer, body, payload

CREATED = payload("create_record")


def created(uri: str, cid: str) -> httpx.Response:
    return httpx.Response(200, json={**CREATED, "uri": uri, "cid": cid})


def png(tmp_path: Path, name: str, size: tuple[int, int]) -> Path:
    path = tmp_path / name
    Image.new("RGB", size, (200, 30, 30)).save(path, format="PNG")
    return path


def test_a_text_post_carries_facets_in_utf8_bytes_langs_and_the_client_ref(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.identity.resolveHandle", answer("resolve_handle"))
    xrpc.on("com.atproto.repo.createRecord", answer("create_record"))
    text = "Café ouvert 🎉 avec @bob.bsky.social #été https://example.com/menu."

    ref = alice.publish(DraftPost(text=text, options={"langs": "fr, en"}, client_ref="post-42"))

    resolve = xrpc.only("com.atproto.identity.resolveHandle")
    assert resolve.method == "GET"
    assert resolve.url.params["handle"] == "bob.bsky.social"
    sent = xrpc.only("com.atproto.repo.createRecord")
    assert str(sent.url) == f"{PDS}/xrpc/com.atproto.repo.createRecord"
    assert sent.headers["authorization"] == f"Bearer {ACCESS}"
    assert sent.headers["content-type"] == "application/json"
    sent_body = body(sent)
    assert sent_body["repo"] == DID
    assert sent_body["collection"] == "app.bsky.feed.post"
    record = sent_body["record"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == text
    assert record["createdAt"] == "2026-11-26T10:00:00.000Z"
    assert record["langs"] == ["fr", "en"]
    assert record["orchestreClientRef"] == "post-42"
    encoded = text.encode("utf-8")
    spans = {
        encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in record["facets"]
    }
    assert spans == {
        "@bob.bsky.social": {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob2026"},
        "#été": {"$type": "app.bsky.richtext.facet#tag", "tag": "été"},
        "https://example.com/menu": {
            "$type": "app.bsky.richtext.facet#link",
            "uri": "https://example.com/menu",
        },
    }
    assert "embed" not in record
    assert "reply" not in record
    assert ref.external_id == POST_URI
    assert ref.url == "https://bsky.app/profile/alice.bsky.social/post/3lbqta5lnck2i"
    assert ref.client_ref == "post-42"
    assert ref.published_at.isoformat() == "2026-11-26T10:00:00+00:00"


def test_a_mention_whose_handle_does_not_resolve_stays_plain_text(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.identity.resolveHandle", answer("error_unresolved_handle", 400))
    xrpc.on("com.atproto.repo.createRecord", answer("create_record"))

    alice.publish(DraftPost(text="Hello @nobody.example.org and #friends"))

    record = body(xrpc.only("com.atproto.repo.createRecord"))["record"]
    assert [f["features"][0]["$type"] for f in record["facets"]] == ["app.bsky.richtext.facet#tag"]


def test_images_are_uploaded_as_blobs_with_alt_text_and_aspect_ratio(
    alice: BlueskyInstallation, xrpc: FakeXrpc, tmp_path: Path
) -> None:
    first, second = png(tmp_path, "a.png", (300, 200)), png(tmp_path, "b.png", (100, 400))
    xrpc.on("com.atproto.repo.uploadBlob", answer("upload_blob"))
    xrpc.on("com.atproto.repo.createRecord", answer("create_record"))

    alice.publish(
        DraftPost(
            text="Two pictures",
            media=[
                MediaRef(uri=first.as_uri(), content_type="image/png", alt_text="The terrace"),
                MediaRef(uri=str(second), content_type="image/png", alt_text="The menu"),
            ],
        )
    )

    uploads = xrpc.sent("com.atproto.repo.uploadBlob")
    assert [u.content for u in uploads] == [first.read_bytes(), second.read_bytes()]
    assert all(u.headers["content-type"] == "image/png" for u in uploads)
    assert all(u.headers["authorization"] == f"Bearer {ACCESS}" for u in uploads)
    blob = payload("upload_blob")["blob"]
    embed = body(xrpc.only("com.atproto.repo.createRecord"))["record"]["embed"]
    assert embed == {
        "$type": "app.bsky.embed.images",
        "images": [
            {"image": blob, "alt": "The terrace", "aspectRatio": {"width": 300, "height": 200}},
            {"image": blob, "alt": "The menu", "aspectRatio": {"width": 100, "height": 400}},
        ],
    }
    assert xrpc.nsids()[-1] == "com.atproto.repo.createRecord"


def test_more_than_four_images_are_refused_before_anything_is_sent(
    alice: BlueskyInstallation, xrpc: FakeXrpc, tmp_path: Path
) -> None:
    image = png(tmp_path, "a.png", (10, 10))
    media = [MediaRef(uri=str(image), content_type="image/png")] * 5

    with pytest.raises(PermanentError, match="at most 4 images"):
        alice.publish(DraftPost(text="Too many", media=media))
    assert xrpc.requests == []


def test_video_is_not_supported_by_this_connector(
    alice: BlueskyInstallation, xrpc: FakeXrpc, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00")

    with pytest.raises(UnsupportedCapability):
        alice.publish(DraftPost(text="A clip", media=[MediaRef(str(clip), "video/mp4")]))
    assert xrpc.requests == []


def test_media_must_be_a_local_file(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    remote = MediaRef(uri="https://cdn.example.com/a.png", content_type="image/png")

    with pytest.raises(PermanentError, match="local file"):
        alice.publish(DraftPost(text="Remote", media=[remote]))
    assert xrpc.requests == []


def test_a_link_becomes_a_card_with_the_options_title_and_description(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.repo.createRecord", answer("create_record"))

    alice.publish(
        DraftPost(
            text="Our autumn menu",
            link="https://example.com/menu",
            options={"title": "Autumn menu", "description": "Soups and pies"},
        )
    )

    record = body(xrpc.only("com.atproto.repo.createRecord"))["record"]
    assert record["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": "https://example.com/menu",
            "title": "Autumn menu",
            "description": "Soups and pies",
        },
    }


def test_a_link_card_without_options_is_titled_with_the_link(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.repo.createRecord", answer("create_record"))

    alice.publish(DraftPost(text="Menu", link="https://example.com/menu"))

    external = body(xrpc.only("com.atproto.repo.createRecord"))["record"]["embed"]["external"]
    assert external == {
        "uri": "https://example.com/menu",
        "title": "https://example.com/menu",
        "description": "",
    }


def test_a_thread_replies_to_the_previous_part_and_the_first_comment_to_the_root(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    uris = [f"at://{DID}/app.bsky.feed.post/3lbqtpart{i}" for i in range(4)]
    xrpc.on(
        "com.atproto.repo.createRecord",
        *[created(uri, f"cid{i}") for i, uri in enumerate(uris)],
    )

    ref = alice.publish(
        DraftPost(text="1/3", thread=["2/3", "3/3"], first_comment="Link in bio", client_ref="t-1")
    )

    records = [body(r)["record"] for r in xrpc.sent("com.atproto.repo.createRecord")]
    assert [r["text"] for r in records] == ["1/3", "2/3", "3/3", "Link in bio"]
    assert "reply" not in records[0]
    root = {"uri": uris[0], "cid": "cid0"}
    assert records[1]["reply"] == {"root": root, "parent": root}
    assert records[2]["reply"] == {"root": root, "parent": {"uri": uris[1], "cid": "cid1"}}
    assert records[3]["reply"] == {"root": root, "parent": root}
    assert records[0]["orchestreClientRef"] == "t-1"
    assert all("orchestreClientRef" not in r for r in records[1:])
    assert ref.external_id == uris[0]
    assert [p.external_id for p in ref.parts] == uris[1:3]
    assert ref.parts[0].url == "https://bsky.app/profile/alice.bsky.social/post/3lbqtpart1"
    assert ref.first_comment_id == uris[3]


def test_a_reply_to_a_comment_keeps_the_thread_root(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    comment = payload("get_record_reply")
    xrpc.on("com.atproto.repo.getRecord", answer("get_record_reply"))
    xrpc.on("com.atproto.repo.createRecord", created(f"at://{DID}/app.bsky.feed.post/3r", "c3"))

    ref = alice.reply(comment["uri"], "Thank you!", client_ref="r-1")

    get = xrpc.only("com.atproto.repo.getRecord")
    assert dict(get.url.params) == {
        "repo": "did:plc:carol2026",
        "collection": "app.bsky.feed.post",
        "rkey": "3lbqtcommnt2a",
    }
    record = body(xrpc.only("com.atproto.repo.createRecord"))["record"]
    assert record["text"] == "Thank you!"
    assert record["reply"] == {
        "root": comment["value"]["reply"]["root"],
        "parent": {"uri": comment["uri"], "cid": comment["cid"]},
    }
    assert record["orchestreClientRef"] == "r-1"
    assert ref.external_id == f"at://{DID}/app.bsky.feed.post/3r"


def test_a_reply_to_a_post_uses_it_as_root_and_parent(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    post = payload("get_record_post")
    xrpc.on("com.atproto.repo.getRecord", answer("get_record_post"))
    xrpc.on("com.atproto.repo.createRecord", answer("create_record"))

    alice.reply(post["uri"], "I am!")

    strong = {"uri": post["uri"], "cid": post["cid"]}
    record = body(xrpc.only("com.atproto.repo.createRecord"))["record"]
    assert record["reply"] == {"root": strong, "parent": strong}


def test_delete_removes_the_record(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    xrpc.on("com.atproto.repo.deleteRecord", httpx.Response(200, json={}))

    alice.delete_post(POST_URI)

    sent = xrpc.only("com.atproto.repo.deleteRecord")
    assert sent.method == "POST"
    assert body(sent) == {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": "3lbqta5lnck2i",
    }


def test_someone_elses_post_is_not_deleted(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    with pytest.raises(PermanentError):
        alice.delete_post("at://did:plc:bob2026/app.bsky.feed.post/3lbqtbobpost2")
    assert xrpc.requests == []


def test_like_creates_a_like_record_with_the_post_strong_ref(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("app.bsky.feed.getPosts", answer("get_posts"))
    xrpc.on("com.atproto.repo.createRecord", answer("create_record"))

    alice.like(POST_URI)

    assert xrpc.only("app.bsky.feed.getPosts").url.params.get_list("uris") == [POST_URI]
    sent = body(xrpc.only("com.atproto.repo.createRecord"))
    post = payload("get_posts")["posts"][0]
    assert sent == {
        "repo": DID,
        "collection": "app.bsky.feed.like",
        "record": {
            "$type": "app.bsky.feed.like",
            "subject": {"uri": POST_URI, "cid": post["cid"]},
            "createdAt": "2026-11-26T10:00:00.000Z",
        },
    }


def test_liking_a_post_already_liked_is_success_without_a_second_like(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("app.bsky.feed.getPosts", answer("get_posts_liked"))

    alice.like("at://did:plc:bob2026/app.bsky.feed.post/3lbqtbobpost2")

    assert xrpc.sent("com.atproto.repo.createRecord") == []


def test_liking_a_post_the_appview_has_not_indexed_reads_it_from_the_repository(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    post = payload("get_record_post")
    xrpc.on("app.bsky.feed.getPosts", answer("get_posts_empty"))
    xrpc.on("com.atproto.repo.getRecord", answer("get_record_post"))
    xrpc.on("com.atproto.repo.createRecord", answer("create_record"))

    alice.like(post["uri"])

    subject = body(xrpc.only("com.atproto.repo.createRecord"))["record"]["subject"]
    assert subject == {"uri": post["uri"], "cid": post["cid"]}


def test_find_by_client_ref_looks_in_the_account_posts(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.repo.listRecords", answer("list_records"))

    found = alice.find_by_client_ref("post-42")

    sent = xrpc.sent("com.atproto.repo.listRecords")[0]
    assert sent.url.params["repo"] == DID
    assert sent.url.params["collection"] == "app.bsky.feed.post"
    assert found is not None
    assert found.external_id == POST_URI
    assert found.client_ref == "post-42"
    assert found.published_at.isoformat() == "2026-11-26T10:00:00+00:00"


def test_find_by_client_ref_says_none_when_no_post_has_it(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.repo.listRecords", answer("list_records"))

    assert alice.find_by_client_ref("never-published") is None
    # Two pages of the account's latest posts, then it stops.
    assert len(xrpc.sent("com.atproto.repo.listRecords")) == 2
    assert xrpc.sent("com.atproto.repo.listRecords")[1].url.params["cursor"] == "3lbqta5lnck2i"
