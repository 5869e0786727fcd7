"""Background jobs of the posts domain (discovered by the worker as `orchestre.posts.tasks`)."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from orchestre.config import get_settings
from orchestre.media.storage import LocalStorage, MediaStorage, media_storage
from orchestre.posts import media_fix
from orchestre.worker import task


@task(media_fix.FIX_VIDEO_TASK)
def fix_video(
    session: Session,
    workspace_id: str,
    media_id: str,
    media_root: str,
    preset: str = "medium",
    storage: str = "local",
) -> None:
    """Convert a video fixed for a network (see posts.media_fix.finish_video_fix).

    `storage` "configured": the process's configured storage (an object store) holds the
    files; "local": the folder `media_root` does.
    """
    store: MediaStorage = (
        media_storage(get_settings()) if storage == "configured" else LocalStorage(Path(media_root))
    )
    media_fix.finish_video_fix(
        session, uuid.UUID(workspace_id), uuid.UUID(media_id), Path(media_root), preset, store
    )
