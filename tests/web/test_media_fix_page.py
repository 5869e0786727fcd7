"""The editor's media partial: findings per file, 'Fix for <network>', processing, swap."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.models import User, Workspace
from orchestre.posts import media as media_service
from orchestre.posts import media_fix
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate
from orchestre.worker import bind_dispatcher
from orchestre.worker.execute import perform
from orchestre.worker.registry import load_task_modules
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_channel
from tests.web.conftest import csrf_of
from tests.worker.jobs import Recorder

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed",
)


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 20)).save(buffer, "PNG")
    return buffer.getvalue()


def _clip(path: Path) -> bytes:
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", "testsrc=size=320x180:rate=24:duration=1"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(command, check=True, timeout=60)
    return path.read_bytes()


def _post_with(
    db: Session,
    settings: Settings,
    workspace: Workspace,
    owner: User,
    network: str,
    data: bytes,
    options: dict[str, str] | None = None,
) -> tuple[str, str, str]:
    """A draft with one file on one channel: (post id, variant id, media id)."""
    actor = Actor(owner.id, workspace.id, frozenset({Role.OWNER}))
    channel = make_channel(db, workspace, network=network, handle=f"@{network}-page")
    asset = media_service.upload(
        db,
        actor,
        io.BytesIO(data),
        "photo.png",
        media_root=settings.media_dir,
        max_bytes=50_000_000,
    )
    spec = PostCreate.model_validate(
        {
            "base_text": "Notre terrasse",
            "channel_ids": [str(channel.id)],
            "variants": [
                {
                    "channel_id": str(channel.id),
                    "media_ids": [str(asset.id)],
                    "options": options or {},
                }
            ],
        }
    )
    view = posts.create_post(db, actor, spec)
    db.commit()
    return str(view.post.id), str(view.variants[0].variant.id), str(asset.id)


def test_an_instagram_image_is_fixed_and_swapped_in_place(
    signed_in: TestClient, db: Session, settings: Settings, workspace: Workspace, owner: User
) -> None:
    post_id, variant_id, media_id = _post_with(
        db, settings, workspace, owner, "instagram", _png((2000, 800))
    )
    url = f"/w/{workspace.id}/posts/{post_id}/variants/{variant_id}/media"
    panel = signed_in.get(url)
    assert panel.status_code == 200
    assert 'data-finding="media.aspect_ratio"' in panel.text
    assert "Fix for Instagram" in panel.text
    csrf = csrf_of(panel.text)

    fixed = signed_in.post(f"{url}/{media_id}/fix", data={"csrf_token": csrf})

    assert fixed.status_code == 200, fixed.text
    assert 'data-testid="media-fix-ready"' in fixed.text
    assert "photo-instagram-feed.jpg" in fixed.text
    assert 'data-testid="fix-for-network"' not in fixed.text
    version = re.search(r'name="version" value="(\d+)"', fixed.text)
    assert version

    swapped = signed_in.post(
        f"{url}/{media_id}/use-fixed", data={"csrf_token": csrf, "version": version.group(1)}
    )

    assert swapped.status_code == 200, swapped.text
    assert 'data-finding="media.aspect_ratio"' not in swapped.text
    assert "This file fits Instagram." in swapped.text
    assert "Fixed for Instagram" in swapped.text  # the attached file is now the fixed one
    stale = signed_in.post(
        f"{url}/{media_id}/use-fixed", data={"csrf_token": csrf, "version": version.group(1)}
    )
    assert stale.status_code == 422
    assert 'data-testid="media-fix-error"' in stale.text


def test_the_partial_speaks_french(
    signed_in: TestClient, db: Session, settings: Settings, workspace: Workspace, owner: User
) -> None:
    owner.locale = "fr"
    post_id, variant_id, _media_id = _post_with(
        db, settings, workspace, owner, "instagram", _png((2000, 800))
    )
    panel = signed_in.get(f"/w/{workspace.id}/posts/{post_id}/variants/{variant_id}/media")
    assert "Corriger pour Instagram" in panel.text
    assert "Médias pour Instagram" in panel.text


def test_a_video_shows_its_conversion_then_the_fixed_file_with_its_thumbnail(
    signed_in: TestClient,
    db: Session,
    settings: Settings,
    workspace: Workspace,
    owner: User,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    load_task_modules()
    jobs = Recorder()
    bind_dispatcher(session_factory, jobs)
    monkeypatch.setattr(media_fix, "VIDEO_PRESET", "ultrafast")
    post_id, variant_id, media_id = _post_with(
        db,
        settings,
        workspace,
        owner,
        "youtube",
        _clip(tmp_path / "c.mp4"),
        {"format": "short", "title": "Levain"},
    )
    url = f"/w/{workspace.id}/posts/{post_id}/variants/{variant_id}/media"
    csrf = csrf_of(signed_in.get(url).text)

    started = signed_in.post(f"{url}/{media_id}/fix", data={"csrf_token": csrf})

    assert 'data-testid="media-fix-processing"' in started.text
    assert f'hx-get="{url}"' in started.text  # the partial polls until the job is done
    assert 'hx-trigger="every 2s"' in started.text
    for job in jobs.sent:
        perform(session_factory, job)
    done = signed_in.get(url)
    assert 'data-testid="media-fix-ready"' in done.text
    assert "1080×1920" in done.text
    assert "/thumbnail" in done.text
    assert "hx-trigger" not in done.text


def test_library_files_are_attached_and_removed_from_the_panel(
    signed_in: TestClient, db: Session, settings: Settings, workspace: Workspace, owner: User
) -> None:
    post_id, variant_id, media_id = _post_with(
        db, settings, workspace, owner, "mastodon", _png((800, 600))
    )
    actor = Actor(owner.id, workspace.id, frozenset({Role.OWNER}))
    other = media_service.upload(
        db, actor, io.BytesIO(_png((600, 600))), "square.png", media_root=settings.media_dir,
        max_bytes=50_000_000,
    )  # fmt: skip
    db.commit()
    url = f"/w/{workspace.id}/posts/{post_id}/variants/{variant_id}/media"
    panel = signed_in.get(url)
    assert 'data-testid="library-pick"' in panel.text
    offered = re.findall(r'name="media_id" value="([0-9a-f-]+)"', panel.text)
    assert offered == [str(other.id)]  # the attached file is not offered again
    csrf = csrf_of(panel.text)
    version = re.search(r'name="version" value="(\d+)"', panel.text)
    assert version

    attached = signed_in.post(
        f"{url}/attach",
        data={"csrf_token": csrf, "version": version.group(1), "media_id": str(other.id)},
    )
    assert attached.status_code == 200, attached.text
    assert attached.text.count('class="media-item"') == 2
    assert 'data-testid="library-pick"' not in attached.text  # nothing left to offer
    again = signed_in.post(
        f"{url}/attach",
        data={"csrf_token": csrf, "version": version.group(1), "media_id": str(other.id)},
    )
    assert again.status_code == 422  # a stale version (or the same file) is refused

    version = re.search(r'name="version" value="(\d+)"', attached.text)
    assert version
    removed = signed_in.post(
        f"{url}/{media_id}/detach", data={"csrf_token": csrf, "version": version.group(1)}
    )
    assert removed.status_code == 200, removed.text
    assert removed.text.count('class="media-item"') == 1
    assert f'data-media-id="{other.id}"' in removed.text
    assert re.findall(r'name="media_id" value="([0-9a-f-]+)"', removed.text) == [media_id]
