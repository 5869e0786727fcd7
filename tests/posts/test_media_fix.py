"""'Fix for <network>' through the API: images at once, videos by the job, rules re-checked."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.connectors.rules import check_media
from orchestre.connectors.rules.media import media_facts
from orchestre.models import MediaAsset
from orchestre.posts import media_fix
from orchestre.posts.media_probe import measure
from orchestre.worker import bind_dispatcher
from orchestre.worker.execute import perform
from orchestre.worker.registry import load_task_modules
from tests.posts.conftest import Team, create_post, image_bytes, upload
from tests.worker.jobs import Recorder

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed",
)
GPS_IFD = 0x8825


@pytest.fixture
def jobs(session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Jobs sent after commit are kept, to be run inline by `run_jobs`; videos encode fast."""
    load_task_modules()
    recorder = Recorder()
    bind_dispatcher(session_factory, recorder)
    # The rules check the codec, not the H.264 profile: the fastest preset will do.
    monkeypatch.setattr(media_fix, "VIDEO_PRESET", "ultrafast")
    return recorder


def run_jobs(factory: sessionmaker[Session], recorder: Recorder) -> int:
    sent, recorder.sent = recorder.sent, []
    for job in sent:
        perform(factory, job)
    return len(sent)


def make_clip(path: Path, *, seconds: float = 3.2, size: str = "1280x720") -> bytes:
    """A landscape test pattern with a tone, made by ffmpeg itself."""
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=24:duration={seconds}"]
    command += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-shortest", str(path)]
    subprocess.run(command, check=True, timeout=60)
    return path.read_bytes()


def photo_with_gps(size: tuple[int, int] = (2000, 800)) -> bytes:
    exif = Image.Exif()
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 8.0)})
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def fix(client: TestClient, team: Team, media_id: str, network: str, fmt: str = "feed") -> Any:
    return client.post(
        team.url(f"/media/{media_id}/fix"),
        json={"network": network, "format": fmt},
        headers=team.headers["owner"],
    )


def stored_errors(settings: Settings, asset: dict[str, Any], network: str, fmt: str) -> list[str]:
    """The fixed file measured again from disk and checked against the network's rules."""
    path = settings.media_dir / str(asset["workspace_id"]) / f"{asset['id']}.{_ext(asset)}"
    facts = media_facts(measure(path))
    return [v.message for v in check_media(network, [facts], fmt) if v.severity == "error"]


def _ext(asset: dict[str, Any]) -> str:
    return {"image/jpeg": "jpg", "video/mp4": "mp4"}.get(asset["content_type"], "png")


def test_a_wide_photo_is_fixed_for_an_instagram_post_at_once(
    client: TestClient, team: Team, settings: Settings, jobs: Recorder
) -> None:
    original = upload(client, team, photo_with_gps(), name="terrasse.jpg").json()
    assert check_media("instagram", [_facts(original)], "feed")  # 2.5:1 is too wide

    response = fix(client, team, original["id"], "instagram")

    assert response.status_code == 201, response.text
    fixed = response.json()
    assert fixed["source_media_id"] == original["id"]
    assert (fixed["network"], fixed["format"], fixed["status"]) == ("instagram", "feed", "ready")
    assert fixed["content_type"] == "image/jpeg"
    assert fixed["filename"] == "terrasse-instagram-feed.jpg"
    assert fixed["width"] / fixed["height"] == pytest.approx(1.91, abs=0.01)
    assert fixed["width"] <= 1440
    assert stored_errors(settings, fixed, "instagram", "feed") == []
    served = client.get(fixed["file_url"], headers=team.headers["analyst"])
    assert served.status_code == 200
    image = Image.open(io.BytesIO(served.content))
    assert dict(image.getexif().get_ifd(GPS_IFD)) == {}  # the location is gone
    assert jobs.sent == []  # nothing left for the worker

    listed = client.get(team.url("/media"), headers=team.headers["owner"]).json()["items"]
    assert {m["id"] for m in listed} == {original["id"], fixed["id"]}
    again = fix(client, team, original["id"], "instagram")
    assert (again.status_code, again.json()["id"]) == (200, fixed["id"])
    from_fixed = fix(client, team, fixed["id"], "instagram")  # always from the original
    assert from_fixed.json()["id"] == fixed["id"]


def _facts(asset: dict[str, Any]) -> Any:
    return media_facts(_Measured(asset))


class _Measured:
    """An API media picture read as a probe's measurement."""

    def __init__(self, asset: dict[str, Any]) -> None:
        self.__dict__.update(asset)


# Instagram takes Reels of 3 s or more; YouTube has no minimum: each test stays short.
@pytest.mark.parametrize(
    ("network", "fmt", "seconds"), [("instagram", "reel", 3.1), ("youtube", "short", 1.0)]
)
def test_a_landscape_video_is_fixed_for_a_vertical_format_by_the_job(
    client: TestClient,
    team: Team,
    settings: Settings,
    jobs: Recorder,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    network: str,
    fmt: str,
    seconds: float,
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=seconds)
    original = upload(client, team, clip, name="clip.mp4").json()
    assert (original["width"], original["height"]) == (1280, 720)

    response = fix(client, team, original["id"], network, fmt)

    assert response.status_code == 202, response.text
    pending = response.json()
    assert (pending["status"], pending["source_media_id"]) == ("processing", original["id"])
    assert pending["thumbnail_url"] is None
    assert jobs.names == [media_fix.FIX_VIDEO_TASK]
    same = fix(client, team, original["id"], network, fmt)
    assert (same.status_code, same.json()["id"]) == (202, pending["id"])
    assert run_jobs(session_factory, jobs) == 1

    fixed = client.get(team.url(f"/media/{pending['id']}"), headers=team.headers["owner"]).json()
    assert fixed["status"] == "ready", fixed["status_reason"]
    assert (fixed["width"], fixed["height"]) == (1080, 1920)
    assert (fixed["video_codec"], fixed["audio_codec"]) == ("h264", "aac")
    assert fixed["content_type"] == "video/mp4"
    assert fixed["duration_seconds"] == pytest.approx(seconds, abs=0.15)
    assert fixed["filename"] == f"clip-{network}-{fmt}.mp4"
    assert stored_errors(settings, fixed, network, fmt) == []
    thumb = client.get(fixed["thumbnail_url"], headers=team.headers["analyst"])
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    cover = Image.open(io.BytesIO(thumb.content))
    assert cover.format == "JPEG"
    assert cover.size[0] <= media_fix.THUMBNAIL_MAX_WIDTH
    assert cover.size[1] > cover.size[0]  # portrait, like the video
    assert run_jobs(session_factory, jobs) == 0


