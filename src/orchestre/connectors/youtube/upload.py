"""YouTube's resumable upload: a session, chunks, and resuming where YouTube stopped.

https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol: a `POST`
with the video's metadata opens a session (its address comes back in `Location`); the bytes
go in `PUT`s with `Content-Range`, each chunk but the last a multiple of 256 KiB. YouTube
answers `308 Resume Incomplete` with `Range: bytes=0-N` (what it holds) until the last
chunk, then `200`/`201` with the video. When a chunk's answer is lost or is a 5xx, we ask
the session what it holds (`Content-Range: bytes */size`) and resume from there: never
restart, which would upload twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from orchestre.connectors.base import (
    AmbiguousError,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.youtube.wire import NETWORK, body, error_for

log = logging.getLogger("orchestre.connectors.youtube")

KIB = 1024
UPLOAD_URL = "https://www.googleapis.com/upload/youtube/v3/videos"
_RANGE = re.compile(r"bytes=0-(\d+)")


@dataclass(frozen=True)
class UploadRules:
    """Chunk size (a multiple of `granularity`) and how patiently a session is resumed."""

    chunk_size: int = 32 * 256 * KIB  # 8 MiB
    granularity: int = 256 * KIB
    max_resumes: int = 5
    first_backoff: float = 1.0

    def __post_init__(self) -> None:
        if self.chunk_size <= 0 or self.chunk_size % self.granularity:
            raise ValueError("a YouTube chunk must be a multiple of 256 KiB")


@dataclass
class Session:
    """One resumable upload in progress."""

    client: httpx.Client
    uri: str
    path: Path
    size: int
    content_type: str
    rules: UploadRules
    now: Callable[[], datetime]
    sleep: Callable[[float], None]
    client_ref: str | None = None


def open_session(
    client: httpx.Client,
    metadata: dict[str, Any],
    *,
    params: dict[str, str],
    size: int,
    content_type: str,
    now: datetime,
) -> str:
    """Start a session and return its address. Nothing is published yet: safe to retry."""
    try:
        response = client.post(
            UPLOAD_URL,
            params={"uploadType": "resumable", **params},
            json=metadata,
            headers={
                "X-Upload-Content-Length": str(size),
                "X-Upload-Content-Type": content_type,
            },
        )
    except httpx.HTTPError as exc:
        raise RetryableError(f"YouTube did not open the upload: {exc}", network=NETWORK) from exc
    error = error_for(response, now)
    if error is not None:
        raise error
    location: str | None = response.headers.get("location")
    if not location:
        raise RetryableError("YouTube opened no upload session.", network=NETWORK)
    return location


def upload(session: Session) -> dict[str, Any]:
    """Send the file and return YouTube's video resource."""
    offset, resumes = 0, 0
    with session.path.open("rb") as handle:
        while True:
            end = min(offset + session.rules.chunk_size, session.size) - 1
            try:
                done, reached = _put_chunk(session, handle, offset, end)
                if done is None and reached <= offset:
                    raise _Interrupted("YouTube kept none of the chunk")
            except _Interrupted as lost:
                resumes += 1
                done, reached = _resume(session, resumes, final=end == session.size - 1, why=lost)
            if done is not None:
                return done
            offset = reached


class _Interrupted(Exception):
    """A chunk whose fate is unknown: its answer was lost, or YouTube failed (5xx)."""


def _put_chunk(
    session: Session, handle: BinaryIO, first: int, last: int
) -> tuple[dict[str, Any] | None, int]:
    handle.seek(first)
    data = handle.read(last - first + 1)
    headers = {
        "Content-Type": session.content_type,
        "Content-Range": f"bytes {first}-{last}/{session.size}",
    }
    return _answer(session, "PUT", content=data, headers=headers)


def _answer(session: Session, method: str, **kwargs: Any) -> tuple[dict[str, Any] | None, int]:
    """(the video when done, else None; the next byte to send)."""
    try:
        response = session.client.request(method, session.uri, **kwargs)
    except httpx.TransportError as exc:
        raise _Interrupted(str(exc)) from exc
    if response.status_code in (200, 201):
        return body(response), session.size
    if response.status_code == 308:
        return None, _next_byte(response)
    if response.status_code >= 500:
        raise _Interrupted(f"HTTP {response.status_code}")
    if response.status_code == 404:
        # The session expired (about a week) or was cancelled: nothing was published.
        raise RetryableError("YouTube's upload session expired; upload again.", network=NETWORK)
    error = error_for(response, session.now())
    raise (
        error
        if error is not None
        else PermanentError(
            f"YouTube answered the upload with HTTP {response.status_code}.", network=NETWORK
        )
    )


def _next_byte(response: httpx.Response) -> int:
    found = _RANGE.fullmatch(response.headers.get("range", "").strip())
    return int(found.group(1)) + 1 if found else 0


def _resume(
    session: Session, attempt: int, *, final: bool, why: _Interrupted
) -> tuple[dict[str, Any] | None, int]:
    """Ask the session what it holds, backing off; the bytes after it are sent again."""
    while attempt <= session.rules.max_resumes:
        session.sleep(session.rules.first_backoff * 2 ** (attempt - 1))
        log.info("resuming a YouTube upload (attempt %d): %s", attempt, why)
        try:
            return _answer(
                session,
                "PUT",
                content=b"",
                headers={"Content-Range": f"bytes */{session.size}"},
            )
        except _Interrupted as again:
            why, attempt = again, attempt + 1
    if final:
        # The last chunk may have arrived: the video may exist.
        raise AmbiguousError(
            "YouTube did not confirm the end of the upload; the video may have been "
            "published. Check the channel before trying again.",
            client_ref=session.client_ref,
            network=NETWORK,
        )
    raise RetryableError(f"YouTube's upload kept failing ({why}).", network=NETWORK)


__all__ = ["Session", "UploadRules", "open_session", "upload"]
