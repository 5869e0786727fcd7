"""'Fix for <network>': what a file should become to fit a network's format, as plain data.

The fields are named like orchestre.media's ImageTarget and VideoTarget, so a caller builds
the target from a plan field by field; the rules never import the media processing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from orchestre.connectors.rules.media import ratio, rules_for
from orchestre.connectors.rules.media_limits import JPEG, PNG, WEBP, KindLimits
from orchestre.connectors.rules.types import MediaFacts

IMAGE_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
# Networks play 30 fps everywhere; higher rates cost bytes that some networks refuse.
DEFAULT_FPS = 30.0


@dataclass(frozen=True)
class ImageFix:
    format: str  # JPEG | PNG | WEBP
    max_width: int | None = None
    max_height: int | None = None
    aspect: str | None = None
    max_bytes: int | None = None


@dataclass(frozen=True)
class VideoFix:
    width: int
    height: int
    fit: str = "pad"
    max_fps: float = DEFAULT_FPS
    max_seconds: float | None = None


def fix_for(network: str, format: str, facts: MediaFacts) -> ImageFix | VideoFix | None:
    """The conversion that makes `facts` fit, or None when no conversion can (wrong kind)."""
    rules = rules_for(network, format)
    if facts.kind == "video":
        return _video_fix(rules.video, facts) if rules.video else None
    limits = rules.gif if facts.kind == "gif" else rules.image
    return _image_fix(limits, facts) if limits else None


def _image_fix(limits: KindLimits, facts: MediaFacts) -> ImageFix | None:
    output = _output_format(limits, facts.content_type)
    if output is None:
        return None
    aspect = _aspect_target(limits, facts)
    width, height = _after_crop(facts, aspect)
    bound = _box(limits)
    if limits.max_pixels and width * height > limits.max_pixels:
        side = math.floor(max(width, height) * math.sqrt(limits.max_pixels / (width * height)))
        bound = min(bound or side, side)
    return ImageFix(output, bound, bound, aspect, limits.max_bytes)


def _output_format(limits: KindLimits, content_type: str) -> str | None:
    # Keep PNG or WebP when taken (transparency, sharp edges); JPEG otherwise.
    if content_type in limits.types and content_type in IMAGE_FORMATS:
        return IMAGE_FORMATS[content_type]
    for candidate in (JPEG, WEBP, PNG):
        if candidate in limits.types:
            return IMAGE_FORMATS[candidate]
    return None


def _aspect_target(limits: KindLimits, facts: MediaFacts) -> str | None:
    if not facts.width or not facts.height:
        return limits.recommended_aspect
    actual = facts.width / facts.height
    if limits.aspect is not None:
        low, high = limits.aspect
        too_tall = low is not None and actual < ratio(low)
        too_wide = high is not None and actual > ratio(high)
        if too_tall or too_wide:
            # The ratio the network shows best, else the nearest one it takes.
            return limits.recommended_aspect or (low if too_tall else high)
    return limits.recommended_aspect


def _after_crop(facts: MediaFacts, aspect: str | None) -> tuple[int, int]:
    width, height = facts.width or 1, facts.height or 1
    if aspect is None:
        return width, height
    wanted = ratio(aspect)
    if width / height > wanted:
        return round(height * wanted), height
    return width, round(width / wanted)


def _box(limits: KindLimits) -> int | None:
    sides = [
        limits.scaled_width[1] if limits.scaled_width else None,
        limits.max_width,
        limits.max_height,
        limits.max_side,
        limits.soft_box[0] if limits.soft_box else None,
    ]
    known = [side for side in sides if side]
    return min(known) if known else None


def _video_fix(limits: KindLimits, facts: MediaFacts) -> VideoFix:
    aspect = _aspect_target(limits, facts)
    width, height = facts.width or 1080, facts.height or 1920
    shape = ratio(aspect) if aspect else width / height
    long_side = min(1920, _box(limits) or 1920)
    short_side = round(long_side * 9 / 16)
    if shape < 0.95:
        frame = (short_side, long_side)
    elif shape > 1.05:
        frame = (long_side, short_side)
    else:
        frame = (short_side, short_side)
    if aspect is not None and abs(shape - frame[0] / frame[1]) > 0.01:
        frame = (frame[0], round(frame[0] / shape / 2) * 2)
    fps = min(limits.max_fps or DEFAULT_FPS, DEFAULT_FPS)
    too_long = (
        limits.max_seconds is not None
        and facts.duration_seconds is not None
        and facts.duration_seconds > limits.max_seconds
    )
    return VideoFix(
        frame[0], frame[1], max_fps=fps, max_seconds=limits.max_seconds if too_long else None
    )
