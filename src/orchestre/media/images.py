"""Image processing with Pillow: open safely, orient, crop, resize, convert, strip metadata.

Opening bounds the pixel count before decoding (decompression bombs) and decodes in full
(truncated files). Output never carries EXIF (GPS position, camera serial, date), XMP or
comments: only the pixels and, for colour fidelity, the ICC profile.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any, Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from orchestre.errors import TooLarge, UnsupportedMedia
from orchestre.media.probe import IMAGE_FORMATS, MAX_IMAGE_PIXELS

OutputFormat = Literal["JPEG", "PNG", "WEBP"]
CONTENT_TYPES: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# Below this JPEG/WebP quality, artefacts show; shrink the picture instead.
LOWEST_QUALITY = 60
SHRINK_STEPS = 8
# Shrinking below this to meet a byte cap would not be a fix but a different picture.
SMALLEST_SIDE = 320


@dataclass(frozen=True)
class ImageTarget:
    """What the output must be; None means "keep as it is"."""

    format: OutputFormat = "JPEG"
    quality: int = 85
    max_width: int | None = None
    max_height: int | None = None
    aspect: str | None = None  # "4:5" = width:height, reached by cropping
    focal_point: tuple[float, float] | None = None  # (x, y) in 0..1 kept in the crop
    max_bytes: int | None = None  # lower the quality, then the size, until it fits


@dataclass(frozen=True)
class ProcessedImage:
    """The new file and its facts."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    kind: str = "image"

    @property
    def size_bytes(self) -> int:
        return len(self.data)


def _unfixable(reason: str, code: str = "media_unfixable") -> UnsupportedMedia:
    return UnsupportedMedia(f"This image cannot be fixed because {reason}", code=code)


def open_image(data: bytes) -> Image.Image:
    """Decode an accepted image in full, or raise UnsupportedMedia / TooLarge saying why."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise TooLarge(
                    f"This image has too many pixels ({width} × {height}); the limit is "
                    f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels. Resize it first.",
                    code="image_too_many_pixels",
                )
            image.load()
        except UnidentifiedImageError as exc:
            raise _unfixable(
                "it is not a JPEG, PNG, GIF or WebP image.", code="unsupported_media"
            ) from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooLarge(
                "This image looks like a decompression bomb (far more pixels than its file "
                "size suggests); it was not opened.",
                code="image_too_many_pixels",
            ) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _unfixable(
                f"it is damaged or incomplete ({exc}); export it again and upload the new file.",
                code="media_damaged",
            ) from exc
    if getattr(image, "is_animated", False):
        raise _unfixable(
            "it is animated, and resizing would keep only its first frame; "
            "edit it in an animation tool or post it as it is where the network takes it."
        )
    return image


def process_image(data: bytes, target: ImageTarget) -> ProcessedImage:
    """Orient, crop to the aspect, fit in the box, convert, and drop identifying metadata."""
    image = ImageOps.exif_transpose(open_image(data))
    icc = image.info.get("icc_profile")
    if target.aspect is not None:
        image = crop_to_aspect(image, target.aspect, target.focal_point)
    image = _fit(image, target.max_width, target.max_height)
    image = _convert_mode(image, target.format)
    encoded, image = _encode(image, target, icc)
    return ProcessedImage(
        encoded.getvalue(), *CONTENT_TYPES[target.format], image.width, image.height
    )


def crop_to_aspect(
    image: Image.Image, aspect: str, focal_point: tuple[float, float] | None = None
) -> Image.Image:
    """The largest crop of `aspect` (w:h) centred on the focal point (default: the centre)."""
    ratio_w, ratio_h = (float(part) for part in aspect.split(":"))
    wanted = ratio_w / ratio_h
    width, height = image.size
    if width / height > wanted:
        crop_w, crop_h = max(1, round(height * wanted)), height
    else:
        crop_w, crop_h = width, max(1, round(width / wanted))
    fx, fy = focal_point or (0.5, 0.5)
    left = _clamp(round(fx * width - crop_w / 2), 0, width - crop_w)
    top = _clamp(round(fy * height - crop_h / 2), 0, height - crop_h)
    return image.crop((left, top, left + crop_w, top + crop_h))


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def _fit(image: Image.Image, max_width: int | None, max_height: int | None) -> Image.Image:
    width, height = image.size
    scale = min(
        (max_width or width) / width,
        (max_height or height) / height,
        1.0,  # never enlarge: networks upscale as well as we would, and files stay small
    )
    if scale >= 1.0:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _convert_mode(image: Image.Image, fmt: OutputFormat) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if fmt == "JPEG":
        if has_alpha:
            rgba = image.convert("RGBA")
            # JPEG has no transparency: lay the picture on white, as viewers would show it.
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if has_alpha:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


def _encode(image: Image.Image, target: ImageTarget, icc: object) -> tuple[io.BytesIO, Image.Image]:
    quality = target.quality
    for _ in range(SHRINK_STEPS + 1):
        buffer = _save(image, target.format, quality, icc)
        if target.max_bytes is None or buffer.tell() <= target.max_bytes:
            return buffer, image
        if target.format != "PNG" and quality > LOWEST_QUALITY:
            quality = max(LOWEST_QUALITY, quality - 10)
        else:
            # Bytes grow with the area: aim a little under the cap, by at most half per step.
            scale = min(0.9, max(0.5, 0.95 * (target.max_bytes / buffer.tell()) ** 0.5))
            width, height = image.size
            if max(width, height) * scale < SMALLEST_SIDE:
                break
            image = image.resize(
                (max(1, round(width * scale)), max(1, round(height * scale))),
                Image.Resampling.LANCZOS,
            )
    raise _unfixable(
        f"it stays above {target.max_bytes:,} bytes even at quality {quality} and "
        f"{image.width}x{image.height} px; use a simpler picture or a larger limit."
    )


def _save(image: Image.Image, fmt: OutputFormat, quality: int, icc: object) -> io.BytesIO:
    # A fresh copy with empty info: nothing from the original's metadata reaches the encoder.
    clean = image.copy()
    clean.info = {}
    options: dict[str, Any] = {}
    if isinstance(icc, bytes):
        options["icc_profile"] = icc
    if fmt == "JPEG":
        options.update(quality=quality, optimize=True, progressive=True)
    elif fmt == "WEBP":
        options.update(quality=quality, method=4)
    else:
        options.update(optimize=True)
    buffer = io.BytesIO()
    clean.save(buffer, fmt, **options)
    return buffer
