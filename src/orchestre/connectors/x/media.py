"""Uploading a post's media to X (API v2 media endpoints) before the post refers to it.

Images go in one request (`POST /2/media/upload` with `media_category=tweet_image`).
Videos and animated GIFs are uploaded in chunks (`initialize`, `append`, `finalize`),
then X processes them: we wait as `processing_info.check_after_secs` says, up to a
deadline, through an injected sleep and monotonic clock so tests never wait. Alt text
is set with `POST /2/media/metadata`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx

from orchestre.connectors.base import MediaRef, PermanentError, RetryableError
from orchestre.connectors.x.wire import NETWORK, call, data_of

# X accepts appended segments of at most 5 MB; 4 MiB leaves room for the form around them.
CHUNK_BYTES = 4 * 1024 * 1024
DEFAULT_PROCESSING_DEADLINE = 600.0
# X asks to wait `check_after_secs`; when it does not say, this much.
DEFAULT_CHECK_AFTER = 5.0


@dataclass(frozen=True)
class Waiting:
    """How to wait for X's processing: injectable so tests run at once."""

    sleep: Callable[[float], None]
    monotonic: Callable[[], float]
    deadline_seconds: float = DEFAULT_PROCESSING_DEADLINE


def local_path(media: MediaRef) -> Path:
    """The file a media reference names; X takes uploads, not addresses to fetch."""
    parsed = urlparse(media.uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if not parsed.scheme:
        return Path(media.uri)
    raise PermanentError(
        f"X takes media as uploaded files; {parsed.scheme}: addresses cannot be attached.",
        network=NETWORK,
        code="media_uri",
    )


def category(media: MediaRef) -> str:
    if media.content_type == "image/gif":
        return "tweet_gif"
    if media.content_type.startswith("video/"):
        return "tweet_video"
    if media.content_type.startswith("image/"):
        return "tweet_image"
    raise PermanentError(
        f"X cannot attach a file of type {media.content_type}.", network=NETWORK, code="media_type"
    )


def upload(client: httpx.Client, media: MediaRef, waiting: Waiting) -> str:
    """Upload one file and return its media id, ready to attach to a post."""
    path = local_path(media)
    kind = category(media)
    try:
        if kind == "tweet_image":
            media_id = _simple(client, path, media)
        else:
            media_id = _chunked(client, path, media, kind, waiting)
    except FileNotFoundError as exc:
        raise PermanentError(
            f"The media file {path.name} is missing.", network=NETWORK, code="media_missing"
        ) from exc
    if media.alt_text:
        call(
            client,
            "POST",
            "/2/media/metadata",
            idempotent=True,
            json={"id": media_id, "metadata": {"alt_text": {"text": media.alt_text}}},
        )
    return media_id


def _simple(client: httpx.Client, path: Path, media: MediaRef) -> str:
    content = path.read_bytes()
    body = call(
        client,
        "POST",
        "/2/media/upload",
        # An upload not yet attached to a post is harmless: sending it again is safe.
        idempotent=True,
        data={"media_category": "tweet_image", "media_type": media.content_type},
        files={"media": (path.name, content, media.content_type)},
    )
    return _media_id(data_of(body))


def _chunked(client: httpx.Client, path: Path, media: MediaRef, kind: str, waiting: Waiting) -> str:
    size = path.stat().st_size
    started = call(
        client,
        "POST",
        "/2/media/upload/initialize",
        idempotent=True,
        json={"media_type": media.content_type, "total_bytes": size, "media_category": kind},
    )
    media_id = _media_id(data_of(started))
    with path.open("rb") as stream:
        index = 0
        while chunk := stream.read(CHUNK_BYTES):
            call(
                client,
                "POST",
                f"/2/media/upload/{media_id}/append",
                idempotent=True,
                data={"segment_index": str(index)},
                files={"media": ("chunk", chunk, "application/octet-stream")},
            )
            index += 1
    finished = data_of(
        call(client, "POST", f"/2/media/upload/{media_id}/finalize", idempotent=True)
    )
    _wait_for_processing(client, media_id, finished, waiting)
    return media_id


def _wait_for_processing(
    client: httpx.Client, media_id: str, data: dict[str, Any], waiting: Waiting
) -> None:
    give_up_at = waiting.monotonic() + waiting.deadline_seconds
    while True:
        info = data.get("processing_info")
        if not isinstance(info, dict):
            return  # no processing announced: the media is ready
        state = info.get("state")
        if state == "succeeded":
            return
        if state == "failed":
            error = info.get("error")
            message = error.get("message") if isinstance(error, dict) else None
            raise PermanentError(
                f"X could not process the media: {message or 'unknown reason'}",
                network=NETWORK,
                code="media_processing",
            )
        delay = _check_after(info)
        if waiting.monotonic() + delay > give_up_at:
            raise RetryableError(
                "X was still processing the video when we stopped waiting.", network=NETWORK
            )
        waiting.sleep(delay)
        data = data_of(
            call(
                client,
                "GET",
                "/2/media/upload",
                params={"command": "STATUS", "media_id": media_id},
            )
        )


def _check_after(info: dict[str, Any]) -> float:
    value = info.get("check_after_secs")
    return float(value) if isinstance(value, int | float) and value >= 0 else DEFAULT_CHECK_AFTER


def _media_id(data: dict[str, Any]) -> str:
    media_id = data.get("id")
    if not isinstance(media_id, str | int) or not str(media_id):
        raise PermanentError("X's upload answer holds no media id.", network=NETWORK)
    return str(media_id)
