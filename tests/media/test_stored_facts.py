"""What the probe measures is stored on the asset and read back as the same rule facts."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from orchestre.connectors.rules import check_media
from orchestre.connectors.rules.media import InstanceMediaLimits, media_facts
from orchestre.models import MediaAsset
from orchestre.posts.media_probe import facts_of, measure, measured_columns

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed",
)


def _fps_limit(fps: float) -> InstanceMediaLimits:
    return InstanceMediaLimits(video_max_fps=fps)


def _stored(path: Path, alt_text: str = "") -> MediaAsset:
    return MediaAsset(alt_text=alt_text, **measured_columns(measure(path)))


def test_a_video_keeps_its_codecs_frame_rate_and_duration(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=50:duration=0.6"]
    command += ["-f", "lavfi", "-i", "sine=frequency=440:duration=0.6"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-shortest", str(clip)]
    subprocess.run(command, check=True, timeout=60)
    measured = measure(clip)

    asset = _stored(clip, alt_text="A test pattern")

    assert (asset.video_codec, asset.audio_codec, asset.frame_rate) == ("h264", "aac", 50.0)
    assert facts_of(asset) == media_facts(measured, alt_text="A test pattern")
    # The rules read the stored facts: Mastodon's instance may cap the frame rate.
    capped = check_media("mastodon", [facts_of(asset)], instance=_fps_limit(30))
    assert [(v.rule, v.actual) for v in capped] == [("media.frame_rate", 50.0)]


def test_an_image_has_no_video_facts(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())

    asset = _stored(path)

    assert (asset.kind, asset.width, asset.height) == ("image", 30, 20)
    assert (asset.video_codec, asset.audio_codec, asset.frame_rate) == (None, None, None)
    assert facts_of(asset) == media_facts(measure(path))
