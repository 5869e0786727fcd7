"""What an uploaded file really is: the posts domain's door to `orchestre.media.probe`.

The measuring lives in the media package (shared with media processing); this module keeps
the posts domain's names and lets tests replace `ffprobe_path` to act as a server without it.
"""

from __future__ import annotations

from pathlib import Path

from orchestre.media import probe
from orchestre.media.probe import ACCEPTED, MAX_IMAGE_PIXELS, Measured

__all__ = ["ACCEPTED", "MAX_IMAGE_PIXELS", "Measured", "ffprobe_path", "measure"]


def ffprobe_path() -> str | None:
    return probe.ffprobe_path()


def measure(path: Path) -> Measured:
    """Identify and measure a file, or raise UnsupportedMedia / TooLarge saying why."""
    # Looked up at call time so a replaced ffprobe_path (tests) is the one used.
    return probe.measure(path, find_ffprobe=lambda: ffprobe_path())
