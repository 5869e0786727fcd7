"""Media uploads: `POST /api/v2/media`, then wait until the instance has processed the file.

Mastodon answers an upload with 200 (ready: `url` is set) or 202 (still processing:
`url` is null). While processing, `GET /api/v1/media/:id` answers 206 Partial Content;
it answers 200 with the `url` once done. A status may only attach processed media.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from orchestre.connectors.base import MediaRef, PermanentError, RetryableError
from orchestre.connectors.mastodon.wire import NETWORK, call, json_object

Sleep = Callable[[float], None]
Monotonic = Callable[[], float]


@dataclass(frozen=True)
class MediaWait:
    """How long to wait for the instance to process an upload, and how to wait."""

    sleep: Sleep = time.sleep
    monotonic: Monotonic = time.monotonic
    deadline_seconds: float = 300.0
    first_interval: float = 1.0
    max_interval: float = 10.0


def local_path(uri: str) -> Path:
    """The file a `MediaRef.uri` names: `file:///...` or a plain path; nothing else."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise PermanentError(
                f"Mastodon uploads local files; {uri!r} is on another host.", network=NETWORK
            )
        return Path(unquote(parts.path))
    if parts.scheme and len(parts.scheme) > 1:
        raise PermanentError(
            f"Mastodon uploads local files (a file: URI or a path), not {parts.scheme}: addresses.",
            network=NETWORK,
        )
    return Path(uri)


def upload(client: httpx.Client, media: MediaRef, wait: MediaWait) -> str:
    """Upload one file with its alt text; return its id once the instance has processed it.

    An upload that got no answer is retryable, not ambiguous: an attachment that no
    status uses is never shown, and Mastodon removes it by itself.
    """
    path = local_path(media.uri)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise PermanentError(
            f"The media file {path.name} cannot be read: {exc.strerror}.", network=NETWORK
        ) from exc
    data = {"description": media.alt_text} if media.alt_text else {}
    response = call(
        client,
        "POST",
        "/api/v2/media",
        idempotent=True,
        files={"file": (path.name, content, media.content_type)},
        data=data,
    )
    attachment = json_object(response)
    media_id = str(attachment.get("id") or "")
    if not media_id:
        raise PermanentError(f"{NETWORK} accepted an upload but gave no id.", network=NETWORK)
    if response.status_code == 202 or not attachment.get("url"):
        _wait_until_processed(client, media_id, wait)
    return media_id


def _wait_until_processed(client: httpx.Client, media_id: str, wait: MediaWait) -> None:
    started = wait.monotonic()
    interval = wait.first_interval
    while True:
        response = call(client, "GET", f"/api/v1/media/{media_id}")
        if response.status_code == 200 and json_object(response).get("url"):
            return
        elapsed = wait.monotonic() - started
        if elapsed + interval > wait.deadline_seconds:
            raise RetryableError(
                f"{NETWORK} was still processing media {media_id} after {round(elapsed)} seconds.",
                network=NETWORK,
            )
        wait.sleep(interval)
        interval = min(interval * 2, wait.max_interval)