def test_a_conversion_that_fails_says_why(
    client: TestClient,
    team: Team,
    settings: Settings,
    jobs: Recorder,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    original = upload(client, team, make_clip(tmp_path / "c.mp4", size="320x180")).json()
    pending = fix(client, team, original["id"], "tiktok").json()
    # The original is damaged on disk between the request and the job.
    (settings.media_dir / str(team.ws.id) / f"{original['id']}.mp4").write_bytes(b"\0" * 100)
    run_jobs(session_factory, jobs)

    failed = client.get(team.url(f"/media/{pending['id']}"), headers=team.headers["owner"]).json()
    assert failed["status"] == "failed"
    assert "damaged" in failed["status_reason"]
    assert failed["thumbnail_url"] is None
    missing = client.get(
        team.url(f"/media/{pending['id']}/thumbnail"), headers=team.headers["owner"]
    )
    assert missing.status_code == 404
    assert not (settings.media_dir / str(team.ws.id) / f"{pending['id']}.mp4").exists()
    assert list((settings.media_dir / ".incoming").iterdir()) == []
    post = create_post(
        client,
        team,
        channel_ids=[str(team.channels[0].id)],
        variants=[{"channel_id": str(team.channels[0].id), "media_ids": [pending["id"]]}],
    )
    status = [f for f in post["variants"][0]["findings"] if f["rule"] == "media.status"]
    assert [(f["field"], f["severity"], f["actual"]) for f in status] == [
        ("media[0]", "error", "failed")
    ]
    # A failed fix does not count as done: asking again starts a new conversion.
    retry = fix(client, team, original["id"], "tiktok")
    assert retry.status_code == 202
    assert retry.json()["id"] != pending["id"]


@pytest.mark.parametrize(
    ("kind", "network", "fmt", "why"),
    [
        ("video", "instagram", "feed", "does not take videos"),
        ("image", "youtube", "short", "does not take images"),
        ("short_video", "instagram", "reel", "lasts at least 3 s"),
        ("gif", "x", "feed", "cannot convert animated GIFs"),
        ("image", "myspace", "feed", "Unknown network"),
        ("image", "instagram", "short", "has no 'short' format"),
    ],
)
def test_a_file_that_cannot_be_fixed_gets_422_with_the_reason(
    client: TestClient,
    team: Team,
    settings: Settings,
    jobs: Recorder,
    tmp_path: Path,
    kind: str,
    network: str,
    fmt: str,
    why: str,
) -> None:
    data = {
        "video": lambda: make_clip(tmp_path / "v.mp4", seconds=0.5, size="320x180"),
        "short_video": lambda: make_clip(tmp_path / "s.mp4", seconds=1, size="320x180"),
        "image": lambda: image_bytes(size=(400, 300)),
        "gif": lambda: image_bytes("GIF", size=(40, 30)),
    }[kind]()
    original = upload(client, team, data).json()

    response = fix(client, team, original["id"], network, fmt)

    assert response.status_code == 422, response.text
    assert why in response.json()["detail"]
    assert jobs.sent == []
    stored = list((settings.media_dir / str(team.ws.id)).iterdir())
    assert [p.stem for p in stored] == [original["id"]]


def test_deleting_the_original_removes_the_fixed_files_after_commit(
    client: TestClient, team: Team, settings: Settings, jobs: Recorder
) -> None:
    original = upload(client, team, photo_with_gps((1200, 1200))).json()
    fixed = fix(client, team, original["id"], "instagram", "story").json()
    folder = settings.media_dir / str(team.ws.id)
    assert len(list(folder.iterdir())) == 2

    assert (
        client.delete(team.url(f"/media/{fixed['id']}"), headers=team.headers["owner"]).status_code
        == 204
    )
    assert len(list(folder.iterdir())) == 1
    again = fix(client, team, original["id"], "instagram", "story").json()
    deleted = client.delete(team.url(f"/media/{original['id']}"), headers=team.headers["owner"])

    assert deleted.status_code == 204
    assert list(folder.iterdir()) == []
    gone = client.get(team.url(f"/media/{again['id']}"), headers=team.headers["owner"])
    assert gone.status_code == 404


def test_a_fix_rolled_back_leaves_no_file(
    session_factory: sessionmaker[Session],
    db: Session,
    client: TestClient,
    team: Team,
    settings: Settings,
) -> None:
    original = upload(client, team, photo_with_gps()).json()
    db.commit()
    session = session_factory()
    result = media_fix.fix_media(
        session,
        team.actor(),
        uuid.UUID(original["id"]),
        "x",
        media_root=settings.media_dir,
    )
    path = settings.media_dir / result.asset.storage_key
    assert path.exists()
    session.rollback()
    session.close()
    assert not path.exists()
    assert db.get(MediaAsset, result.asset.id) is None
