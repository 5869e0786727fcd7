"""Uploading images and videos to LinkedIn (Images and Videos APIs) for a post to use.

Images: `POST /rest/images?action=initializeUpload` gives an `uploadUrl` and the image
URN; the bytes are PUT there. Videos: `POST /rest/videos?action=initializeUpload` gives
one upload instruction per byte range; each part is PUT and its `ETag` kept, then
`finalizeUpload` lists them in order. LinkedIn then processes the video; we wait for
`AVAILABLE` (through an injected sleep and monotonic clock) before the post refers to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx

from orchestre.connectors.base import MediaRef, PermanentError, RetryableError
from orchestre.connectors.linkedin.wire import NETWORK, call, encode, json_of

DEFAULT_PROCESSING_DEADLINE = 600.0
CHECK_EVERY = 5.0


@dataclass(frozen=True)
class Waiting:
    """How to wait for LinkedIn's video processing: injectable so tests run at once."""

    sleep: Callable[[float], None]
    monotonic: Callable[[], float]
    deadline_seconds: float = DEFAULT_PROCESSING_DEADLINE


def local_path(media: MediaRef) -> Path:
    """The file a media reference names; LinkedIn takes uploads, not addresses to fetch."""
    parsed = urlparse(media.uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if not parsed.scheme:
        return Path(media.uri)
    raise PermanentError(
        f"LinkedIn takes media as uploaded files; {parsed.scheme}: addresses cannot be attached.",
        network=NETWORK,
        code="media_uri",
    )


def upload(client: httpx.Client, media: MediaRef, owner: str, waiting: Waiting) -> str:
    """Upload one file owned by `owner` (the post's author); return its image or video URN."""
    path = local_path(media)
    try:
        if media.content_type.startswith("image/"):
            return _image(client, path, media, owner)
        if media.content_type.startswith("video/"):
            return _video(client, path, owner, waiting)
    except FileNotFoundError as exc:
        raise PermanentError(
            f"The media file {path.name} is missing.", network=NETWORK, code="media_missing"
        ) from exc
    raise PermanentError(
        f"LinkedIn cannot attach a file of type {media.content_type}.",
        network=NETWORK,
        code="media_type",
    )


def _image(client: httpx.Client, path: Path, media: MediaRef, owner: str) -> str:
    content = path.read_bytes()
    started = _value(
        call(
            client,
            "POST",
            "/rest/images",
            params={"action": "initializeUpload"},
            # Nothing is published by an upload: asking again is safe.
            idempotent=True,
            json={"initializeUploadRequest": {"owner": owner}},
        )
    )
    image, upload_url = started.get("image"), started.get("uploadUrl")
    if not isinstance(image, str) or not isinstance(upload_url, str):
        raise PermanentError("LinkedIn's image upload answer is incomplete.", network=NETWORK)
    call(
        client,
        "PUT",
        upload_url,
        content=content,
        headers={"Content-Type": media.content_type or "application/octet-stream"},
    )
    return image


def _video(client: httpx.Client, path: Path, owner: str, waiting: Waiting) -> str:
    size = path.stat().st_size
    started = _value(
        call(
            client,
            "POST",
            "/rest/videos",
            params={"action": "initializeUpload"},
            idempotent=True,
            json={
                "initializeUploadRequest": {
                    "owner": owner,
                    "fileSizeBytes": size,
                    "uploadCaptions": False,
                    "uploadThumbnail": False,
                }
            },
        )
    )
    video = started.get("video")
    instructions = started.get("uploadInstructions")
    if not isinstance(video, str) or not isinstance(instructions, list) or not instructions:
        raise PermanentError("LinkedIn's video upload answer is incomplete.", network=NETWORK)
    etags = _put_parts(client, path, instructions)
    call(
        client,
        "POST",
        "/rest/videos",
        params={"action": "finalizeUpload"},
        idempotent=True,
        json={
            "finalizeUploadRequest": {
                "video": video,
                "uploadToken": str(started.get("uploadToken") or ""),
                "uploadedPartIds": etags,
            }
        },
    )
    _wait_until_available(client, video, waiting)
    return video


def _put_parts(client: httpx.Client, path: Path, instructions: list[Any]) -> list[str]:
    etags: list[str] = []
    with path.open("rb") as stream:
        for step in instructions:
            first, last, url = step.get("firstByte"), step.get("lastByte"), step.get("uploadUrl")
            if not isinstance(first, int) or not isinstance(last, int) or not isinstance(url, str):
                raise PermanentError(
                    "LinkedIn's upload instructions are incomplete.", network=NETWORK
                )
            stream.seek(first)
            part = stream.read(last - first + 1)
            answer = call(
                client,
                "PUT",
                url,
                content=part,
                headers={"Content-Type": "application/octet-stream"},
            )
            etag = answer.headers.get("etag")
            if not etag:
                raise RetryableError("LinkedIn did not acknowledge a video part.", network=NETWORK)
            etags.append(etag)
    return etags


def _wait_until_available(client: httpx.Client, video: str, waiting: Waiting) -> None:
    give_up_at = waiting.monotonic() + waiting.deadline_seconds
    while True:
        status = json_of(call(client, "GET", f"/rest/videos/{encode(video)}")).get("status")
        if status == "AVAILABLE":
            return
        if status == "PROCESSING_FAILED":
            raise PermanentError(
                "LinkedIn could not process the video.", network=NETWORK, code="media_processing"
            )
        if waiting.monotonic() + CHECK_EVERY > give_up_at:
            raise RetryableError(
                "LinkedIn was still processing the video when we stopped waiting.",
                network=NETWORK,
            )
        waiting.sleep(CHECK_EVERY)


def _value(response: httpx.Response) -> dict[str, Any]:
    value = json_of(response).get("value")
    return value if isinstance(value, dict) else {}
