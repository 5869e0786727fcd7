"""Each network's media limits: counts, sizes, durations, ratios, resolutions and codecs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orchestre.connectors.rules import media as rules
from orchestre.connectors.rules.media import InstanceMediaLimits, check_media
from orchestre.connectors.rules.media_limits import mastodon_instance_limits
from orchestre.connectors.rules.types import NETWORKS, MediaFacts, Violation

MiB = 1024 * 1024


def image(
    width: int = 1080, height: int = 1080, size: int = 200_000, content_type: str = "image/jpeg"
) -> MediaFacts:
    return MediaFacts("image", content_type, size, width, height)


def gif(size: int = 1_000_000) -> MediaFacts:
    return MediaFacts("gif", "image/gif", size, 480, 270)


def video(
    width: int = 1080,
    height: int = 1920,
    seconds: float = 20.0,
    size: int = 20_000_000,
    codec: str = "h264",
    audio: str | None = "aac",
    fps: float = 30.0,
    content_type: str = "video/mp4",
) -> MediaFacts:
    return MediaFacts("video", content_type, size, width, height, seconds, codec, audio, fps)


def rules_of(violations: list[Violation]) -> list[tuple[str, str, str]]:
    return [(v.rule, v.field, v.severity) for v in violations]


@pytest.mark.parametrize(
    ("network", "format", "media", "expected"),
    [
        # X: four photos, or one GIF, or one video.
        ("x", "feed", [image()] * 4, []),
        ("x", "feed", [image()] * 5, [("media.count", "media", "error")]),
        ("x", "feed", [image(size=5 * MiB)], []),
        ("x", "feed", [image(size=5 * MiB + 1)], [("media.size", "media[0]", "error")]),
        ("x", "feed", [gif(15 * MiB)], []),
        ("x", "feed", [image(), gif()], [("media.mix", "media", "error")]),
        ("x", "feed", [gif(), gif()], [("media.count", "media", "error")]),
        ("x", "feed", [image(), video(720, 1280)], [("media.mix", "media", "error")]),
        ("x", "feed", [video(720, 1280, seconds=0.5)], []),
        ("x", "feed", [video(720, 1280, seconds=0.4)], [("media.duration", "media[0]", "error")]),
        ("x", "feed", [video(720, 1280, seconds=1200)], []),
        ("x", "feed", [video(720, 1280, seconds=1201)], [("media.duration", "media[0]", "error")]),
        ("x", "feed", [video(300, 900)], []),
        ("x", "feed", [video(300, 910)], [("media.aspect_ratio", "media[0]", "error")]),
        ("x", "feed", [video(720, 1280, fps=60)], []),
        ("x", "feed", [video(720, 1280, fps=120)], [("media.frame_rate", "media[0]", "error")]),
        ("x", "feed", [video(720, 1280, codec="vp9")], [("media.codec", "media[0]", "error")]),
        ("x", "feed", [video(1080, 1920)], [("media.resolution", "media[0]", "warning")]),
        ("x", "feed", [image(content_type="image/heic")], [("media.format", "media[0]", "error")]),
        # Bluesky: four images of at most 1,000,000 bytes, or one video of 3 minutes.
        ("bluesky", "feed", [image(size=1_000_000)] * 4, []),
        ("bluesky", "feed", [image(size=1_000_001)], [("media.size", "media[0]", "error")]),
        ("bluesky", "feed", [video(seconds=180)], []),
        ("bluesky", "feed", [video(seconds=181)], [("media.duration", "media[0]", "error")]),
        ("bluesky", "feed", [video(size=100_000_001)], [("media.size", "media[0]", "error")]),
        (
            "bluesky",
            "feed",
            [video(content_type="video/quicktime")],
            [("media.format", "media[0]", "error")],
        ),
        ("bluesky", "feed", [image(), video()], [("media.mix", "media", "error")]),
        # Mastodon defaults: 16 MB images, 99 MB videos, four attachments.
        ("mastodon", "feed", [image(size=16 * MiB)] * 4, []),
        ("mastodon", "feed", [image(size=16 * MiB + 1)], [("media.size", "media[0]", "error")]),
        ("mastodon", "feed", [video(size=99 * MiB + 1)], [("media.size", "media[0]", "error")]),
        ("mastodon", "feed", [video(3840, 2160)], []),
        ("mastodon", "feed", [video(3841, 2160)], [("media.resolution", "media[0]", "error")]),
        # Threads: one file in a post, 2 to 20 in a carousel that may mix kinds.
        ("threads", "feed", [image(), image()], [("media.count", "media", "error")]),
        ("threads", "carousel", [image(), video()], []),
        ("threads", "carousel", [image()], [("media.count", "media", "error")]),
        ("threads", "carousel", [image()] * 21, [("media.count", "media", "error")]),
        ("threads", "feed", [video(seconds=301)], [("media.duration", "media[0]", "error")]),
        (
            "threads",
            "feed",
            [image(content_type="image/webp")],
            [("media.format", "media[0]", "error")],
        ),
        # LinkedIn: video 3 s to 30 min, 75 KB to 500 MB, 1:2.4 to 2.4:1.
        ("linkedin", "feed", [video(seconds=3)], []),
        ("linkedin", "feed", [video(seconds=2.9)], [("media.duration", "media[0]", "error")]),
        ("linkedin", "feed", [video(seconds=1800)], []),
        ("linkedin", "feed", [video(seconds=1801)], [("media.duration", "media[0]", "error")]),
        ("linkedin", "feed", [video(size=500_000_001)], [("media.size", "media[0]", "error")]),
        ("linkedin", "feed", [video(size=74_999)], [("media.size", "media[0]", "error")]),
        ("linkedin", "feed", [video(1000, 2400)], []),
        ("linkedin", "feed", [video(1000, 2500)], [("media.aspect_ratio", "media[0]", "error")]),
        ("linkedin", "carousel", [image()] * 20, []),
        ("linkedin", "carousel", [image(), video()], [("media.format", "media[1]", "error")]),
        # Instagram feed image: JPEG, 4:5 to 1.91:1, rescaled outside 320-1440 px wide.
        ("instagram", "feed", [image(1080, 1350)], []),
        ("instagram", "feed", [image(1080, 1400)], [("media.aspect_ratio", "media[0]", "error")]),
        ("instagram", "feed", [image(1910, 1000)], [("media.resolution", "media[0]", "warning")]),
        ("instagram", "feed", [image(1440, 700)], [("media.aspect_ratio", "media[0]", "error")]),
        ("instagram", "feed", [image(300, 300)], [("media.resolution", "media[0]", "warning")]),
        (
            "instagram",
            "feed",
            [image(content_type="image/png")],
            [("media.format", "media[0]", "error")],
        ),
        ("instagram", "feed", [video()], [("media.format", "media[0]", "error")]),
        ("instagram", "feed", [image(size=8_000_001)], [("media.size", "media[0]", "error")]),
        # Instagram carousel: 2 to 10 items.
        ("instagram", "carousel", [image()] * 10, []),
        ("instagram", "carousel", [image()] * 11, [("media.count", "media", "error")]),
        ("instagram", "carousel", [image()], [("media.count", "media", "error")]),
        # Instagram Reel: 3 s to 15 min, 300 MB, 23-60 fps, 9:16 recommended.
        ("instagram", "reel", [video(seconds=3)], []),
        ("instagram", "reel", [video(seconds=2.9)], [("media.duration", "media[0]", "error")]),
        ("instagram", "reel", [video(seconds=901)], [("media.duration", "media[0]", "error")]),
        ("instagram", "reel", [video(size=300_000_001)], [("media.size", "media[0]", "error")]),
        ("instagram", "reel", [video(fps=15)], [("media.frame_rate", "media[0]", "error")]),
        ("instagram", "reel", [video(audio="mp3")], [("media.codec", "media[0]", "error")]),
        ("instagram", "reel", [video(1920, 1080)], [("media.aspect_ratio", "media[0]", "warning")]),
        ("instagram", "reel", [], [("media.count", "media", "error")]),
        ("instagram", "story", [video(seconds=61)], [("media.duration", "media[0]", "error")]),
        # Facebook: Reels are 9:16, 3 to 90 s, at least 540 px wide.
        ("facebook", "reel", [video(seconds=90)], []),
        ("facebook", "reel", [video(seconds=91)], [("media.duration", "media[0]", "error")]),
        ("facebook", "reel", [video(1920, 1080)], [("media.aspect_ratio", "media[0]", "error")]),
        ("facebook", "reel", [video(360, 640)], [("media.resolution", "media[0]", "error")]),
        ("facebook", "feed", [image(size=4_000_001)], [("media.size", "media[0]", "error")]),
        # TikTok: 3 s to 10 min, at least 360 px a side, 4 GB.
        ("tiktok", "tiktok_video", [video(seconds=600)], []),
        ("tiktok", "tiktok_video", [video(seconds=601)], [("media.duration", "media[0]", "error")]),
        ("tiktok", "feed", [video(seconds=2)], [("media.duration", "media[0]", "error")]),
        ("tiktok", "tiktok_video", [video(360, 640)], []),
        ("tiktok", "tiktok_video", [video(359, 640)], [("media.resolution", "media[0]", "error")]),
        (
            "tiktok",
            "tiktok_video",
            [video(size=4 * 1024 * MiB + 1)],
            [("media.size", "media[0]", "error")],
        ),
        ("tiktok", "tiktok_video", [image()], [("media.format", "media[0]", "error")]),
        ("tiktok", "carousel", [image()] * 35, []),
        ("tiktok", "carousel", [image()] * 36, [("media.count", "media", "error")]),
        # YouTube: any video; a Short lasts at most 3 minutes and is square or vertical.
        ("youtube", "feed", [video(1920, 1080, seconds=3600)], []),
        ("youtube", "short", [video(seconds=180)], []),
        ("youtube", "short", [video(1080, 1080)], [("media.aspect_ratio", "media[0]", "warning")]),
        ("youtube", "short", [video(seconds=181)], [("media.duration", "media[0]", "error")]),
        ("youtube", "short", [video(1920, 1080)], [("media.aspect_ratio", "media[0]", "error")]),
        (
            "youtube",
            "feed",
            [image()],
            [
                ("media.format", "media[0]", "error"),
            ],
        ),
    ],
)
def test_limits_at_their_boundaries(
    network: str, format: str, media: list[MediaFacts], expected: list[tuple[str, str, str]]
) -> None:
    assert sorted(rules_of(check_media(network, media, format))) == sorted(expected)


def test_a_violation_names_the_network_limit_actual_and_what_to_do() -> None:
    [violation] = check_media("instagram", [image(1080, 1400)])
    assert violation.network == "instagram"
    assert violation.limit == "4:5 to 1.91:1"
    assert violation.actual == "1:1.30"
    assert "crop to 4:5" in violation.message
    assert "'Fix for Instagram'" in violation.message
    [size] = check_media("bluesky", [image(size=2_000_000)])
    assert (size.limit, size.actual) == (1_000_000, 2_000_000)
    assert "2.0 MB" in size.message
    assert "1.0 MB" in size.message


def test_every_file_is_checked_and_each_broken_rule_reported() -> None:
    broken = video(1920, 1080, seconds=200, size=400_000_000, codec="mpeg4", fps=120)
    found = rules_of(check_media("instagram", [video(), broken], "reel"))
    assert ("media.count", "media", "error") in found
    assert {rule for rule, field, _ in found if field == "media[1]"} == {
        "media.size",
        "media.aspect_ratio",
        "media.codec",
        "media.frame_rate",
    }


def test_a_mastodon_instance_announces_its_own_limits() -> None:
    big = image(size=20 * MiB)
    assert rules_of(check_media("mastodon", [big])) == [("media.size", "media[0]", "error")]
    roomy = InstanceMediaLimits(image_max_bytes=40 * MiB, max_items=8)
    assert check_media("mastodon", [big] * 8, instance=roomy) == []
    strict = InstanceMediaLimits(types=frozenset({"image/png"}))
    assert rules_of(check_media("mastodon", [big], instance=replace(strict))) == [
        ("media.format", "media[0]", "error"),
        ("media.size", "media[0]", "error"),
    ]


def test_limits_are_read_from_a_mastodon_instance_configuration() -> None:
    # The shape of GET /api/v2/instance -> configuration, as documented by Mastodon.
    configuration = {
        "statuses": {"max_characters": 500, "max_media_attachments": 6},
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "video/mp4"],
            "image_size_limit": 10485760,
            "image_matrix_limit": 16777216,
            "video_size_limit": 41943040,
            "video_frame_rate_limit": 60,
            "video_matrix_limit": 2304000,
        },
    }
    limits = mastodon_instance_limits(configuration)
    assert (limits.max_items, limits.image_max_bytes, limits.video_max_fps) == (6, 10485760, 60)
    assert check_media("mastodon", [image()] * 6, instance=limits) == []
    found = rules_of(
        check_media("mastodon", [video(2560, 1440, size=50_000_000, fps=120)], instance=limits)
    )
    assert found == [
        ("media.size", "media[0]", "error"),
        ("media.resolution", "media[0]", "error"),
        ("media.frame_rate", "media[0]", "error"),
    ]
    assert rules_of(
        check_media("mastodon", [image(content_type="image/webp")], instance=limits)
    ) == [("media.format", "media[0]", "error")]
    assert mastodon_instance_limits({}) == InstanceMediaLimits()


def test_every_network_takes_a_feed_and_unknown_names_are_refused_with_the_list() -> None:
    for network in NETWORKS:
        assert "feed" in rules.formats_for(network)
    with pytest.raises(ValueError, match="known networks: x, bluesky, mastodon"):
        check_media("myspace", [])
    with pytest.raises(ValueError, match="bluesky takes: feed"):
        check_media("bluesky", [], format="reel")
    with pytest.raises(ValueError, match="known formats anywhere: feed, reel, short"):
        check_media("instagram", [], format="igtv")


def test_every_rule_table_cites_its_source() -> None:
    for network in NETWORKS:
        for format, table in rules.media_rule_table(network).items():
            assert table.source.startswith("https://"), (network, format)
            assert format in rules.FORMATS
