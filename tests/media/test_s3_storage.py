"""Media kept in an S3-compatible bucket (moto's server on 127.0.0.1): upload, serve, fix,
the video job and its thumbnail, publishing's local copy, delete."""

from __future__ import annotations

import io
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.kit.crypto import new_key
from orchestre.media.storage import LocalStorage, S3Storage, media_storage
from orchestre.posts import media_fix, tasks
from orchestre.publishing.gateway import draft_of
from orchestre.worker import bind_dispatcher
from orchestre.worker.execute import perform
from orchestre.worker.registry import load_task_modules
from tests.posts.conftest import Team, build_team, create_post, image_bytes, upload
from tests.worker.jobs import Recorder

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed",
)
KEY_ID, SECRET = "testing-key", "testing-secret"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def settings(tmp_path: Path, s3_endpoint: str) -> Settings:
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    _client(s3_endpoint).create_bucket(Bucket=bucket)
    return Settings(
        data_dir=tmp_path / "data",
        encryption_keys=new_key(),
        job_backend="embedded",
        media_storage="s3",
        media_s3_bucket=bucket,
        media_s3_endpoint_url=s3_endpoint,
        media_s3_access_key_id=KEY_ID,
        media_s3_secret_access_key=SECRET,  # type: ignore[arg-type]
        media_s3_prefix="orchestre/",
    )


@pytest.fixture
def team(db: Session) -> Team:
    return build_team(db)


@pytest.fixture
def other(db: Session) -> Team:
    return build_team(db)


def _client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )


def objects(settings: Settings) -> list[str]:
    answer = _client(str(settings.media_s3_endpoint_url)).list_objects_v2(
        Bucket=settings.media_s3_bucket
    )
    return sorted(item["Key"] for item in answer.get("Contents", []))


