"""'Fix for <network>': the rules' plan, applied by the media processing, passes the rules."""

from __future__ import annotations

import io
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from orchestre.connectors.rules.media import check_media, media_facts
from orchestre.connectors.rules.media_fix import ImageFix, VideoFix, fix_for
from orchestre.connectors.rules.types import MediaFacts
from orchestre.media.images import ImageTarget, process_image
from orchestre.media.probe import measure


def png(size: tuple[int, int], noisy: bool = False) -> bytes:
    picture = (
        Image.effect_noise(size, 90).convert("RGB") if noisy else Image.new("RGB", size, "teal")
    )
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def facts_of(data: bytes, tmp_path: Path, name: str) -> MediaFacts:
    path = tmp_path / name
    path.write_bytes(data)
    return media_facts(measure(path))


def apply(fix: ImageFix, data: bytes) -> bytes:
    options: dict[str, Any] = asdict(fix)
    return process_image(data, ImageTarget(**options)).data


@pytest.mark.parametrize(
    ("network", "format", "size", "noisy", "expected"),
    [
        (
            "instagram",
            "feed",
            (2400, 1000),
            False,
            ImageFix("JPEG", 1440, 1440, "1.91:1", 8 * 10**6),
        ),
        ("instagram", "feed", (1080, 1920), False, ImageFix("JPEG", 1440, 1440, "4:5", 8 * 10**6)),
        (
            "instagram",
            "story",
            (1920, 1080),
            False,
            ImageFix("JPEG", 1440, 1440, "9:16", 8 * 10**6),
        ),
        ("bluesky", "feed", (900, 900), True, ImageFix("PNG", None, None, None, 1_000_000)),
        ("x", "feed", (3000, 2000), False, ImageFix("PNG", None, None, None, 5 * 1024 * 1024)),
    ],
)
def test_an_image_fixed_for_a_network_passes_its_rules(
    tmp_path: Path,
    network: str,
    format: str,
    size: tuple[int, int],
    noisy: bool,
    expected: ImageFix,
) -> None:
    original = png(size, noisy)
    before = facts_of(original, tmp_path, "before.png")
    fix = fix_for(network, format, before)
    assert fix == expected
    after = facts_of(apply(fix, original), tmp_path, "after")
    assert [v for v in check_media(network, [after], format) if v.severity == "error"] == []
    assert check_media(network, [after], format) == []


def test_an_image_over_a_pixel_count_is_planned_down_to_it() -> None:
    huge = MediaFacts("image", "image/png", 10**7, 8000, 6000)
    fix = fix_for("linkedin", "feed", huge)
    assert fix == ImageFix("PNG", 6942, 6942, None, None)
    assert 6942 * round(6942 * 6000 / 8000) <= 36_152_320


def test_video_plans_for_the_vertical_formats_are_1080_by_1920() -> None:
    landscape = MediaFacts("video", "video/mp4", 10**7, 1920, 1080, 20.0, "h264", "aac", 60.0)
    for network, format in [("instagram", "reel"), ("youtube", "short"), ("facebook", "reel")]:
        assert fix_for(network, format, landscape) == VideoFix(1080, 1920, max_fps=30)
    assert fix_for("x", "feed", landscape) == VideoFix(1280, 720, max_fps=30)
    long = MediaFacts("video", "video/mp4", 10**7, 1080, 1920, 200.0, "h264", "aac", 30.0)
    assert fix_for("youtube", "short", long) == VideoFix(1080, 1920, max_seconds=180)


def test_no_conversion_turns_an_image_into_a_video() -> None:
    still = MediaFacts("image", "image/jpeg", 1000, 100, 100)
    assert fix_for("youtube", "short", still) is None
