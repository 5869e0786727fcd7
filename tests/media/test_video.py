"""Video processing: a landscape clip becomes a Reel / Short / TikTok video, and thumbnails."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from orchestre.connectors.rules.media import check_media, media_facts
from orchestre.errors import UnsupportedMedia
from orchestre.media import video
from orchestre.media.video import VERTICAL_1080X1920, thumbnail, transcode

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed",
)
# superfast, not ultrafast: ultrafast drops the CABAC and 8x8 tools that make a High profile.
FAST = replace(VERTICAL_1080X1920, preset="superfast")


def make_clip(path: Path, *, size: str = "640x360", seconds: float = 2, audio: bool = True) -> Path:
    """A landscape test pattern with a tone, made by ffmpeg itself."""
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=25:duration={seconds}"]
    if audio:
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        command += ["-c:a", "aac", "-shortest"]
    subprocess.run([*command, str(path)], check=True, timeout=60)
    return path


def test_a_landscape_clip_is_transcoded_to_the_reel_and_short_spec(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "landscape.mp4", seconds=3.2)
    original = media_facts(video.probe(source))
    assert (original.width, original.height) == (640, 360)

    result = transcode(source, tmp_path / "reel.mp4", FAST)

    assert (result.width, result.height) == (1080, 1920)
    assert (result.video_codec, result.audio_codec) == ("h264", "aac")
    assert result.content_type == "video/mp4"
    assert result.duration_seconds == pytest.approx(3.2, abs=0.1)
    assert result.frame_rate == pytest.approx(25)
    streams = _ffprobe(tmp_path / "reel.mp4")
    assert "profile=High" in streams
    assert "sample_rate=48000" in streams
    assert "pix_fmt=yuv420p" in streams
    head = (tmp_path / "reel.mp4").read_bytes()[:4096]
    assert b"moov" in head  # faststart: the index comes before the media data
    assert b"mdat" not in head or head.find(b"moov") < head.find(b"mdat")

    fixed = media_facts(result)
    assert check_media("instagram", [fixed], format="reel") == []
    assert check_media("youtube", [fixed], format="short") == []
    assert check_media("tiktok", [fixed], format="tiktok_video") == []
    assert check_media("facebook", [fixed], format="reel") == []

    before = {
        (v.network, v.rule, v.severity)
        for net, fmt in _VERTICAL
        for v in check_media(net, [original], format=fmt)
    }
    assert ("instagram", "media.aspect_ratio", "warning") in before
    assert ("youtube", "media.aspect_ratio", "error") in before
    assert ("facebook", "media.aspect_ratio", "error") in before


_VERTICAL = [("instagram", "reel"), ("youtube", "short"), ("facebook", "reel")]


def test_crop_fills_the_frame_caps_the_frame_rate_and_adds_silence(tmp_path: Path) -> None:
    source = tmp_path / "silent.mp4"
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi"),
            *("-i", "testsrc=size=320x240:rate=60:duration=1"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(source)),
        ],
        check=True,
        timeout=60,
    )
    target = replace(FAST, width=360, height=640, fit="crop", max_fps=30)
    result = transcode(source, tmp_path / "out.mp4", target)
    assert (result.width, result.height) == (360, 640)
    assert result.frame_rate == pytest.approx(30)
    assert result.audio_codec == "aac"
    assert result.duration_seconds == pytest.approx(1.0, abs=0.1)


def test_max_seconds_trims(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "long.mp4", size="320x180", seconds=2)
    target = replace(FAST, width=180, height=320, max_seconds=1)
    assert transcode(source, tmp_path / "short.mp4", target).duration_seconds == pytest.approx(
        1.0, abs=0.1
    )


def test_a_thumbnail_is_a_jpeg_of_the_frame_asked_for(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "clip.mp4", seconds=2)
    data = thumbnail(source, 1.0)
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "JPEG"
    assert picture.size == (640, 360)
    small = Image.open(io.BytesIO(thumbnail(source, 99, max_width=320)))  # past the end
    assert small.size == (320, 180)


def test_a_file_that_cannot_be_fixed_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 200)
    with pytest.raises(UnsupportedMedia, match="damaged or not a format"):
        transcode(broken, tmp_path / "out.mp4", FAST)

    source = make_clip(tmp_path / "clip.mp4", size="320x180", seconds=1)
    with pytest.raises(UnsupportedMedia, match="cannot be fixed because ffmpeg failed") as caught:
        transcode(source, tmp_path / "out.mp4", replace(FAST, preset="no-such-preset"))
    assert "preset" in caught.value.detail.lower()

    monkeypatch.setattr(video.shutil, "which", lambda name: None if name == "ffmpeg" else "ffprobe")
    with pytest.raises(UnsupportedMedia, match="ffmpeg is not installed") as missing:
        thumbnail(source)
    assert missing.value.code == "video_converter_missing"


def test_a_conversion_that_runs_too_long_is_stopped(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "clip.mp4", size="320x180", seconds=1)
    with pytest.raises(UnsupportedMedia, match="took longer than"):
        transcode(source, tmp_path / "out.mp4", FAST, timeout=0.001)


def _ffprobe(path: Path) -> str:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return done.stdout.decode()


def test_file_names_are_never_read_as_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_clip(tmp_path / "-y.mp4", size="320x180", seconds=1)
    target = replace(FAST, width=180, height=320)
    result = transcode(Path("-y.mp4"), Path("-f.mp4"), target)
    assert (result.width, result.height) == (180, 320)
    assert (tmp_path / "-f.mp4").exists()
