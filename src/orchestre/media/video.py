"""Video processing with ffmpeg: transcode to a target spec, and extract a thumbnail.

ffprobe measures (through orchestre.media.probe); ffmpeg runs as a subprocess with a fixed
argument list, a timeout, and its stderr kept to explain a failure in words: a file that
cannot be fixed says why.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from orchestre.errors import UnsupportedMedia
from orchestre.media.probe import Measured, measure_video

TRANSCODE_TIMEOUT_SECONDS = 15 * 60
THUMBNAIL_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class VideoTarget:
    """What the output must be: an H.264 / AAC MP4 of this frame, with these caps."""

    width: int
    height: int
    fit: Literal["pad", "crop"] = "pad"  # pad keeps the whole picture; crop fills the frame
    max_fps: float = 30
    max_video_kbps: int = 8_000
    audio_kbps: int = 128
    audio_rate: int = 48_000
    max_seconds: float | None = None  # trims a longer video
    preset: str = "medium"  # x264 speed/size trade-off; "ultrafast" in tests
    crf: int = 21


# The vertical full-screen spec Reels, Shorts and TikTok share.
VERTICAL_1080X1920 = VideoTarget(width=1080, height=1920)


def _unfixable(reason: str, code: str = "media_unfixable") -> UnsupportedMedia:
    return UnsupportedMedia(f"This video cannot be fixed because {reason}", code=code)


def ffmpeg_path() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        raise _unfixable(
            "ffmpeg is not installed on this server; ask your administrator to install it.",
            code="video_converter_missing",
        )
    return found


def probe(path: Path) -> Measured:
    """Measure a video with ffprobe, or raise UnsupportedMedia saying why."""
    return measure_video(path)


def transcode(
    source: Path,
    destination: Path,
    target: VideoTarget,
    *,
    timeout: float = TRANSCODE_TIMEOUT_SECONDS,
) -> Measured:
    """Write `source` re-encoded to `target` at `destination` (MP4) and measure the result."""
    facts = probe(source)
    command = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    command += ["-i", _file(source)]
    has_audio = facts.audio_codec is not None
    if not has_audio:
        # Networks expect an audio track in these specs: add silence rather than none.
        command += ["-f", "lavfi", "-i", f"anullsrc=r={target.audio_rate}:cl=stereo"]
    command += ["-map", "0:v:0", "-map", "0:a:0" if has_audio else "1:a:0"]
    command += ["-vf", _video_filter(target, facts.frame_rate)]
    command += _encoder_options(target)
    if target.max_seconds is not None:
        command += ["-t", f"{target.max_seconds:g}"]
    if not has_audio:
        command += ["-shortest"]
    command += ["-f", "mp4", _file(destination)]
    _run(command, timeout, "converting it")
    return probe(destination)


def _video_filter(target: VideoTarget, source_fps: float | None) -> str:
    w, h = target.width, target.height
    if target.fit == "crop":
        frame = f"scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h}"
    else:
        frame = (
            f"scale={w}:{h}:force_original_aspect_ratio=decrease,"
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black"
        )
    fps = min(source_fps or target.max_fps, target.max_fps)
    # setsar=1: square pixels, which X and Meta require.
    return f"{frame},setsar=1,fps={fps:g},format=yuv420p"


def _encoder_options(target: VideoTarget) -> list[str]:
    maxrate = target.max_video_kbps
    return [
        *("-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p"),
        *("-preset", target.preset, "-crf", str(target.crf)),
        *("-maxrate", f"{maxrate}k", "-bufsize", f"{maxrate * 2}k"),
        # Closed GOPs and no B-pyramid keep Meta's and X's "closed GOP" requirement.
        *("-flags", "+cgop", "-x264-params", "b-pyramid=0"),
        *("-c:a", "aac", "-b:a", f"{target.audio_kbps}k", "-ar", str(target.audio_rate)),
        *("-ac", "2"),
        # The index (moov) first, so networks and browsers start before the whole file is read.
        *("-movflags", "+faststart"),
    ]


def thumbnail(
    source: Path,
    at_seconds: float = 0.0,
    *,
    max_width: int | None = None,
    timeout: float = THUMBNAIL_TIMEOUT_SECONDS,
) -> bytes:
    """A JPEG of the frame at `at_seconds` (the last frame if the video is shorter)."""
    facts = probe(source)
    if facts.duration_seconds is not None and at_seconds >= facts.duration_seconds:
        at_seconds = max(0.0, facts.duration_seconds - 0.1)
    scale = f"scale='min({max_width},iw)':-2," if max_width else ""
    command = [
        *(ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error"),
        # -ss before -i seeks by index: fast, and exact enough for a cover frame.
        *("-ss", f"{at_seconds:.3f}", "-i", _file(source)),
        *("-frames:v", "1", "-vf", f"{scale}setsar=1", "-q:v", "3"),
        *("-f", "image2", "-c:v", "mjpeg", "pipe:1"),
    ]
    done = _run(command, timeout, "extracting a thumbnail")
    if not done.stdout:
        raise _unfixable(f"no frame could be read at {at_seconds:g} s.")
    return done.stdout


def _file(path: Path) -> str:
    # Absolute and explicitly a file: a name starting with "-" or looking like "http:" or
    # "concat:" is never read as an option or a protocol.
    return f"file:{path.resolve()}"


def _run(command: list[str], timeout: float, doing: str) -> subprocess.CompletedProcess[bytes]:
    try:
        # A fixed argument list of our own paths and numbers: no shell, no user text.
        done = subprocess.run(  # noqa: S603
            command, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise _unfixable(
            f"{doing} took longer than {timeout:g} s; shorten it or lower its resolution first."
        ) from exc
    if done.returncode != 0:
        raise _unfixable(f"ffmpeg failed while {doing}: {_reason(done.stderr)}")
    return done


def _reason(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    # With -loglevel error every line is an error; the first ones name the cause, the
    # later ones its consequences.
    useful = list(dict.fromkeys(line for line in lines if line))[:3]
    return "; ".join(useful) if useful else "it gave no reason (the file may be damaged)."