def test_an_upload_is_stored_in_the_bucket_and_streamed_back(
    client: TestClient, team: Team, other: Team, settings: Settings
) -> None:
    data = image_bytes("PNG", size=(90, 160))
    response = upload(client, team, data, name="poster.png")
    assert response.status_code == 201, response.text
    asset = response.json()
    assert asset["orientation"] == "portrait"
    assert objects(settings) == [f"orchestre/{team.ws.id}/{asset['id']}.png"]
    assert not (settings.media_dir / str(team.ws.id)).exists()  # nothing kept on disk

    served = client.get(asset["file_url"], headers=team.headers["analyst"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == data
    foreign = asset["file_url"].replace(str(team.ws.id), str(other.ws.id))
    assert client.get(foreign, headers=other.headers["owner"]).status_code == 404


def test_a_redirect_gives_a_short_lived_presigned_address(
    client: TestClient, team: Team, settings: Settings
) -> None:
    settings.media_s3_downloads = "redirect"
    data = image_bytes("JPEG", size=(200, 100))
    asset = upload(client, team, data, name="wide.jpg").json()
    served = client.get(asset["file_url"], headers=team.headers["owner"], follow_redirects=False)
    assert served.status_code == 307
    location = served.headers["location"]
    assert location.startswith(str(settings.media_s3_endpoint_url))
    assert "X-Amz-Expires=300" in location
    fetched = httpx.get(location)
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["content-type"] == "image/jpeg"


def test_an_image_fixed_for_a_network_is_a_new_object(
    client: TestClient, team: Team, settings: Settings
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 800), (10, 120, 200)).save(buffer, "JPEG")
    original = upload(client, team, buffer.getvalue(), name="wide.jpg").json()
    response = client.post(
        team.url(f"/media/{original['id']}/fix"),
        json={"network": "instagram", "format": "feed"},
        headers=team.headers["owner"],
    )
    assert response.status_code == 201, response.text
    fixed = response.json()
    assert f"orchestre/{team.ws.id}/{fixed['id']}.jpg" in objects(settings)
    served = client.get(fixed["file_url"], headers=team.headers["owner"])
    picture = Image.open(io.BytesIO(served.content))
    assert picture.size == (fixed["width"], fixed["height"])
    assert "instagram" in fixed["fits"]


@needs_ffmpeg
def test_a_video_is_converted_by_the_job_from_the_bucket_with_its_thumbnail(
    client: TestClient,
    team: Team,
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.posts.test_media_fix import make_clip

    load_task_modules()
    recorder = Recorder()
    bind_dispatcher(session_factory, recorder)
    monkeypatch.setattr(media_fix, "VIDEO_PRESET", "ultrafast")
    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    clip = make_clip(tmp_path / "clip.mp4")
    original = upload(client, team, clip, name="clip.mp4").json()
    pending = client.post(
        team.url(f"/media/{original['id']}/fix"),
        json={"network": "instagram", "format": "reel"},
        headers=team.headers["owner"],
    ).json()
    assert pending["status"] == "processing"
    for job in recorder.sent:
        perform(session_factory, job)

    fixed = client.get(team.url(f"/media/{pending['id']}"), headers=team.headers["owner"]).json()
    assert fixed["status"] == "ready", fixed["status_reason"]
    assert (fixed["width"], fixed["height"]) == (1080, 1920)
    prefix = f"orchestre/{team.ws.id}/{fixed['id']}"
    assert {f"{prefix}.mp4", f"{prefix}.thumb.jpg"} <= set(objects(settings))
    thumb = client.get(fixed["thumbnail_url"], headers=team.headers["analyst"])
    assert thumb.status_code == 200
    assert Image.open(io.BytesIO(thumb.content)).format == "JPEG"


def test_publishing_hands_the_connector_a_local_copy(
    client: TestClient, team: Team, settings: Settings, db: Session
) -> None:
    data = image_bytes("PNG", size=(64, 64))
    asset = upload(client, team, data).json()
    post = create_post(
        client,
        team,
        channel_ids=[str(team.channels[0].id)],
        variants=[{"channel_id": str(team.channels[0].id), "media_ids": [asset["id"]]}],
    )
    from orchestre.models import PostVariant

    variant = db.get(PostVariant, uuid.UUID(post["variants"][0]["id"]))
    assert variant is not None
    storage = media_storage(settings)
    assert isinstance(storage, S3Storage)
    draft = draft_of(db, variant, "ref-1", settings.media_dir, storage=storage)
    local = Path(draft.media[0].uri)
    assert local.read_bytes() == data
    assert local.is_relative_to(settings.media_dir)


def test_a_deleted_media_leaves_the_bucket_after_commit(
    client: TestClient, team: Team, settings: Settings
) -> None:
    asset = upload(client, team, image_bytes()).json()
    client.get(asset["file_url"], headers=team.headers["owner"])
    assert len(objects(settings)) == 1
    url = team.url(f"/media/{asset['id']}")
    assert client.delete(url, headers=team.headers["owner"]).status_code == 204
    assert objects(settings) == []
    assert client.get(url, headers=team.headers["owner"]).status_code == 404


def test_a_missing_object_is_a_404_that_says_so(
    client: TestClient, team: Team, settings: Settings
) -> None:
    asset = upload(client, team, image_bytes()).json()
    _client(str(settings.media_s3_endpoint_url)).delete_object(
        Bucket=settings.media_s3_bucket, Key=f"orchestre/{team.ws.id}/{asset['id']}.png"
    )
    served = client.get(asset["file_url"], headers=team.headers["owner"])
    assert served.status_code == 404
    assert served.json()["code"] == "media_file_missing"


def test_the_secret_never_shows_in_the_storage_repr(settings: Settings) -> None:
    storage = media_storage(settings)
    assert isinstance(storage, S3Storage)
    assert SECRET not in repr(storage.config)
    assert isinstance(media_storage(Settings(data_dir=settings.data_dir)), LocalStorage)
