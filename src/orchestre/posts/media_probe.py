"""What an uploaded file really is: the posts domain's door to `orchestre.media.probe`.

The measuring lives in the media package (shared with media processing); this module keeps
the posts domain's names and lets tests replace `ffprobe_path` to act as a server without it.
It also turns a measurement into the columns stored on a `MediaAsset`, and a stored asset
back into the facts the network rules check, so the rules never re-open a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestre.connectors.rules import MediaFacts
from orchestre.connectors.rules.media import media_facts
from orchestre.media import probe
from orchestre.media.probe import ACCEPTED, MAX_IMAGE_PIXELS, Measured

if TYPE_CHECKING:  # `orchestre validate` measures files without loading the models
    from orchestre.models import MediaAsset

__all__ = [
    "ACCEPTED",
    "MAX_IMAGE_PIXELS",
    "Measured",
    "facts_of",
    "ffprobe_path",
    "measure",
    "measured_columns",
]


def ffprobe_path() -> str | None:
    return probe.ffprobe_path()


def measure(path: Path) -> Measured:
    """Identify and measure a file, or raise UnsupportedMedia / TooLarge saying why."""
    # Looked up at call time so a replaced ffprobe_path (tests) is the one used.
    return probe.measure(path, find_ffprobe=lambda: ffprobe_path())


def measured_columns(measured: Measured) -> dict[str, Any]:
    """The MediaAsset columns a measurement fills (what the media rules check later)."""
    return {
        "kind": measured.kind,
        "content_type": measured.content_type,
        "size_bytes": measured.size_bytes,
        "width": measured.width,
        "height": measured.height,
        "duration_seconds": measured.duration_seconds,
        "video_codec": measured.video_codec,
        "audio_codec": measured.audio_codec,
        "frame_rate": measured.frame_rate,
    }


def facts_of(asset: MediaAsset) -> MediaFacts:
    """The facts measured at upload, as the network rules read them."""
    return media_facts(
        Measured(
            kind=asset.kind,
            content_type=asset.content_type,
            extension="",
            width=asset.width,
            height=asset.height,
            duration_seconds=asset.duration_seconds,
            size_bytes=asset.size_bytes,
            video_codec=asset.video_codec,
            audio_codec=asset.audio_codec,
            frame_rate=asset.frame_rate,
        ),
        alt_text=asset.alt_text or "",
    )
