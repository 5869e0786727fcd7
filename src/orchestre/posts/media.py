"""Media use cases: upload (streamed, checked by content), list, serve, alt text, delete.

Files are kept by a `MediaStorage` (`orchestre.media.storage`: a local folder by default,
an S3-compatible bucket when configured) under the key `<workspace id>/<media id>.<ext>`
(a video's thumbnail beside it as `<media id>.thumb.jpg`). Storage is not transactional,
so file writes follow the database: an upload's file is removed if the request's
transaction rolls back, and a deleted media's files (and those of the files fixed from it)
go only once the deletion is committed.

Callers that pass only `media_root` get the local folder; the routes pass the configured
storage (`media_storage(settings)`).
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, Forbidden, NotFound, TooLarge
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.media.storage import LocalStorage, MediaStorage
from orchestre.models import MediaAsset
from orchestre.posts import repository
from orchestre.posts.media_library import compute
from orchestre.posts.media_probe import measure, measured_columns
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
CHUNK_BYTES = 1024 * 1024
INCOMING = ".incoming"


def when_transaction_ends(
    session: Session,
    on_commit: Callable[[], None] | None = None,
    on_rollback: Callable[[], None] | None = None,
) -> None:
    """Run one callback once the session's outer transaction commits, or the other if not."""
    state = {"committed": False, "done": False}

    def committed(_session: Session) -> None:
        state["committed"] = True

    def ended(_session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is not None or state["done"]:
            return
        state["done"] = True
        action = on_commit if state["committed"] else on_rollback
        if action is not None:
            action()

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_transaction_end", ended)


def remove_files(*paths: Path) -> Callable[[], None]:
    """Local files to remove (kept for callers that store in the local folder)."""

    def remove() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    return remove


def stored_paths(asset: MediaAsset, media_root: Path) -> list[Path]:
    """The local files of an asset in the folder `media_root` (local storage only)."""
    return [media_root / key for key in stored_keys(asset)]


def remove_keys(storage: MediaStorage, *keys: str) -> Callable[[], None]:
    def remove() -> None:
        storage.delete(*keys)

    return remove


def storage_of(media_root: Path, storage: MediaStorage | None) -> MediaStorage:
    """The storage to use: the one given, or the local folder `media_root`."""
    return storage if storage is not None else LocalStorage(media_root)


def stored_keys(asset: MediaAsset) -> list[str]:
    """Every object stored for an asset: the media itself and its thumbnail if any."""
    return [key for key in (asset.storage_key, asset.thumbnail_key) if key]


def stored_path(storage: MediaStorage, key: str | None, missing: str) -> Path:
    """A local file with a stored key's bytes (NotFound with `missing` when absent)."""
    if not key:
        raise NotFound(missing, code="media_file_missing")
    try:
        return storage.local_path(key)
    except NotFound as exc:
        raise NotFound(missing, code="media_file_missing") from exc


def _receive(stream: BinaryIO, folder: Path, max_bytes: int) -> tuple[Path, int, str]:
    """Copy the upload to a temp file in chunks: (path, size, sha256), or TooLarge."""
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".part") as out:
        temp = Path(out.name)
        try:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"This file is larger than the limit of {max_bytes // (1024 * 1024)} MiB;"
                        " compress it or upload a smaller one.",
                        code="file_too_large",
                    )
                digest.update(chunk)
                out.write(chunk)
        except BaseException:
            out.close()
            temp.unlink(missing_ok=True)
            raise
    return temp, size, digest.hexdigest()


def _clean_filename(filename: str | None) -> str:
    name = Path((filename or "").replace("\\", "/")).name.strip()
    return name[:255] or "upload"


def upload(
    session: Session,
    actor: Actor,
    stream: BinaryIO,
    filename: str | None,
    *,
    media_root: Path,
    max_bytes: int,
    alt_text: str = "",
    storage: MediaStorage | None = None,
) -> MediaAsset:
    """Store an uploaded file after identifying it by its content; returns the new asset."""
    actor.require(P.MEDIA_UPLOAD)
    store = storage_of(media_root, storage)
    temp, size, sha256 = _receive(stream, store.work_dir, max_bytes)
    try:
        measured = measure(temp)
        media_id = uuid.uuid4()
        key = f"{actor.workspace_id}/{media_id}.{measured.extension}"
        store.put_file(key, temp, measured.content_type)
    finally:
        temp.unlink(missing_ok=True)
    when_transaction_ends(session, on_rollback=remove_keys(store, key))
    asset = MediaAsset(
        id=media_id,
        workspace_id=actor.workspace_id,
        created_by=actor.user_id,
        filename=_clean_filename(filename),
        **(measured_columns(measured) | {"size_bytes": size}),
        sha256=sha256,
        storage_key=key,
        alt_text=alt_text[:1500],
    )
    compute(asset)
    repository.add(session, asset)
    record(session, actor, "media.upload", "media", asset.id, after=snapshot(asset))
    return asset


