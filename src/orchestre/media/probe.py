"""What a media file really is, read from its content (never its name or declared type).

Images are opened with Pillow (JPEG, PNG, GIF, WebP only): the pixel count is bounded
before decoding so a decompression bomb is refused, `verify()` checks the structure, and
a full decode refuses truncated files. Videos (MP4, MOV, WebM) are measured by ffprobe,
run with a timeout; without ffprobe on the server, videos are refused with a clear message.
Network-agnostic: the posts domain and the media processing both measure through here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image, ImageFile, ImageSequence, UnidentifiedImageError

from orchestre.errors import TooLarge, UnsupportedMedia

# Pillow warns above this many pixels and refuses above twice as many; we refuse above it.
MAX_IMAGE_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
FFPROBE_TIMEOUT_SECONDS = 30

IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
WEBM_VIDEO_CODECS = frozenset({"vp8", "vp9", "av1"})
WEBM_AUDIO_CODECS = frozenset({"vorbis", "opus"})
ISO_MEDIA_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"})
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EXIF_ORIENTATION = 0x0112
QUARTER_TURNS = frozenset({5, 6, 7, 8})
ACCEPTED = "JPEG, PNG, GIF or WebP images and MP4, MOV or WebM videos"


@dataclass(frozen=True)
class Measured:
    """The facts a network's media rules check, as measured from the content."""

    kind: str  # image | gif | video
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    codecs: tuple[str, ...] = ()
    size_bytes: int = 0
    video_codec: str | None = None
    audio_codec: str | None = None
    frame_rate: float | None = None


def unsupported(reason: str, code: str = "unsupported_media") -> UnsupportedMedia:
    return UnsupportedMedia(reason, code=code)


def measure(path: Path, find_ffprobe: Callable[[], str | None] | None = None) -> Measured:
    """Identify and measure a file, or raise UnsupportedMedia / TooLarge saying why."""
    image = _measure_image(path)
    if image is not None:
        return replace(image, size_bytes=path.stat().st_size)
    with path.open("rb") as handle:
        head = handle.read(12)
    if head[4:8] in ISO_MEDIA_BOXES or head.startswith(EBML_MAGIC):
        return measure_video(path, find_ffprobe)
    raise unsupported(f"This file is not a type Orchestre accepts; upload {ACCEPTED}.")


def _bomb(detail: str) -> TooLarge:
    return TooLarge(
        f"This image has too many pixels ({detail}); the limit is "
        f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels. Resize it and upload it again.",
        code="image_too_many_pixels",
    )


def _measure_image(path: Path) -> Measured | None:
    """None when the content is not an accepted image format at all."""
    # WeasyPrint turns Pillow's process-wide LOAD_TRUNCATED_IMAGES on when it is imported
    # (report PDFs): a truncated upload must still be refused, whatever ran before.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=list(IMAGE_FORMATS)) as probe:
                fmt, (width, height) = str(probe.format), probe.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _bomb(f"{width} × {height}")
                probe.verify()
            # verify() leaves the image unusable: decode a fresh copy in full.
            with Image.open(path, formats=[fmt]) as image:
                duration = _decode_all(image)
                if image.getexif().get(EXIF_ORIENTATION) in QUARTER_TURNS:
                    # Phones store portraits sideways and say so in EXIF: report what people see.
                    width, height = height, width
        except UnidentifiedImageError:
            return None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb("a possible decompression bomb") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise unsupported(
                "This image is damaged or incomplete (it could not be decoded to the end); "
                "export it again and upload the new file.",
                code="media_damaged",
            ) from exc
    content_type, extension = IMAGE_FORMATS[fmt]
    kind = "gif" if fmt == "GIF" else "image"
    return Measured(kind, content_type, extension, width, height, duration)


def _decode_all(image: Image.Image) -> float | None:
    """Decode every frame (truncation hides anywhere); the total duration when animated."""
    if not getattr(image, "is_animated", False):
        image.load()
        return None
    total_ms = 0
    for frame in ImageSequence.Iterator(image):
        frame.load()
        total_ms += int(frame.info.get("duration", 0) or 0)
    return total_ms / 1000


def ffprobe_path() -> str | None:
    return shutil.which("ffprobe")


def measure_video(path: Path, find_ffprobe: Callable[[], str | None] | None = None) -> Measured:
    probe = (find_ffprobe or ffprobe_path)()
    if probe is None:
        raise unsupported(
            "Videos cannot be checked on this server because ffprobe is not installed; "
            "ask your administrator to install ffmpeg, or upload an image.",
            code="video_checker_missing",
        )
    command = [
        probe,
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        f"file:{path.resolve()}",  # never read as an option or a protocol
    ]
    try:
        # A fixed argument list with our own temp path: no shell, no user text in the command.
        done = subprocess.run(  # noqa: S603
            command, capture_output=True, timeout=FFPROBE_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise unsupported(
            "This video took too long to analyse; re-encode it and try again.", code="media_damaged"
        ) from exc
    if done.returncode != 0:
        raise unsupported(
            f"This video is damaged or not a format we can read; upload {ACCEPTED}.",
            code="media_damaged",
        )
    try:
        report: dict[str, Any] = json.loads(done.stdout or b"{}")
    except ValueError as exc:
        raise unsupported("This video could not be analysed.", code="media_damaged") from exc
    return replace(_read_report(report), size_bytes=path.stat().st_size)


def _read_report(report: dict[str, Any]) -> Measured:
    fmt = report.get("format") or {}
    names = set(str(fmt.get("format_name", "")).split(","))
    streams = report.get("streams") or []
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    if not videos:
        raise unsupported("This file has no video track; upload a video or an image.")
    video = videos[0]
    codecs = tuple(
        str(s.get("codec_name", "")) for s in streams if s.get("codec_type") in ("video", "audio")
    )
    if "mp4" in names or "mov" in names:
        brand = str((fmt.get("tags") or {}).get("major_brand", "")).strip()
        content_type, extension = (
            ("video/quicktime", "mov") if brand == "qt" else ("video/mp4", "mp4")
        )
    elif "webm" in names and _is_webm(streams):
        content_type, extension = "video/webm", "webm"
    else:
        raise unsupported(f"This video container is not accepted; upload {ACCEPTED}.")
    duration = fmt.get("duration") or video.get("duration")
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    return Measured(
        "video",
        content_type,
        extension,
        width=int(video.get("width") or 0) or None,
        height=int(video.get("height") or 0) or None,
        duration_seconds=round(float(duration), 3) if duration is not None else None,
        codecs=codecs,
        video_codec=str(video.get("codec_name") or "") or None,
        audio_codec=str(audios[0].get("codec_name") or "") or None if audios else None,
        frame_rate=_frame_rate(video),
    )


def _frame_rate(stream: dict[str, Any]) -> float | None:
    # avg_frame_rate is what plays; r_frame_rate is a timebase guess ("0/0" when unknown).
    for key in ("avg_frame_rate", "r_frame_rate"):
        try:
            value = Fraction(str(stream.get(key) or "0/0"))
        except (ValueError, ZeroDivisionError):
            continue
        if value > 0:
            return round(float(value), 3)
    return None


def _is_webm(streams: list[dict[str, Any]]) -> bool:
    # ffprobe names Matroska and WebM alike; WebM allows only these codecs.
    for stream in streams:
        codec = str(stream.get("codec_name", ""))
        if stream.get("codec_type") == "video" and codec not in WEBM_VIDEO_CODECS:
            return False
        if stream.get("codec_type") == "audio" and codec not in WEBM_AUDIO_CODECS:
            return False
    return True
