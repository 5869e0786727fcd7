"""A variant's media are checked against its network's rules for its format: findings."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from orchestre.connectors.rules import MediaFacts
from orchestre.posts.validation import (
    EditorialRules,
    VariantContent,
    check_variant,
    instance_media_limits,
)
from tests.factories import make_channel
from tests.posts.conftest import Team, create_post, image_bytes, upload


def _media_findings(variant: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in variant["findings"] if f["rule"].startswith("media.")]


def _photo(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 160, 60)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_wide_png_blocks_an_instagram_post_until_the_fixed_file_replaces_it(
    client: TestClient, db: Session, team: Team
) -> None:
    insta = make_channel(db, team.ws, network="instagram", handle="@insta")
    db.commit()
    media = upload(client, team, image_bytes("PNG", size=(2000, 800))).json()
    post = create_post(
        client,
        team,
        channel_ids=[str(insta.id)],
        variants=[{"channel_id": str(insta.id), "media_ids": [media["id"]]}],
    )
    variant = post["variants"][0]
    broken = {(f["rule"], f["field"], f["severity"]) for f in _media_findings(variant)}
    assert ("media.format", "media[0]", "error") in broken  # Instagram takes only JPEG
    assert ("media.aspect_ratio", "media[0]", "error") in broken  # 2.5:1 is wider than 1.91:1
    aspect = next(f for f in variant["findings"] if f["rule"] == "media.aspect_ratio")
    assert (aspect["limit"], aspect["actual"]) == ("4:5 to 1.91:1", "2.50:1")
    assert "Fix for Instagram" in aspect["message"]
    refused = client.post(team.url(f"/posts/{post['id']}/submit"), headers=team.headers["owner"])
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert "variants[@insta].media[0]" in fields

    fixed = client.post(
        team.url(f"/media/{media['id']}/fix"),
        json={"network": "instagram", "format": "feed"},
        headers=team.headers["owner"],
    ).json()
    swapped = client.patch(
        team.url(f"/posts/{post['id']}/variants/{variant['id']}"),
        json={"version": post["version"], "media_ids": [fixed["id"]]},
        headers=team.headers["owner"],
    )
    assert swapped.status_code == 200, swapped.text
    after = swapped.json()["variants"][0]
    assert [m["id"] for m in after["media"]] == [fixed["id"]]
    assert [f for f in _media_findings(after) if f["severity"] == "error"] == []


def test_the_format_option_chooses_the_rules(client: TestClient, db: Session, team: Team) -> None:
    insta = make_channel(db, team.ws, network="instagram", handle="@reels")
    db.commit()
    media = upload(client, team, _photo((1080, 1350))).json()
    spec = {"channel_id": str(insta.id), "media_ids": [media["id"]]}
    feed = create_post(client, team, channel_ids=[str(insta.id)], variants=[spec])
    assert [f for f in _media_findings(feed["variants"][0]) if f["severity"] == "error"] == []

    reel = create_post(
        client, team, channel_ids=[str(insta.id)], variants=[spec | {"options": {"format": "reel"}}]
    )
    messages = [f["message"] for f in _media_findings(reel["variants"][0])]
    assert any("does not take images" in m for m in messages), messages

    unknown = create_post(
        client, team, channel_ids=[str(insta.id)], variants=[spec | {"options": {"format": "x"}}]
    )
    wrong = [f for f in unknown["variants"][0]["findings"] if f["field"] == "options.format"]
    assert wrong
    assert wrong[0]["severity"] == "error"
    assert wrong[0]["limit"] == ["feed", "reel", "story", "carousel"]


def test_a_mastodon_instance_smaller_limit_comes_from_the_channel_settings(
    client: TestClient, db: Session, team: Team
) -> None:
    small = make_channel(db, team.ws, network="mastodon", handle="@small@tiny.example")
    small.settings = {"configuration": {"media_attachments": {"image_size_limit": 2_000}}}
    default = make_channel(db, team.ws, network="mastodon", handle="@big@mastodon.example")
    db.commit()
    media = upload(client, team, _photo((600, 400))).json()
    assert media["size_bytes"] > 2_000
    post = create_post(
        client,
        team,
        channel_ids=[str(small.id), str(default.id)],
        variants=[{"channel_id": str(c.id), "media_ids": [media["id"]]} for c in (small, default)],
    )
    by_handle = {v["channel"]["handle"]: _media_findings(v) for v in post["variants"]}
    too_big = [f for f in by_handle["@small@tiny.example"] if f["rule"] == "media.size"]
    assert too_big
    assert (too_big[0]["limit"], too_big[0]["actual"]) == (2_000, media["size_bytes"])
    assert by_handle["@big@mastodon.example"] == []


def test_instance_limits_are_read_from_any_settings_shape() -> None:
    nested = instance_media_limits(
        "mastodon", {"configuration": {"statuses": {"max_media_attachments": 6}}}
    )
    sections = instance_media_limits(
        "mastodon", {"media_attachments": {"video_size_limit": 99_000_000}}
    )
    flat = instance_media_limits(
        "mastodon", {"image_size_limit": 1_000, "supported_mime_types": ["image/png"]}
    )
    assert nested is not None
    assert nested.max_items == 6
    assert sections is not None
    assert sections.video_max_bytes == 99_000_000
    assert flat is not None
    assert (flat.image_max_bytes, flat.types) == (1_000, {"image/png"})
    assert instance_media_limits("mastodon", {"max_characters": 500}) is None
    assert instance_media_limits("bluesky", {"image_size_limit": 1_000}) is None


def test_media_rules_need_the_facts_of_every_attached_file() -> None:
    video = MediaFacts("video", "video/mp4", 10_000, 1280, 720, 12.0, "h264", "aac", 30.0)
    youtube = VariantContent("Notre levain", network="youtube", options={"title": "Levain"})
    assert {f.rule for f in check_variant(youtube, EditorialRules())} == {"media.count"}
    with_video = VariantContent(
        "Notre levain",
        network="youtube",
        options={"title": "Levain"},
        media_count=1,
        media=(video,),
    )
    assert [f for f in check_variant(with_video, EditorialRules()) if f.blocking] == []
    # Attached but not measured (a caller that only counted): not checked rather than wrong.
    unmeasured = VariantContent("Notre levain", network="instagram", media_count=1)
    assert not any(f.rule.startswith("media.") for f in check_variant(unmeasured, EditorialRules()))
    sandbox = VariantContent("Hello", network="sandbox", media_count=1, media=(video,))
    assert check_variant(sandbox, EditorialRules()) == []


def test_a_file_still_converting_blocks_the_review() -> None:
    video = MediaFacts("video", "video/mp4", 0, None, None, None)
    content = VariantContent(
        "Hello", network="sandbox", media_count=1, media=(video,), media_status=("processing",)
    )
    found = check_variant(content, EditorialRules())
    assert [(f.field, f.rule, f.blocking) for f in found] == [("media[0]", "media.status", True)]
    ready = VariantContent(
        "Hello", network="sandbox", media_count=1, media=(video,), media_status=("ready",)
    )
    assert check_variant(ready, EditorialRules()) == []
