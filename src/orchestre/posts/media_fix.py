"""'Fix for <network>': a media converted to fit one network's format, as a new asset.

The plan comes from the network's rules (`connectors.rules.media_fix.fix_for`); the work
from `orchestre.media`. The original is never changed: the result is a new MediaAsset
derived from it (`source_media_id`, `network`, `format`), listed with the other media, that
a variant can use instead of the original. It is always made from the original upload
(fixing a fixed file would lose quality twice).

- Images are processed during the request (orient, crop to the format's aspect ratio,
  resize, convert, metadata such as the GPS position stripped): the new asset is ready.
- Videos are converted by a background job (`media.fix_video`, sent after commit): the new
  asset starts as `processing`, then becomes `ready` (with a JPEG thumbnail) or `failed`
  with the reason in `status_reason`. A lost job leaves it `processing`; asking for the
  same fix again while it is processing returns it as it is.

A file that no conversion can make acceptable (a video for an Instagram feed post, an
animated GIF that would lose its frames, a picture too small to enlarge) is refused with
422 and the reason. A fixed file is checked against the same rules before it is kept.
New files are removed if the transaction that records them rolls back.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.connectors.rules import NETWORKS, check_media
from orchestre.connectors.rules.media import formats_for, media_facts, rules_for
from orchestre.connectors.rules.media_fix import ImageFix, VideoFix, fix_for
from orchestre.connectors.rules.media_limits import FORMAT_NAMES, NAMES
from orchestre.errors import Conflict, FieldError, Invalid, TooLarge, UnsupportedMedia
from orchestre.media.images import ImageTarget, OutputFormat, process_image
from orchestre.media.storage import MediaStorage
from orchestre.media.video import VideoTarget, thumbnail, transcode
from orchestre.models import MediaAsset
from orchestre.models.media import MediaStatus
from orchestre.posts import repository
from orchestre.posts.media import (
    get_media,
    media_file,
    remove_keys,
    storage_of,
    when_transaction_ends,
)
from orchestre.posts.media_library import compute
from orchestre.posts.media_probe import Measured, facts_of, measure, measured_columns
from orchestre.worker import enqueue
from orchestre.workspaces.permissions import Actor, Permission

log = logging.getLogger(__name__)

P = Permission
FIX_VIDEO_TASK = "media.fix_video"
# x264's speed/size trade-off for fixed videos; tests use "ultrafast".
VIDEO_PRESET = "medium"
THUMBNAIL_AT_SECONDS = 1.0
THUMBNAIL_MAX_WIDTH = 720


@dataclass(frozen=True)
class FixResult:
    """The derived asset, and whether it was made now (False: an earlier identical fix)."""

    asset: MediaAsset
    created: bool


def _refuse(message: str, code: str = "media_unfixable", field: str = "media") -> Invalid:
    return Invalid(message, code=code, errors=[FieldError(field, code, message)])


def _check_target(network: str, format: str) -> None:
    if network not in NETWORKS:
        message = f"Unknown network {network!r}; choose one of: {', '.join(NETWORKS)}."
        raise _refuse(message, code="unknown_network", field="network")
    formats = formats_for(network)
    if format not in formats:
        message = f"{NAMES[network]} has no {format!r} format; choose one of: {', '.join(formats)}."
        raise _refuse(message, code="unknown_format", field="format")


def _what(network: str, format: str) -> str:
    """'an Instagram Reel', 'a YouTube Short'."""
    name = NAMES[network]
    return f"{'an' if name[0] in 'AEIOUX' else 'a'} {name} {FORMAT_NAMES[format]}"


def _original(session: Session, actor: Actor, media_id: uuid.UUID) -> MediaAsset:
    asset = get_media(session, actor, media_id)
    if asset.source_media_id is not None:
        asset = get_media(session, actor, asset.source_media_id)
    if asset.status != MediaStatus.READY:
        raise Conflict(
            "This media is not ready (it is still being converted or its conversion failed); "
            "fix the original upload instead.",
            code="media_not_ready",
        )
    return asset


def _existing(
    session: Session, actor: Actor, source: MediaAsset, network: str, format: str
) -> MediaAsset | None:
    for row in repository.derived_media(session, actor.workspace_id, source.id):
        if row.network == network and row.format == format and row.status != MediaStatus.FAILED:
            return row
    return None


def fix_media(
    session: Session,
    actor: Actor,
    media_id: uuid.UUID,
    network: str,
    format: str = "feed",
    *,
    media_root: Path,
    storage: MediaStorage | None = None,
) -> FixResult:
    """Make (or find) the asset derived from `media_id` for `network`'s `format`."""
    actor.require(P.MEDIA_UPLOAD)
    store = storage_of(media_root, storage)
    _check_target(network, format)
    source = _original(session, actor, media_id)
    existing = _existing(session, actor, source, network, format)
    if existing is not None:
        return FixResult(existing, created=False)
    facts = facts_of(source)
    plan = fix_for(network, format, facts)
    if plan is None:
        raise _refuse(_why_no_plan(network, format, source.kind))
    too_short = [
        v.message
        for v in check_media(network, [facts], format)
        if v.rule == "media.duration" and v.actual < v.limit
    ]
    if too_short:  # converting never lengthens a video
        raise _refuse(f"This file cannot be fixed for {_what(network, format)}: {too_short[0]}")
    if isinstance(plan, ImageFix):
        asset = _fix_image(session, actor, source, network, format, plan, media_root, store)
    else:
        asset = _start_video_fix(session, actor, source, network, format, media_root, store)
    record(session, actor, "media.fix", "media", asset.id, after=snapshot(asset))
    return FixResult(asset, created=True)