def _asset(session: Session, actor: Actor, media_id: uuid.UUID) -> MediaAsset:
    asset = repository.get_media(session, actor.workspace_id, media_id)
    if asset is None:
        raise NotFound("This media does not exist in this workspace.", code="media_not_found")
    return asset


def _require_owner(actor: Actor, asset: MediaAsset) -> None:
    if asset.created_by != actor.user_id and not actor.can(P.POSTS_EDIT_ANY):
        raise Forbidden("You can change only the media you uploaded.", code="not_media_owner")


def list_media(
    session: Session, actor: Actor, cursor: str | None = None, limit: int = 50
) -> Page[MediaAsset]:
    """Newest first."""
    actor.require(P.POSTS_VIEW)
    limit = clamp_limit(limit)
    after = decode_cursor_or_invalid(cursor)
    rows = repository.list_media(session, actor.workspace_id, after, limit)
    return Page.from_rows(rows, limit, key=lambda m: (m.created_at, m.id))


def get_media(session: Session, actor: Actor, media_id: uuid.UUID) -> MediaAsset:
    actor.require(P.POSTS_VIEW)
    return _asset(session, actor, media_id)


MISSING_FILE = "The file of this media is missing from storage; upload it again."
MISSING_THUMBNAIL = "The thumbnail of this media is missing from storage."


def media_file(
    session: Session,
    actor: Actor,
    media_id: uuid.UUID,
    *,
    media_root: Path,
    storage: MediaStorage | None = None,
) -> tuple[MediaAsset, Path]:
    """The asset and a local file with its bytes (with S3: a cached copy), for work on it."""
    asset = get_media(session, actor, media_id)
    path = stored_path(storage_of(media_root, storage), asset.storage_key, MISSING_FILE)
    return asset, path


def media_object(session: Session, actor: Actor, media_id: uuid.UUID) -> tuple[MediaAsset, str]:
    """The asset and its storage key, for serving (the route asks the storage how)."""
    asset = get_media(session, actor, media_id)
    return asset, asset.storage_key


def thumbnail_key(session: Session, actor: Actor, media_id: uuid.UUID) -> str:
    """The storage key of a video's JPEG cover frame (stored when it was fixed)."""
    asset = get_media(session, actor, media_id)
    if asset.thumbnail_key is None and asset.status == "processing":
        raise NotFound(
            "This video is still being converted; its thumbnail comes when it is ready.",
            code="thumbnail_missing",
        )
    if asset.thumbnail_key is None:
        raise NotFound(
            "This media has no thumbnail: thumbnails are made for videos fixed for a network.",
            code="thumbnail_missing",
        )
    return asset.thumbnail_key


def thumbnail_file(
    session: Session,
    actor: Actor,
    media_id: uuid.UUID,
    *,
    media_root: Path,
    storage: MediaStorage | None = None,
) -> Path:
    """A local file with the JPEG cover frame of a video, for previews."""
    key = thumbnail_key(session, actor, media_id)
    return stored_path(storage_of(media_root, storage), key, MISSING_THUMBNAIL)


def update_alt_text(
    session: Session, actor: Actor, media_id: uuid.UUID, alt_text: str
) -> MediaAsset:
    """Alt text describes the media for people who cannot see it."""
    actor.require(P.MEDIA_UPLOAD)
    asset = _asset(session, actor, media_id)
    _require_owner(actor, asset)
    before = snapshot(asset)
    asset.alt_text = alt_text
    compute(asset)
    session.flush()
    record(session, actor, "media.update", "media", asset.id, before=before, after=snapshot(asset))
    return asset


def delete_media(
    session: Session,
    actor: Actor,
    media_id: uuid.UUID,
    *,
    media_root: Path,
    storage: MediaStorage | None = None,
) -> None:
    """Refused while a variant uses it or a file fixed from it; the files go after commit.

    The files fixed from this media (for a network) go with it: they are copies of it.
    """
    actor.require(P.MEDIA_UPLOAD)
    asset = _asset(session, actor, media_id)
    _require_owner(actor, asset)
    derived = repository.derived_media(session, actor.workspace_id, asset.id)
    used = sum(repository.media_usage(session, m.id) for m in [asset, *derived])
    if used:
        message = (
            f"This media (or a file fixed from it) is attached to {used} post variant(s); "
            "remove it from them first."
        )
        raise Conflict(message, code="media_in_use")
    keys = [key for m in [asset, *derived] for key in stored_keys(m)]
    for row in derived:
        derived_id, before = row.id, snapshot(row)
        repository.delete(session, row)
        record(session, actor, "media.delete", "media", derived_id, before=before)
    before = snapshot(asset)
    repository.delete(session, asset)
    record(session, actor, "media.delete", "media", media_id, before=before)
    when_transaction_ends(session, on_commit=remove_keys(storage_of(media_root, storage), *keys))
