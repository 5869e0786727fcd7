"""Uploading media: identified by content, measured, stored, served, described, deleted."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.errors import TooLarge
from orchestre.posts import media as media_service
from orchestre.posts import media_probe
from tests.posts.conftest import Team, create_post, image_bytes, upload

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(
    FFMPEG is None or shutil.which("ffprobe") is None, reason="ffmpeg/ffprobe not installed"
)


@pytest.mark.parametrize(
    ("fmt", "content_type", "kind"),
    [
        ("PNG", "image/png", "image"),
        ("JPEG", "image/jpeg", "image"),
        ("GIF", "image/gif", "gif"),
        ("WEBP", "image/webp", "image"),
    ],
)
def test_images_are_identified_by_content_not_by_name(
    client: TestClient, team: Team, settings: Settings, fmt: str, content_type: str, kind: str
) -> None:
    data = image_bytes(fmt, size=(120, 80))
    response = upload(client, team, data, name="misleading.txt", declared="text/plain")
    assert response.status_code == 201, response.text
    asset = response.json()
    assert (asset["content_type"], asset["kind"]) == (content_type, kind)
    assert (asset["width"], asset["height"], asset["size_bytes"]) == (120, 80, len(data))
    assert asset["filename"] == "misleading.txt"
    stored = list((settings.media_dir / str(team.ws.id)).iterdir())
    extension = {"image/jpeg": "jpg"}.get(content_type, content_type.split("/")[1])
    assert [p.name for p in stored] == [f"{asset['id']}.{extension}"]

    served = client.get(asset["file_url"], headers=team.headers["analyst"])
    assert served.status_code == 200
    assert served.headers["content-type"] == content_type
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == data


def test_a_sideways_phone_photo_reports_the_dimensions_people_see(
    client: TestClient, team: Team
) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° when displayed
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "green").save(buffer, format="JPEG", exif=exif)
    asset = upload(client, team, buffer.getvalue(), name="portrait.jpg").json()
    assert (asset["width"], asset["height"]) == (300, 400)


def test_an_animated_gif_reports_its_duration(client: TestClient, team: Team) -> None:
    frames = [Image.new("RGB", (20, 20), (i * 60, 0, 0)) for i in range(4)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=250)
    asset = upload(client, team, buffer.getvalue(), name="loop.gif").json()
    assert (asset["kind"], asset["duration_seconds"]) == ("gif", 1.0)


@pytest.mark.parametrize(
    "data",
    [
        b"just some text pretending to be a picture",
        b"%PDF-1.7\n" + b"0" * 100,
        image_bytes("BMP"),
    ],
)
def test_other_content_is_refused_as_unsupported(
    client: TestClient, team: Team, settings: Settings, data: bytes
) -> None:
    response = upload(client, team, data, name="photo.png", declared="image/png")
    assert response.status_code == 415
    assert "JPEG, PNG, GIF or WebP" in response.json()["detail"]
    incoming = settings.media_dir / media_service.INCOMING
    assert not incoming.exists() or list(incoming.iterdir()) == []


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_truncated_image_is_refused(client: TestClient, team: Team, fmt: str) -> None:
    data = image_bytes(fmt, size=(300, 300))
    response = upload(client, team, data[: len(data) // 2])
    assert response.status_code == 415
    assert "damaged or incomplete" in response.json()["detail"]


def test_a_truncated_image_is_refused_after_weasyprint_was_imported(
    client: TestClient, team: Team
) -> None:
    # WeasyPrint (report PDFs) turns Pillow's LOAD_TRUNCATED_IMAGES on for the process.
    import weasyprint.images  # noqa: F401

    data = image_bytes("JPEG", size=(300, 300))
    response = upload(client, team, data[: len(data) // 2])
    assert response.status_code == 415
    assert "damaged or incomplete" in response.json()["detail"]


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [8_000, 20_000, 60_000])
def test_a_decompression_bomb_is_refused(client: TestClient, team: Team, side: int) -> None:
    response = upload(client, team, _png_claiming(side, side))
    assert response.status_code == 413
    assert "megapixels" in response.json()["detail"]


def test_a_file_over_the_limit_is_refused_while_streaming(
    db: Session, team: Team, tmp_path: Path
) -> None:
    data = image_bytes("PNG", size=(400, 400))
    with pytest.raises(TooLarge):
        media_service.upload(
            db,
            team.actor(),
            io.BytesIO(data),
            "big.png",
            media_root=tmp_path,
            max_bytes=len(data) - 1,
        )
    assert list((tmp_path / media_service.INCOMING).iterdir()) == []


def test_an_oversize_request_gets_413(client: TestClient, team: Team, settings: Settings) -> None:
    settings.max_upload_bytes = 10_000
    response = upload(client, team, b"\x00" * 20_000)
    assert response.status_code == 413


def _ffmpeg(tmp_path: Path, name: str, *codec: str) -> bytes:
    out = tmp_path / name
    assert FFMPEG is not None
    done = subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:s=64x48:d=1:r=10",
            *codec,
            "-y",
            str(out),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"this ffmpeg cannot encode {name}: {done.stderr.decode()[-200:]}")
    return out.read_bytes()


@needs_ffmpeg
@pytest.mark.parametrize(
    ("name", "codec", "content_type"),
    [
        ("clip.mp4", ("-c:v", "mpeg4"), "video/mp4"),
        ("clip.mov", ("-c:v", "mpeg4"), "video/quicktime"),
        ("clip.webm", ("-c:v", "libvpx"), "video/webm"),
    ],
)
def test_videos_are_measured_with_ffprobe(
    client: TestClient,
    team: Team,
    tmp_path: Path,
    name: str,
    codec: tuple[str, ...],
    content_type: str,
) -> None:
    data = _ffmpeg(tmp_path, name, *codec)
    response = upload(client, team, data, name="clip.bin", declared="application/octet-stream")
    assert response.status_code == 201, response.text
    asset = response.json()
    assert (asset["kind"], asset["content_type"]) == ("video", content_type)
    assert (asset["width"], asset["height"]) == (64, 48)
    assert asset["duration_seconds"] == pytest.approx(1.0, abs=0.15)


@needs_ffmpeg
def test_matroska_that_is_not_webm_is_refused(
    client: TestClient, team: Team, tmp_path: Path
) -> None:
    data = _ffmpeg(tmp_path, "clip.mkv", "-c:v", "mpeg4")
    assert upload(client, team, data, name="clip.webm").status_code == 415


def test_videos_are_refused_clearly_without_ffprobe(
    client: TestClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media_probe, "ffprobe_path", lambda: None)
    fake_mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64
    response = upload(client, team, fake_mp4, name="clip.mp4")
    assert response.status_code == 415
    assert "ffprobe is not installed" in response.json()["detail"]


def test_alt_text_list_and_permissions(client: TestClient, team: Team, other: Team) -> None:
    mine = upload(client, team, image_bytes(), role="content_creator").json()
    url = team.url(f"/media/{mine['id']}")
    described = client.patch(
        url, json={"alt_text": "A red square"}, headers=team.headers["content_creator"]
    )
    assert described.json()["alt_text"] == "A red square"
    assert (
        client.patch(
            url, json={"alt_text": "x"}, headers=team.headers["community_manager"]
        ).status_code
        == 403
    )
    assert upload(client, team, image_bytes(), role="reviewer").status_code == 403
    listed = client.get(team.url("/media"), headers=team.headers["analyst"]).json()
    assert [m["id"] for m in listed["items"]] == [mine["id"]]
    for path in ("", "/file"):
        assert (
            client.get(
                other.url(f"/media/{mine['id']}{path}"), headers=other.headers["owner"]
            ).status_code
            == 404
        )
    assert (
        client.delete(other.url(f"/media/{mine['id']}"), headers=other.headers["owner"]).status_code
        == 404
    )


def test_delete_is_refused_while_used_and_removes_the_file_after(
    client: TestClient, team: Team, settings: Settings
) -> None:
    asset = upload(client, team, image_bytes()).json()
    path = settings.media_dir / str(team.ws.id) / f"{asset['id']}.png"
    post = create_post(
        client,
        team,
        channel_ids=[str(team.channels[0].id)],
        variants=[{"channel_id": str(team.channels[0].id), "media_ids": [asset["id"]]}],
    )
    assert post["variants"][0]["media"][0]["id"] == asset["id"]
    url = team.url(f"/media/{asset['id']}")
    in_use = client.delete(url, headers=team.headers["owner"])
    assert in_use.status_code == 409
    assert "attached to 1 post variant" in in_use.json()["detail"]
    assert path.exists()

    variant_url = team.url(f"/posts/{post['id']}/variants/{post['variants'][0]['id']}")
    client.patch(variant_url, json={"version": 1, "media_ids": []}, headers=team.headers["owner"])
    assert client.delete(url, headers=team.headers["owner"]).status_code == 204
    assert not path.exists()
    assert client.get(url, headers=team.headers["owner"]).status_code == 404


def test_an_upload_rolled_back_leaves_no_file(
    session_factory: sessionmaker[Session], team: Team, tmp_path: Path, db: Session
) -> None:
    db.commit()  # make the team visible to the new session (the test still rolls back)
    session = session_factory()
    media_service.upload(
        session,
        team.actor(),
        io.BytesIO(image_bytes()),
        "a.png",
        media_root=tmp_path,
        max_bytes=10_000_000,
    )
    stored = list((tmp_path / str(team.ws.id)).iterdir())
    assert len(stored) == 1
    session.rollback()
    session.close()
    assert not stored[0].exists()