def _why_no_plan(network: str, format: str, kind: str) -> str:
    rules = rules_for(network, format)
    taken = {"video": rules.video, "gif": rules.gif}.get(kind, rules.image)
    label = {"video": "videos", "gif": "animated GIFs"}.get(kind, "images")
    if taken is None:
        return (
            f"This file cannot be fixed for {_what(network, format)}: it does not take {label}. "
            "Choose another format or another file."
        )
    return (
        f"This file cannot be fixed for {_what(network, format)}: Orchestre cannot convert "
        f"{label} to a type it takes ({', '.join(sorted(taken.types))}). Convert it yourself."
    )


def _derived(
    actor: Actor, source: MediaAsset, network: str, format: str, extension: str
) -> MediaAsset:
    media_id = uuid.uuid4()
    stem = Path(source.filename).stem or "media"
    return MediaAsset(
        id=media_id,
        workspace_id=actor.workspace_id,
        created_by=actor.user_id,
        filename=f"{stem}-{network}-{format}.{extension}"[-255:],
        storage_key=f"{actor.workspace_id}/{media_id}.{extension}",
        alt_text=source.alt_text,
        source_media_id=source.id,
        network=network,
        format=format,
    )


def _fix_image(
    session: Session,
    actor: Actor,
    source: MediaAsset,
    network: str,
    format: str,
    plan: ImageFix,
    media_root: Path,
    store: MediaStorage,
) -> MediaAsset:
    _, path = media_file(session, actor, source.id, media_root=media_root, storage=store)
    target = ImageTarget(
        format=_output_format(plan.format),
        max_width=plan.max_width,
        max_height=plan.max_height,
        aspect=plan.aspect,
        max_bytes=plan.max_bytes,
    )
    try:
        processed = process_image(path.read_bytes(), target)
    except (UnsupportedMedia, TooLarge) as exc:
        raise _refuse(exc.detail) from exc
    asset = _derived(actor, source, network, format, processed.extension)
    store.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=store.work_dir, suffix=".part") as out:
        out.write(processed.data)
        out.flush()
        measured = measure(Path(out.name))
    _refuse_if_still_broken(network, format, measured)
    store.put_bytes(asset.storage_key, processed.data, measured.content_type)
    when_transaction_ends(session, on_rollback=remove_keys(store, asset.storage_key))
    _fill(asset, measured, hashlib.sha256(processed.data).hexdigest())
    asset.status = MediaStatus.READY.value
    compute(asset)
    repository.add(session, asset)
    return asset


def _output_format(name: str) -> OutputFormat:
    if name == "PNG":
        return "PNG"
    if name == "WEBP":
        return "WEBP"
    return "JPEG"


def _fill(asset: MediaAsset, measured: Measured, sha256: str) -> None:
    for column, value in measured_columns(measured).items():
        setattr(asset, column, value)
    asset.sha256 = sha256


def _still_broken(network: str, format: str, measured: Measured) -> list[str]:
    facts = media_facts(measured)
    return [
        v.message
        for v in check_media(network, [facts], format)
        if v.severity == "error" and v.rule != "media.count"
    ]


def _refuse_if_still_broken(network: str, format: str, measured: Measured) -> None:
    broken = _still_broken(network, format, measured)
    if broken:
        raise _refuse(
            f"This file cannot be fixed for {_what(network, format)}: even converted, "
            + " ".join(broken)
        )


