"""Image processing: safe opening, orientation, crop, resize, conversion, metadata stripped."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from orchestre.errors import TooLarge, UnsupportedMedia
from orchestre.media import images
from orchestre.media.images import ImageTarget, crop_to_aspect, open_image, process_image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
CAMERA_SERIAL = 0xA431  # BodySerialNumber


def phone_photo(size: tuple[int, int] = (400, 300), orientation: int = 6) -> bytes:
    """A JPEG stored sideways with a GPS position, as phones write them."""
    picture = Image.new("RGB", size, (20, 120, 200))
    # A red mark in the stored top-left corner, to see where rotation puts it.
    picture.paste((255, 0, 0), (0, 0, 40, 40))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    exif.get_ifd(0x8769)[CAMERA_SERIAL] = "SN-123456"
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def encoded(fmt: str, size: tuple[int, int] = (300, 200), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    colour: tuple[int, ...] = (10, 200, 30, 0) if mode == "RGBA" else (10, 200, 30)
    Image.new(mode, size, colour).save(buffer, fmt)
    return buffer.getvalue()


def reopened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_phone_photo_fixture_really_carries_gps_and_a_rotation() -> None:
    original = reopened(phone_photo())
    assert original.getexif()[ORIENTATION] == 6
    assert original.getexif().get_ifd(GPS_IFD)[1] == "N"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_output_is_upright_and_carries_no_location_or_identifying_metadata(fmt: str) -> None:
    result = process_image(phone_photo(), ImageTarget(format=fmt))  # type: ignore[arg-type]
    out = reopened(result.data)
    # Stored 400x300 with orientation 6 (rotate 90° clockwise): people see 300x400.
    assert (out.width, out.height) == (result.width, result.height) == (300, 400)
    # The stored top-left red corner is now at the top-right.
    red, green, blue = out.convert("RGB").getpixel((out.width - 10, 10))  # type: ignore[misc]
    assert (red > 200, green < 60, blue < 60) == (True, True, True)
    assert out.format == fmt
    assert result.content_type == {"JPEG": "image/jpeg", "PNG": "image/png"}.get(fmt, "image/webp")
    exif = out.getexif()
    assert len(exif) == 0
    assert not exif.get_ifd(GPS_IFD)
    assert "exif" not in out.info
    assert "xmp" not in out.info
    assert b"SN-123456" not in result.data
    assert b"PhoneMaker" not in result.data
    assert result.size_bytes == len(result.data)


def test_resize_fits_the_box_and_never_enlarges() -> None:
    big = process_image(encoded("PNG", (4000, 3000)), ImageTarget(max_width=1440))
    assert (big.width, big.height) == (1440, 1080)
    boxed = process_image(
        encoded("PNG", (3000, 4000)), ImageTarget(max_width=2000, max_height=1000)
    )
    assert (boxed.width, boxed.height) == (750, 1000)
    small = process_image(encoded("PNG", (200, 100)), ImageTarget(max_width=1440))
    assert (small.width, small.height) == (200, 100)


@pytest.mark.parametrize(
    ("size", "aspect", "expected"),
    [
        ((1920, 1080), "4:5", (864, 1080)),
        ((1080, 1920), "4:5", (1080, 1350)),
        ((1000, 1000), "1.91:1", (1000, 524)),
        ((1080, 1350), "4:5", (1080, 1350)),
        ((1920, 1080), "9:16", (608, 1080)),
    ],
)
def test_crop_reaches_the_aspect_ratio_with_the_largest_centred_area(
    size: tuple[int, int], aspect: str, expected: tuple[int, int]
) -> None:
    result = process_image(encoded("PNG", size), ImageTarget(format="PNG", aspect=aspect))
    assert (result.width, result.height) == expected


def test_a_focal_point_stays_in_the_crop() -> None:
    picture = Image.new("RGB", (1000, 500), (0, 0, 0))
    picture.paste((255, 255, 255), (900, 200, 950, 250))  # a subject near the right edge
    centred = crop_to_aspect(picture, "1:1")
    assert centred.getbbox() is None  # the centre crop loses the subject
    focused = crop_to_aspect(picture, "1:1", focal_point=(0.925, 0.45))
    assert focused.size == (500, 500)
    assert focused.getbbox() is not None
    assert crop_to_aspect(picture, "1:1", focal_point=(1.0, 1.0)).getbbox() is not None


def test_transparency_is_laid_on_white_for_jpeg_and_kept_for_png() -> None:
    clear = encoded("PNG", (50, 50), mode="RGBA")
    as_jpeg = reopened(process_image(clear, ImageTarget(format="JPEG")).data)
    assert as_jpeg.mode == "RGB"
    assert as_jpeg.getpixel((25, 25)) == (255, 255, 255)
    as_png = reopened(process_image(clear, ImageTarget(format="PNG")).data)
    assert as_png.mode == "RGBA"


def test_a_size_cap_lowers_quality_then_dimensions_until_it_fits() -> None:
    noisy = Image.effect_noise((1200, 1200), 100).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    result = process_image(buffer.getvalue(), ImageTarget(max_bytes=150_000))
    assert result.size_bytes <= 150_000
    assert result.width < 1200
    with pytest.raises(UnsupportedMedia, match="cannot be fixed because it stays above"):
        process_image(buffer.getvalue(), ImageTarget(format="PNG", max_bytes=500))


def test_a_truncated_file_is_refused_with_the_reason() -> None:
    whole = encoded("PNG", (400, 400))
    with pytest.raises(UnsupportedMedia, match="damaged or incomplete") as caught:
        open_image(whole[: len(whole) // 2])
    assert caught.value.code == "media_damaged"
    assert "truncated" in caught.value.detail or "broken" in caught.value.detail


def test_a_decompression_bomb_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 10_000)
    with pytest.raises(TooLarge, match="too many pixels"):
        open_image(encoded("PNG", (200, 200)))


def test_a_bomb_that_pillow_detects_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)
    with pytest.raises(TooLarge, match="decompression bomb"):
        open_image(encoded("PNG", (100, 100)))


def test_wrong_types_and_animations_say_why() -> None:
    with pytest.raises(UnsupportedMedia, match="not a JPEG, PNG, GIF or WebP"):
        open_image(b"%PDF-1.7 not a picture")
    with pytest.raises(UnsupportedMedia, match="not a JPEG, PNG, GIF or WebP"):
        open_image(encoded("BMP"))
    frames = [Image.new("RGB", (20, 20), (80 * i, 0, 0)) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(UnsupportedMedia, match="it is animated"):
        open_image(buffer.getvalue())