def _start_video_fix(
    session: Session,
    actor: Actor,
    source: MediaAsset,
    network: str,
    format: str,
    media_root: Path,
    store: MediaStorage,
) -> MediaAsset:
    if not store.exists(source.storage_key):  # refuse a missing file now
        media_file(session, actor, source.id, media_root=media_root, storage=store)
    asset = _derived(actor, source, network, format, "mp4")
    asset.kind = "video"
    asset.content_type = "video/mp4"
    asset.size_bytes = 0
    asset.sha256 = ""
    asset.status = MediaStatus.PROCESSING.value
    repository.add(session, asset)
    enqueue(
        session,
        FIX_VIDEO_TASK,
        workspace_id=str(actor.workspace_id),
        media_id=str(asset.id),
        media_root=str(media_root),
        preset=VIDEO_PRESET,
        storage="local" if storage_is_local(store) else "configured",
    )
    return asset


# --- the background job ------------------------------------------------------------------------


def finish_video_fix(
    session: Session,
    workspace_id: uuid.UUID,
    media_id: uuid.UUID,
    media_root: Path,
    preset: str = VIDEO_PRESET,
    storage: MediaStorage | None = None,
) -> None:
    """Convert a `processing` video asset from its original; ready or failed with the reason.

    Run again (a retry, a duplicate nudge), it does nothing once the asset is not processing.
    """
    store = storage_of(media_root, storage)
    asset = repository.get_media(session, workspace_id, media_id)
    if asset is None or asset.status != MediaStatus.PROCESSING:
        return
    source = None
    if asset.source_media_id is not None:
        source = repository.get_media(session, workspace_id, asset.source_media_id)
    if source is None or asset.network is None or asset.format is None:
        _fail(asset, "its original was deleted before it could be converted.")
        return
    plan = fix_for(asset.network, asset.format, facts_of(source))
    if not isinstance(plan, VideoFix):
        _fail(asset, f"it is not a video that {NAMES[asset.network]} takes in this format.")
        return
    target = VideoTarget(
        width=plan.width,
        height=plan.height,
        fit="crop" if plan.fit == "crop" else "pad",
        max_fps=plan.max_fps,
        max_seconds=plan.max_seconds,
        preset=preset,
    )
    incoming = store.work_dir
    incoming.mkdir(parents=True, exist_ok=True)
    temp = incoming / f"{asset.id}.mp4.part"
    try:
        measured = transcode(store.local_path(source.storage_key), temp, target)
        cover = thumbnail(
            temp,
            min(THUMBNAIL_AT_SECONDS, (measured.duration_seconds or 0) / 2),
            max_width=THUMBNAIL_MAX_WIDTH,
        )
    except (UnsupportedMedia, TooLarge) as exc:
        temp.unlink(missing_ok=True)
        _fail(asset, exc.detail)
        return
    except OSError:
        # Storage trouble (disk full, permissions): worth a retry, so the job raises.
        temp.unlink(missing_ok=True)
        raise
    broken = _still_broken(asset.network, asset.format, measured)
    if broken:
        temp.unlink(missing_ok=True)
        _fail(asset, "even converted, " + " ".join(broken))
        return
    _store_video(session, asset, temp, cover, measured, store)


def _store_video(
    session: Session,
    asset: MediaAsset,
    temp: Path,
    cover: bytes,
    measured: Measured,
    store: MediaStorage,
) -> None:
    thumb_key = f"{asset.workspace_id}/{asset.id}.thumb.jpg"
    digest = hashlib.sha256()
    with temp.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    store.put_file(asset.storage_key, temp, "video/mp4")
    store.put_bytes(thumb_key, cover, "image/jpeg")
    when_transaction_ends(session, on_rollback=remove_keys(store, asset.storage_key, thumb_key))
    _fill(asset, measured, digest.hexdigest())
    asset.thumbnail_key = thumb_key
    asset.status = MediaStatus.READY.value
    asset.status_reason = None
    compute(asset)
    session.flush()


def storage_is_local(store: MediaStorage) -> bool:
    """Whether the job may rebuild the storage from its media root alone."""
    from orchestre.media.storage import LocalStorage

    return isinstance(store, LocalStorage)


def _fail(asset: MediaAsset, reason: str) -> None:
    message = (
        reason if reason.startswith("This ") else f"This video cannot be fixed because {reason}"
    )
    asset.status = MediaStatus.FAILED.value
    asset.status_reason = message[:1000]
    log.info("media %s could not be fixed for %s/%s", asset.id, asset.network, asset.format)
